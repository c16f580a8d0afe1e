// The HTTP half of the contract, over an injected HttpClient (uni.request in the app,
// fetch in tests). Errors come back as ApiError with the contract's code.
import type {
  HttpError,
  HistoryPage,
  LoginResponse,
  QuestionsPage,
  QuestionState,
  ReadMarks,
  RoomAccess,
  RoomSummary,
  RoomInfo,
  User,
} from '@chat/protocol'
import { apiUrl } from './server-url'
import type { HttpClient, HttpRequest, HttpResponse } from './types'

/** A call that failed: its HTTP status (0: no answer at all) and the contract's error code. */
export class ApiError extends Error {
  readonly code: string
  constructor(
    readonly status: number,
    body: { error?: unknown; message?: string },
  ) {
    super(body.message ?? `HTTP ${status}`)
    this.code = typeof body.error === 'string' ? body.error : `http_${status}`
  }
}

export interface Api {
  login(name: string, avatar?: string | null): Promise<LoginResponse>
  loginWechat(code: string, name?: string, avatar?: string | null): Promise<LoginResponse>
  me(): Promise<User>
  /** A fresh token for the current one (same user, a full lifetime). */
  refreshToken(): Promise<LoginResponse>
  /** v1.1 §E: WeChat login and subscribe-message templates (no token needed). */
  config(): Promise<ClientConfig>
  rooms(): Promise<RoomSummary[]>
  /** Without `id` the server picks one (v1.1 §A). */
  createRoom(req: { id?: string; title?: string; access?: RoomAccess }): Promise<RoomInfo>
  room(id: string): Promise<RoomInfo>
  updateRoom(id: string, patch: RoomPatch): Promise<RoomInfo>
  inviteCode(id: string): Promise<{ code: string }>
  resetInvite(id: string): Promise<{ code: string }>
  transferOwner(id: string, userId: string): Promise<void>
  setAdmin(id: string, userId: string, admin: boolean): Promise<void>
  /** `seconds` 0 lifts the mute. */
  mute(id: string, userId: string, seconds: number): Promise<void>
  kick(id: string, userId: string, seconds?: number): Promise<void>
  questions(id: string, q: { state?: QuestionState; after?: number; limit?: number }): Promise<QuestionsPage>
  history(room: string, dir: 'before' | 'after', seq: number, limit?: number): Promise<HistoryPage>
  online(room: string): Promise<User[]>
  /** Others' read marks (an addition to the contract: the snapshot the `read` pushes lack). */
  reads(room: string): Promise<ReadMarks>
}

export interface ClientConfig {
  wechat: { login: boolean; templates: { answer?: string; dm?: string; mention?: string } }
}

export interface RoomPatch {
  title?: string
  announcement?: string | null
  mutedAll?: boolean
  access?: RoomAccess
}

export function createApi(http: HttpClient, base: () => string, token: () => string | null): Api {
  async function call<T>(method: HttpRequest['method'], path: string, body?: unknown, auth = true): Promise<T> {
    let res: HttpResponse
    try {
      res = await http({ method, url: apiUrl(base(), path), token: auth ? token() : null, body })
    } catch (e) {
      throw new ApiError(0, { error: 'network', message: (e as Error)?.message || 'network error' })
    }
    if (res.status >= 200 && res.status < 300) return res.data as T
    throw new ApiError(res.status, (res.data ?? {}) as Partial<HttpError>)
  }
  const enc = encodeURIComponent
  return {
    login: (name, avatar) => call('POST', '/api/login', avatar ? { name, avatar } : { name }, false),
    loginWechat: (code, name, avatar) =>
      call('POST', '/api/login/wechat', { code, ...(name ? { name } : {}), ...(avatar ? { avatar } : {}) }, false),
    me: () => call('GET', '/api/me'),
    refreshToken: () => call('POST', '/api/token/refresh', {}),
    config: () => call('GET', '/api/config', undefined, false),
    rooms: () => call('GET', '/api/rooms'),
    createRoom: (req) => call('POST', '/api/rooms', req),
    room: (id) => call('GET', `/api/rooms/${enc(id)}`),
    updateRoom: (id, patch) => call('PATCH', `/api/rooms/${enc(id)}`, patch),
    inviteCode: (id) => call('GET', `/api/rooms/${enc(id)}/invite`),
    resetInvite: (id) => call('POST', `/api/rooms/${enc(id)}/invite`, {}),
    transferOwner: (id, userId) => call('POST', `/api/rooms/${enc(id)}/owner`, { userId }),
    setAdmin: (id, userId, admin) =>
      admin ? call('POST', `/api/rooms/${enc(id)}/admins`, { userId }) : call('DELETE', `/api/rooms/${enc(id)}/admins/${enc(userId)}`),
    mute: (id, userId, seconds) => call('POST', `/api/rooms/${enc(id)}/mutes`, { userId, seconds }),
    kick: (id, userId, seconds = 0) => call('POST', `/api/rooms/${enc(id)}/kicks`, { userId, seconds }),
    questions(id, { state = 'open', after, limit }) {
      const q = [`state=${state}`, ...(after ? [`after=${after}`] : []), ...(limit ? [`limit=${limit}`] : [])].join('&')
      return call('GET', `/api/rooms/${enc(id)}/questions?${q}`)
    },
    history: (room, dir, seq, limit = 30) => call('GET', `/api/rooms/${enc(room)}/messages?${dir}=${seq}&limit=${limit}`),
    online: (room) => call('GET', `/api/rooms/${enc(room)}/online`),
    reads: (room) => call('GET', `/api/rooms/${enc(room)}/reads`),
  }
}
