// The seams between the engine and the platform. The engine only ever talks to these, so
// Vitest can drive it in Node with a fake or a `ws`-backed socket, and the app with uni's.

/** One WebSocket, shaped like uni's SocketTask (handlers registered once, right after creation). */
export interface SocketLike {
  send(data: string): void
  close(code?: number, reason?: string): void
  onOpen(cb: () => void): void
  onMessage(cb: (data: string) => void): void
  onClose(cb: (code: number, reason: string) => void): void
  onError(cb: (err: unknown) => void): void
}

export type SocketFactory = (url: string) => SocketLike

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT'
  /** Absolute URL. */
  url: string
  token?: string | null
  body?: unknown
}

export interface HttpResponse {
  status: number
  data: unknown
}

export type HttpClient = (req: HttpRequest) => Promise<HttpResponse>

/** Synchronous key/value storage (uni's storage, localStorage, or a Map in tests). */
export interface KeyValueStorage {
  get(key: string): string | null
  set(key: string, value: string): void
  remove(key: string): void
}

/** What the stores need from the outside world; `src/platform` builds the real one. */
export interface EngineDeps {
  socket: SocketFactory
  http: HttpClient
  storage: KeyValueStorage
  /** `http(s)://host[:port]` base of the server, no trailing slash. */
  serverUrl: string
  /** Mini-programs are frozen ~5 s after going to the background: close the socket first. */
  pauseInBackground: boolean
  /** A WeChat login code (uni.login) on mp-weixin; absent on H5. */
  wechatCode?: () => Promise<string | null>
  /**
   * mp-weixin: `wx.requestSubscribeMessage` for these template ids → each id's answer
   * (`accept`, `reject`, `ban`, `filter`); rejects when WeChat refuses the call. Absent on H5.
   */
  subscribe?: (templateIds: string[]) => Promise<Record<string, string>>
}
