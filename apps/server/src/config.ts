import { randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import path from 'node:path'
import { parseRedisUrl } from './redis/url'

/**
 * Every setting of the server, read once from the environment. A bad value throws a
 * ConfigError whose message is the one line start-up prints before it exits.
 */
export interface Config {
  port: number
  host: string
  dataDir: string
  databaseUrl: string | null
  redisUrl: string | null
  redisMode: 'standalone' | 'cluster'
  /** null → generated once and kept in DATA_DIR (resolved by the auth plugin). */
  jwtSecret: string | null
  nodeId: string
  wechat: { appId: string; secret: string } | null
  wechatApiBase: string
  /** v1.1 §E: subscribe-message template ids (WECHAT_TEMPLATE_*); an absent one is off. */
  wechatTemplates: { answer?: string; dm?: string; mention?: string }
  adminToken: string | null
  sensitiveWordsFile: string | null
  sensitiveMode: 'mask' | 'reject'
  secCheck: 'off' | 'fail-open' | 'fail-closed'
  clientDir: string | null
  logLevel: string
  /** false, a hop count, or the trusted proxies' addresses/CIDRs (see trust-proxy.ts). */
  trustProxy: TrustProxy
  /** false → POST /api/login answers 403 (WeChat login only). */
  guestLogin: boolean
  /** SQLite only: FULL (default) acks only what survives a power loss. */
  sqliteSynchronous: 'FULL' | 'NORMAL'
  allowedOrigins: string[] | null
  /** Bearer token /metrics asks for; null → /metrics is open (keep it off the public network). */
  metricsToken: string | null
  limits: {
    tokenTtlSec: number
    sendPerWindow: number
    sendWindowMs: number
    framesPerSec: number
    loginPerMinute: number
    connsPerUser: number
    connsPerIp: number
    roomsPerConn: number
    sendBufferBytes: number
    idleTimeoutMs: number
    drainMs: number
    gapFillDelayMs: number
    tailCheckMs: number
    pushWindowMs: number
    /** MiB of RSS growth after which a quiet node runs one memory-reducing GC (lib/idle-gc.ts); 0: never. */
    idleGcMb: number
    /** Authenticated /api/* calls per user per window (the admin API does not count). */
    apiPerWindow: number
    apiWindowMs: number
    uploadsPerWindow: number
    uploadWindowMs: number
    roomCreatesPerWindow: number
    roomCreateWindowMs: number
    /** Wrong admin tokens per address per minute before the address is locked out. */
    adminFailsPerMinute: number
    /** A request body not fully arrived by then is ended (408). */
    requestTimeoutMs: number
    /** Frames one connection may have waiting for the store before it is closed (4009). */
    queuedFrames: number
    /** v1.1 §E: one offline notice per user per room per this interval (60 s). */
    noticeIntervalMs: number
    /** Each WeChat call of an offline notice gives up after this long. */
    wechatTimeoutMs: number
    /** v1.1 §B: `react` frames per user per second (a bucket of its own, not the send rate). */
    reactPerSec: number
  }
}

export type TrustProxy = false | number | string[]

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return def
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: expected a whole number from ${min} to ${max}`)
  }
  return n
}

function str(env: Env, name: string): string | null {
  const v = env[name]?.trim()
  return v ? v : null
}

function url(env: Env, name: string, schemes: string[]): string | null {
  const v = str(env, name)
  if (v === null) return null
  let u: URL
  try {
    u = new URL(v)
  } catch {
    throw new ConfigError(`${name} is not a valid URL (expected ${schemes.join(' or ')}…)`)
  }
  if (!schemes.includes(u.protocol)) {
    throw new ConfigError(`${name} must start with ${schemes.map((s) => s + '//').join(' or ')} (got ${u.protocol}//)`)
  }
  return v
}

function redisUrl(env: Env, mode: 'standalone' | 'cluster'): string | null {
  const v = str(env, 'REDIS_URL')
  if (v === null) return null
  try {
    parseRedisUrl(v, mode)
  } catch (err) {
    throw new ConfigError((err as Error).message)
  }
  return v
}

/**
 * TRUST_PROXY: unset/false/0 → the socket address; a number N → the N-th address from the
 * right of X-Forwarded-For; a comma list of addresses/CIDRs → the right-most address not in
 * it (the socket's own address first: a peer that is not a listed proxy is the client).
 * `true` means 1 — the nearest proxy's word — never "believe the left-most entry".
 */
