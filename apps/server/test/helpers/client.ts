import WebSocket from 'ws'

export type Frame = Record<string, any>

export async function http(base: string, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json: any = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    json = text
  }
  return { status: res.status, body: json, headers: res.headers }
}

export async function login(
  base: string,
  name = 'Alice',
): Promise<{ token: string; user: { id: string; name: string; avatar: string | null } }> {
  const r = await http(base, 'POST', '/api/login', { name })
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}

/** A raw protocol client: every frame it receives is kept, and waits are by predicate. */
export class TestClient {
  readonly frames: Frame[] = []
  closeCode: number | null = null
  closeReason = ''
  private waiters: Array<() => void> = []
  private nextId = 1
  readonly opened: Promise<void>
  readonly closedP: Promise<number>

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.frames.push(JSON.parse(d.toString()))
      this.wake()
    })
    this.closedP = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closeCode = code
        this.closeReason = reason.toString()
        this.wake()
        resolve(code)
      }),
    )
    ws.on('error', () => {})
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
  }

  static async open(url: string): Promise<TestClient> {
    const c = new TestClient(new WebSocket(url))
    await c.opened
    return c
  }

  /** Opens a socket and completes the handshake. */
  static async connect(url: string, token: string, resume?: Record<string, number>): Promise<TestClient> {
    const c = await TestClient.open(url)
    const welcome = await c.request({ type: 'hello', token, ...(resume ? { resume } : {}) })
    if (welcome.type !== 'welcome') throw new Error(`no welcome: ${JSON.stringify(welcome)}`)
    return c
  }

  private wake() {
    const w = this.waiters
    this.waiters = []
    w.forEach((f) => f())
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Sends with a fresh id and resolves with the reply carrying it. */
  async request(frame: Frame, timeoutMs = 5000): Promise<Frame> {
    const id = frame.id ?? this.nextId++
    this.send({ ...frame, id })
    return this.waitFor((f) => f.id === id, timeoutMs)
  }

  /** The first frame (already received or coming) that matches. */
  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 5000, from = 0): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.frames.slice(from).find(pred)
      if (found) return found
      if (this.closeCode !== null)
        throw new Error(`socket closed (${this.closeCode}) while waiting; frames: ${JSON.stringify(this.frames.slice(-5))}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out; last frames: ${JSON.stringify(this.frames.slice(-5))}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Waits until `n` frames match, then returns them. */
  async waitCount(pred: (f: Frame) => boolean, n: number, timeoutMs = 5000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.frames.filter(pred)
      if (found.length >= n) return found
      if (Date.now() > deadline) throw new Error(`expected ${n} frames, got ${found.length}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  messages(room: string): Frame[] {
    return this.frames.filter((f) => f.type === 'message' && f.room === room).map((f) => f.msg)
  }

  async waitClose(timeoutMs = 15_000): Promise<number> {
    return Promise.race([
      this.closedP,
      new Promise<number>((_, rej) => setTimeout(() => rej(new Error('socket did not close')), timeoutMs)),
    ])
  }

  close(): void {
    this.ws.close()
  }
}

export function cid(): string {
  return 'c' + Math.random().toString(36).slice(2, 12).padEnd(10, '0')
}
