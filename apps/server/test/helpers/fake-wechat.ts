import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One call the fake received. */
export interface WechatCall {
  path: string
  query: Record<string, string>
  body: any
}

export type SendBehaviour = 'ok' | 'refuse' | 'hang'

/**
 * A real HTTP server standing in for api.weixin.qq.com: code2Session (`code-<x>` →
 * `openid-<x>`), getStableAccessToken and subscribeMessage.send. It records every call;
 * `behaviour(openid)` decides how a send is answered: ok, refused with 43101, or never.
 */
export class FakeWechat {
  readonly calls: WechatCall[] = []
  base = ''
  tokenExpiresIn = 7200
  behaviour: (openid: string) => SendBehaviour = () => 'ok'
  private server!: Server
  private readonly held = new Set<ServerResponse>()
  private waiters: Array<() => void> = []
  private tokenN = 0

  constructor(
    readonly appId: string,
    readonly secret: string,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res))
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()))
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy()
    this.server.closeAllConnections()
    await new Promise((r) => this.server.close(r))
  }

  sends(): WechatCall[] {
    return this.calls.filter((c) => c.path === '/cgi-bin/message/subscribe/send')
  }

  sendsTo(openid: string): WechatCall[] {
    return this.sends().filter((c) => c.body?.touser === openid)
  }

  tokenCalls(): WechatCall[] {
    return this.calls.filter((c) => c.path === '/cgi-bin/stable_token')
  }

  /** Sends held without an answer right now. */
  get hanging(): number {
    return this.held.size
  }

  async waitFor(pred: (c: WechatCall) => boolean, timeoutMs = 5000): Promise<WechatCall> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.calls.find(pred)
      if (hit) return hit
      if (Date.now() > deadline)
        throw new Error(`fake WeChat: no such call within ${timeoutMs} ms; got ${JSON.stringify(this.calls.map((c) => c.path))}`)
      await new Promise<void>((r) => {
        this.waiters.push(r)
        setTimeout(r, 50)
      })
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    let raw = ''
    for await (const chunk of req) raw += chunk
    let body: any = null
    try {
      body = raw ? JSON.parse(raw) : null
    } catch {
      body = raw
    }
    const call: WechatCall = { path: url.pathname, query: Object.fromEntries(url.searchParams), body }
    this.calls.push(call)
    for (const w of this.waiters.splice(0)) w()
    res.setHeader('content-type', 'application/json')
    const reply = (o: object): void => void res.end(JSON.stringify(o))
    switch (url.pathname) {
      case '/sns/jscode2session': {
        const code = url.searchParams.get('js_code') ?? ''
        if (url.searchParams.get('appid') !== this.appId || !code.startsWith('code-'))
          return reply({ errcode: 40029, errmsg: 'invalid code' })
        return reply({ openid: `openid-${code.slice(5)}`, session_key: 'k' })
      }
      case '/cgi-bin/stable_token':
        if (body?.appid !== this.appId || body?.secret !== this.secret || body?.grant_type !== 'client_credential') {
          return reply({ errcode: 40013, errmsg: 'invalid appid' })
        }
        return reply({ access_token: `TOKEN-${++this.tokenN}`, expires_in: this.tokenExpiresIn })
      case '/cgi-bin/message/subscribe/send': {
        if (!url.searchParams.get('access_token')?.startsWith('TOKEN-')) return reply({ errcode: 40001, errmsg: 'invalid credential' })
        const how = this.behaviour(body?.touser)
        if (how === 'hang') {
          this.held.add(res)
          res.on('close', () => this.held.delete(res))
          return
        }
        if (how === 'refuse') return reply({ errcode: 43101, errmsg: 'user refuse to accept the msg' })
        return reply({ errcode: 0, errmsg: 'ok', msgid: 1 })
      }
      default:
        res.statusCode = 404
        return reply({ errcode: 404, errmsg: 'unknown api' })
    }
  }
}