function trustProxy(v: string | null): TrustProxy {
  if (v === null || v === 'false' || v === '0') return false
  if (v === 'true') return 1
  if (/^\d+$/.test(v)) {
    const n = Number(v)
    if (n < 1 || n > 100) throw new ConfigError('TRUST_PROXY must be false, a hop count from 1 to 100, or a comma list of addresses/CIDRs')
    return n
  }
  const list = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
  for (const a of list) {
    if (!isIpOrCidr(a))
      throw new ConfigError(`TRUST_PROXY: ${JSON.stringify(a)} is not an address or CIDR (expected false, a hop count, or a comma list)`)
  }
  return list
}

function isIpOrCidr(a: string): boolean {
  const [ip, bits, extra] = a.split('/')
  if (extra !== undefined) return false
  const v = isIP(ip)
  if (v === 0) return false
  if (bits === undefined) return true
  if (!/^\d{1,3}$/.test(bits)) return false
  return Number(bits) <= (v === 4 ? 32 : 128)
}

/** WECHAT_TEMPLATE_ANSWER / _DM / _MENTION: ids as the WeChat console shows them. */
function wechatTemplates(env: Env): Config['wechatTemplates'] {
  const out: Config['wechatTemplates'] = {}
  for (const [kind, name] of [
    ['answer', 'WECHAT_TEMPLATE_ANSWER'],
    ['dm', 'WECHAT_TEMPLATE_DM'],
    ['mention', 'WECHAT_TEMPLATE_MENTION'],
  ] as const) {
    const v = str(env, name)
    if (v === null) continue
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(v))
      throw new ConfigError(`${name} is not a template id (expected up to 128 characters of [A-Za-z0-9_-])`)
    out[kind] = v
  }
  return out
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const wechatAppId = str(env, 'WECHAT_APPID')
  const wechatSecret = str(env, 'WECHAT_SECRET')
  if ((wechatAppId === null) !== (wechatSecret === null)) {
    throw new ConfigError('WECHAT_APPID and WECHAT_SECRET must be set together')
  }
  const jwtSecret = str(env, 'JWT_SECRET')
  if (jwtSecret !== null && jwtSecret.length < 16) throw new ConfigError('JWT_SECRET must be at least 16 characters')
  const nodeId = str(env, 'NODE_ID') ?? `n-${randomBytes(3).toString('hex')}`
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(nodeId)) throw new ConfigError('NODE_ID must be 1–64 characters of [A-Za-z0-9_.-]')
  const redisMode = str(env, 'REDIS_MODE') ?? 'standalone'
  if (redisMode !== 'standalone' && redisMode !== 'cluster') throw new ConfigError('REDIS_MODE must be standalone or cluster')
  const sensitiveMode = str(env, 'SENSITIVE_MODE') ?? 'mask'
  if (sensitiveMode !== 'mask' && sensitiveMode !== 'reject') throw new ConfigError('SENSITIVE_MODE must be mask or reject')
  const secCheck = str(env, 'WECHAT_MSG_SEC_CHECK') ?? 'off'
  if (secCheck !== 'off' && secCheck !== 'fail-open' && secCheck !== 'fail-closed') {
    throw new ConfigError('WECHAT_MSG_SEC_CHECK must be off, fail-open or fail-closed')
  }
  if (secCheck !== 'off' && !wechatAppId) throw new ConfigError('WECHAT_MSG_SEC_CHECK needs WECHAT_APPID and WECHAT_SECRET')
  const logLevel = str(env, 'LOG_LEVEL') ?? 'info'
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent')
  }
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'])
  const redis = redisUrl(env, redisMode)
  // Nodes sharing a store must share the secret: a generated one would make each node
  // refuse the others' tokens.
  if ((databaseUrl || redis) && jwtSecret === null) {
    throw new ConfigError('JWT_SECRET is required when DATABASE_URL or REDIS_URL is set (every node must sign with the same secret)')
  }
  const guest = (str(env, 'GUEST_LOGIN') ?? 'on').toLowerCase()
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(guest)) throw new ConfigError('GUEST_LOGIN must be on or off')
  const sync = (str(env, 'SQLITE_SYNCHRONOUS') ?? 'FULL').toUpperCase()
  if (sync !== 'FULL' && sync !== 'NORMAL') throw new ConfigError('SQLITE_SYNCHRONOUS must be FULL or NORMAL')
  const origins = str(env, 'ALLOWED_ORIGINS')
  const clientDir = str(env, 'CLIENT_DIR')
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    dataDir: path.resolve(cwd, str(env, 'DATA_DIR') ?? './data'),
    databaseUrl,
    redisUrl: redis,
    redisMode,
    jwtSecret,
    nodeId,
    wechat: wechatAppId && wechatSecret ? { appId: wechatAppId, secret: wechatSecret } : null,
    wechatApiBase: (url(env, 'WECHAT_API_BASE', ['http:', 'https:']) ?? 'https://api.weixin.qq.com').replace(/\/+$/, ''),
    wechatTemplates: wechatTemplates(env),
    adminToken: str(env, 'ADMIN_TOKEN'),
    sensitiveWordsFile: str(env, 'SENSITIVE_WORDS_FILE'),
    sensitiveMode,
    secCheck,
    clientDir: clientDir ? path.resolve(cwd, clientDir) : null,
    logLevel,
    trustProxy: trustProxy(str(env, 'TRUST_PROXY')),
    guestLogin: guest === 'on' || guest === 'true' || guest === '1',
    sqliteSynchronous: sync,
    allowedOrigins: origins
      ? origins
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean)
      : null,
    metricsToken: str(env, 'METRICS_TOKEN'),
    limits: {
      tokenTtlSec: int(env, 'TOKEN_TTL_SECONDS', 30 * 24 * 3600, 60, 365 * 24 * 3600),
      sendPerWindow: int(env, 'SEND_RATE_LIMIT', 200, 1, 100_000),
      sendWindowMs: int(env, 'SEND_RATE_WINDOW_MS', 10_000, 100, 3_600_000),
      framesPerSec: int(env, 'FRAME_RATE_LIMIT', 200, 1, 100_000),
      loginPerMinute: int(env, 'LOGIN_RATE_LIMIT', 1000, 1, 100_000),
      connsPerUser: int(env, 'MAX_CONNS_PER_USER', 20, 1, 100_000),
      connsPerIp: int(env, 'MAX_CONNS_PER_IP', 5000, 1, 1_000_000),
      roomsPerConn: int(env, 'MAX_ROOMS_PER_CONN', 100, 1, 10_000),
      sendBufferBytes: int(env, 'MAX_SEND_BUFFER_BYTES', 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
      idleTimeoutMs: int(env, 'IDLE_TIMEOUT_MS', 75_000, 5_000, 3_600_000),
      drainMs: int(env, 'DRAIN_TIMEOUT_MS', 10_000, 0, 600_000),
      gapFillDelayMs: int(env, 'GAP_FILL_DELAY_MS', 50, 0, 10_000),
      tailCheckMs: int(env, 'TAIL_CHECK_MS', 2_000, 100, 600_000),
      pushWindowMs: int(env, 'PUSH_WINDOW_MS', 40, 0, 1_000),
      idleGcMb: int(env, 'IDLE_GC_MB', 32, 0, 1_000_000),
      apiPerWindow: int(env, 'API_RATE_LIMIT', 600, 1, 1_000_000),
      apiWindowMs: int(env, 'API_RATE_WINDOW_MS', 60_000, 100, 3_600_000),
      uploadsPerWindow: int(env, 'UPLOAD_RATE_LIMIT', 20, 1, 100_000),
      uploadWindowMs: int(env, 'UPLOAD_RATE_WINDOW_MS', 60_000, 100, 3_600_000),
      roomCreatesPerWindow: int(env, 'ROOM_CREATE_RATE_LIMIT', 10, 1, 100_000),
      roomCreateWindowMs: int(env, 'ROOM_CREATE_RATE_WINDOW_MS', 60_000, 100, 3_600_000),
      adminFailsPerMinute: int(env, 'ADMIN_AUTH_FAIL_LIMIT', 10, 1, 100_000),
      requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 30_000, 1_000, 600_000),
      queuedFrames: int(env, 'MAX_QUEUED_FRAMES', 500, 10, 100_000),
      noticeIntervalMs: int(env, 'WECHAT_NOTICE_INTERVAL_MS', 60_000, 1_000, 86_400_000),
      wechatTimeoutMs: int(env, 'WECHAT_TIMEOUT_MS', 5_000, 100, 60_000),
      reactPerSec: int(env, 'REACT_RATE_LIMIT', 10, 1, 100_000),
    },
  }
}
