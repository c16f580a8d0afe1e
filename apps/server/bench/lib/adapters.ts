/**
 * The generator's two thin adapters over `ws`: our protocol-v1 and Socket.IO's wire format
 * (Engine.IO v4 + socket.io-parser v5, text only). Both speak raw `ws` so the client side
 * costs the same per frame whichever server is measured; a preflight in run.ts checks the
 * peer with the real socket.io-client too.
 *
 * Receivers classify frames by a byte or two and count them; only sampled receivers
 * JSON.parse a push to look up its send time.
 */
import WebSocket from 'ws'

export type Target = 'chat' | 'sio'

export interface Sink {
  /** A message push arrived at a counting receiver. */
  count(): void
  /** A message push arrived at a sampled receiver; cid identifies the send. */
  sample(cid: string): void
  acked(): void
  failed(reason: string): void
  /** A `reactions` frame arrived (ours only). */
  reaction(): void
  /** A `react` was refused. */
  reactFailed(reason: string): void
}

const WS_OPTS = { perMessageDeflate: false, skipUTF8Validation: true, maxPayload: 64 * 1024 * 1024 } as const

export abstract class BenchClient {
  protected ws!: WebSocket
  protected waiting = new Map<string, (v: unknown) => void>()
  closed = false

  constructor(
    readonly index: number,
    readonly sink: Sink,
    public sampled: boolean,
  ) {}

  abstract connect(base: string, token: string): Promise<void>
  abstract join(room: string): Promise<void>
  abstract send(room: string, cid: string, text: string): void
  /** A like reaction (v1.1 §B); the peer has no such thing. */
  react(_room: string): void {
    throw new Error('reactions are a feature of this server only')
  }

  protected open(url: string, onFrame: (d: Buffer) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = (this.ws = new WebSocket(url, WS_OPTS))
      ws.on('message', (d) => onFrame(d as Buffer))
      ws.once('open', () => resolve())
      ws.once('error', (err) => reject(err))
      ws.on('error', () => {})
      ws.once('close', (code) => {
        this.closed = true
        for (const w of this.waiting.values()) w(new Error(`closed ${code}`))
        this.waiting.clear()
      })
    })
  }

  protected wait(key: string, ms = 30_000): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(key)
        reject(new Error(`timed out waiting for ${key}`))
      }, ms)
      this.waiting.set(key, (v) => {
        clearTimeout(t)
        this.waiting.delete(key)
        if (v instanceof Error) reject(v)
        else resolve(v)
      })
    })
  }

  protected resolve(key: string, v: unknown): void {
    this.waiting.get(key)?.(v)
  }

  close(): void {
    if (!this.ws) return
    this.ws.terminate()
  }
}

// ── protocol-v1 ─────────────────────────────────────────────────────────────────────────

const TYPE_AT = 9 // {"type":"x…  → the type's first letter
const C = (s: string) => s.charCodeAt(0)

export class ChatClient extends BenchClient {
  async connect(base: string, token: string): Promise<void> {
    await this.open(base.replace(/^http/, 'ws') + '/ws', (d) => this.onFrame(d))
    const welcome = this.wait('welcome')
    this.ws.send(JSON.stringify({ type: 'hello', token }))
    await welcome
  }

  async join(room: string): Promise<void> {
    const joined = this.wait(`joined`)
    this.ws.send(JSON.stringify({ type: 'join', room }))
    await joined
  }

  send(room: string, cid: string, text: string): void {
    this.ws.send(`{"type":"send","room":"${room}","cid":"${cid}","kind":"text","body":{"text":"${text}"}}`)
  }

  override react(room: string): void {
    // The id marks a refusal as the react's (sends carry none).
    this.ws.send(`{"type":"react","id":"x","room":"${room}","kind":"like"}`)
  }

  private onFrame(d: Buffer): void {
    const t = d[TYPE_AT]
    if (t === C('m')) {
      if (!this.sampled) return this.sink.count()
      const f = JSON.parse(d.toString())
      return this.sink.sample(f.msg.cid)
    }
    if (t === C('a')) return this.sink.acked()
    // reactions: {"type":"reac… (read: {"type":"read")
    if (t === C('r') && d[TYPE_AT + 3] === C('c')) return this.sink.reaction()
    if (t === C('p') || t === C('t') || t === C('r')) return // presence, typing, read, recalled, room
    const f = JSON.parse(d.toString())
    if (f.type === 'welcome') this.resolve('welcome', f)
    else if (f.type === 'joined') this.resolve('joined', f)
    else if (f.type === 'error') {
      if (f.id === 'x') this.sink.reactFailed(f.code)
      else if (this.waiting.size > 0) for (const k of [...this.waiting.keys()]) this.resolve(k, new Error(`${f.code}: ${f.message}`))
      else this.sink.failed(f.code)
    }
  }
}

// ── Socket.IO 4 (Engine.IO v4, websocket transport only) ─────────────────────────────────

export class SioClient extends BenchClient {
  private nextAck = 1

  async connect(base: string, token: string): Promise<void> {
    const connected = this.wait('connect')
    await this.open(base.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket', (d) => this.onFrame(d))
    await connected
    const ready = this.wait('ready')
    this.ws.send('40' + JSON.stringify({ token }))
    await ready
  }

  async join(room: string): Promise<void> {
    const id = this.nextAck++
    const acked = this.wait(`ack${id}`)
    this.ws.send(`42${id}["join","${room}"]`)
    await acked
  }

  send(room: string, cid: string, text: string): void {
    // Ack ids only need to be unique per socket; acks of sends are counted, not awaited.
    const id = this.nextAck++
    this.ws.send(`42${id}["send",{"room":"${room}","cid":"${cid}","kind":"text","body":{"text":"${text}"}}]`)
  }

  private onFrame(d: Buffer): void {
    const e = d[0]
    if (e === C('4')) {
      const s = d[1]
      if (s === C('2') && d[4] === C('m')) {
        // 42["message",{…}]
        if (!this.sampled) return this.sink.count()
        const f = JSON.parse(d.toString('utf8', 2))
        return this.sink.sample(f[1].cid)
      }
      if (s === C('3')) {
        // 43<id>[{…}] — a join's ack is awaited, a send's is counted
        const str = d.toString()
        const open = str.indexOf('[')
        const key = `ack${str.slice(2, open)}`
        if (this.waiting.has(key)) return this.resolve(key, JSON.parse(str.slice(open)))
        if (str.includes('"error"')) return this.sink.failed(str.slice(open))
        return this.sink.acked()
      }
      if (s === C('0')) return this.resolve('ready', null)
      if (s === C('4')) return this.resolve('ready', new Error(`connect_error ${d.toString()}`))
      return
    }
    if (e === C('2') && d.length === 1) return this.ws.send('3') // Engine.IO ping → pong
    if (e === C('0')) return this.resolve('connect', null) // Engine.IO open
  }
}

export function makeClient(target: Target, index: number, sink: Sink, sampled: boolean): BenchClient {
  return target === 'chat' ? new ChatClient(index, sink, sampled) : new SioClient(index, sink, sampled)
}
