import type { SharedCache } from '../plugins/external/redis'

/** What `subscribeMessage.send` takes (v1.1 §E); `data` maps template keys to `{value}`. */
export interface SubscribeMessage {
  touser: string
  template_id: string
  page: string
  data: Record<string, { value: string }>
}

export interface WechatSubscribeDeps {
  /** WECHAT_API_BASE without a trailing slash; calls go to `${base}/cgi-bin/…`. */
  base: string
  app: { appId: string; secret: string }
  /** Where the access token is kept, shared by every node (the same entry msgSecCheck uses). */
  cache: SharedCache
  /** Each call to WeChat (token, send) gives up after this long. */
  timeoutMs: number
  /** Aborts calls still under way (the server is closing). */
  signal?: AbortSignal
}

/** WeChat answered with an errcode (43101: the user did not subscribe, or used it up). */
export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    errmsg: string,
  ) {
    super(`WeChat errcode ${errcode}: ${errmsg}`)
    this.name = 'WechatApiError'
  }
}

const TOKEN_KEY = 'wechat:access_token'
// Token errors: the cached token is no longer accepted (expired early, or reset in the console).
const BAD_TOKEN = new Set([40001, 40014, 42001])

/**
 * The two WeChat calls an offline notice needs. The access token comes from
 * getStableAccessToken (`/cgi-bin/stable_token`, never force_refresh: every caller gets the
 * same token while it is valid, so nodes never invalidate each other's) and is cached,
 * shared across nodes, until five minutes before it expires; one fetch at a time per node.
 */
export function createWechatSubscribe(d: WechatSubscribeDeps) {
  let pending: Promise<string> | null = null

  async function post<T>(path: string, body: unknown): Promise<T> {
    const signal = d.signal ? AbortSignal.any([d.signal, AbortSignal.timeout(d.timeoutMs)]) : AbortSignal.timeout(d.timeoutMs)
    const res = await fetch(`${d.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    })
    return (await res.json()) as T
  }

  async function fetchToken(): Promise<string> {
    const data = await post<{ access_token?: unknown; expires_in?: unknown; errcode?: number; errmsg?: string }>('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: d.app.appId,
      secret: d.app.secret,
      force_refresh: false,
    })
    if (typeof data.access_token !== 'string' || !data.access_token)
      throw new WechatApiError(data.errcode ?? -1, data.errmsg ?? 'no access_token')
    const expiresIn = typeof data.expires_in === 'number' ? data.expires_in : 7200
    const ttlMs = Math.max(60, expiresIn - 300) * 1000
    await d.cache.set(TOKEN_KEY, data.access_token, ttlMs).catch(() => {})
    return data.access_token
  }

  async function accessToken(): Promise<string> {
    const cached = await d.cache.get(TOKEN_KEY).catch(() => null)
    if (cached) return cached
    pending ??= fetchToken().finally(() => (pending = null))
    return pending
  }

  /** Sends one subscribe message; throws WechatApiError on an errcode, or the network error. */
  async function send(msg: SubscribeMessage): Promise<void> {
    const token = await accessToken()
    const data = await post<{ errcode?: number; errmsg?: string }>(
      `/cgi-bin/message/subscribe/send?access_token=${encodeURIComponent(token)}`,
      msg,
    )
    if (data.errcode) {
      // Forget a token WeChat no longer takes, so the next notice fetches a fresh one.
      if (BAD_TOKEN.has(data.errcode)) await d.cache.set(TOKEN_KEY, '', 1).catch(() => {})
      throw new WechatApiError(data.errcode, data.errmsg ?? '')
    }
  }

  return { send, accessToken }
}

export type WechatSubscribe = ReturnType<typeof createWechatSubscribe>
