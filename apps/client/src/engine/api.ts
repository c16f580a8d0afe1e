// The HTTP half of the contract, over an injected HttpClient (uni.request in the app,
// fetch in tests). Errors come back as ApiError with the contract's code.
import type { HttpError, HistoryPage, LoginResponse, RoomSummary, RoomInfo, User } from '@chat/protocol'
import { apiUrl } from './server-url'
import type { HttpClient, HttpRequest } from './types'

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

export interface Api {
  login(name: string, avatar?: string | null): Promise<LoginResponse>
  loginWechat(code: string, name?: string, avatar?: string | null): Promise<LoginResponse>
  me(): Promise<User>
  rooms(): Promise<RoomSummary[]>
  createRoom(id: string | undefined, title: string): Promise<RoomInfo>
  history(room: string, dir: 'before' | 'after', seq: number, limit?: number): Promise<HistoryPage>
  online(room: string): Promise<User[]>
  /** Whether `POST /api/uploads` exists yet: it answers 503 `unavailable` until then. */
  uploadsAvailable(): Promise<boolean>
}

export function createApi(http: HttpClient, base: () => string, token: () => string | null): Api {
  async function call<T>(method: HttpRequest['method'], path: string, body?: unknown, auth = true): Promise<T> {
    let res
    try {
      res = await http({ method, url: apiUrl(base(), path), token: auth ? token() : null, body })
    } catch (e) {
      throw new ApiError(0, 'network', (e as Error)?.message || 'network error')
    }
    if (res.status >= 200 && res.status < 300) return res.data as T
    const err = (res.data ?? {}) as Partial<HttpError>
    throw new ApiError(res.status, typeof err.error === 'string' ? err.error : `http_${res.status}`, err.message ?? `HTTP ${res.status}`)
  }
  const enc = encodeURIComponent
  return {
    login: (name, avatar) => call('POST', '/api/login', avatar ? { name, avatar } : { name }, false),
    loginWechat: (code, name, avatar) =>
      call('POST', '/api/login/wechat', { code, ...(name ? { name } : {}), ...(avatar ? { avatar } : {}) }, false),
    me: () => call('GET', '/api/me'),
    rooms: () => call('GET', '/api/rooms'),
    createRoom: (id, title) => call('POST', '/api/rooms', id ? { id, title } : { title }),
    history: (room, dir, seq, limit = 30) => call('GET', `/api/rooms/${enc(room)}/messages?${dir}=${seq}&limit=${limit}`),
    online: (room) => call('GET', `/api/rooms/${enc(room)}/online`),
    async uploadsAvailable() {
      try {
        await call('POST', '/api/uploads', {})
        return true
      } catch (e) {
        // Anything but "unavailable" means the route is there (it just did not like an empty body).
        return !(e instanceof ApiError && (e.code === 'unavailable' || e.status === 404))
      }
    },
  }
}
