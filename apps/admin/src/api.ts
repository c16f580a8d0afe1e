// The console's one way to the server: /api/admin/* with the operator's token, which is
// kept in sessionStorage (gone when the tab closes, never in a cookie or localStorage).

const KEY = 'chat-admin-token'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (t: string) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
}

/** Called when the server refuses the token (401/403): the app goes back to sign-in. */
let onSignedOut: () => void = () => {}
export const whenSignedOut = (fn: () => void) => {
  onSignedOut = fn
}

export async function api<T>(method: string, path: string, body?: unknown, withToken = token.get()): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${withToken ?? ''}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (res.status === 204) return undefined as T
  const data = await res.json().catch(() => ({}))
  if (!res.ok) {
    const err = new ApiError(res.status, data.error ?? 'internal', data.message ?? res.statusText)
    if ((res.status === 401 || res.status === 403) && withToken === token.get()) {
      token.clear()
      onSignedOut()
    }
    throw err
  }
  return data as T
}

export const qs = (params: Record<string, string | number | undefined>) => {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, String(v))
  const s = p.toString()
  return s ? `?${s}` : ''
}

// Shapes of v1.1 §G (plus the fields the server adds for this console).

export interface Stats {
  nodes: number
  connections: number
  rooms: number
  users: number
  messagesPerMinute?: number
  perNode?: { node: string; connections: number; messagesPerMinute: number }[]
}

export interface AdminRoom {
  id: string
  title: string
  kind: string
  owner: string | null
  admins: string[]
  access: string
  mutedAll: boolean
  members: number
  online: number
  lastSeq: number
  lastMessage?: {
    seq: number
    ts: number
    kind: string
    from: { id: string; name: string }
    body: Record<string, unknown>
    recalled?: boolean
  } | null
}

export interface AdminUser {
  id: string
  name: string
  avatar: string | null
  banned: boolean
}

export interface AuditEntry {
  id: number
  ts: number
  actor: string
  action: string
  room?: string
  target?: string
}

export const when = (ts: number) => new Date(ts).toLocaleString('zh-CN', { hour12: false })
