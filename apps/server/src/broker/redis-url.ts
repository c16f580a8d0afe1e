/**
 * REDIS_URL convention — one setting names the whole deployment:
 *
 *   redis://[user[:password]@]host[:port][/db]             one Redis server (TLS: rediss://)
 *   redis-cluster://[user[:password]@]host:port[,host:port…] Redis Cluster seed nodes
 *                                                           (TLS: rediss-cluster://)
 *
 * A redis-cluster:// URL means cluster mode whatever `redisMode` says. `redisMode: 'cluster'`
 * (REDIS_MODE=cluster) also turns a redis:// or rediss:// URL into cluster mode; such a URL
 * may then list several comma-separated seeds too. Cluster mode has no database number.
 * WHATWG `new URL()` cannot parse a seed list, hence this small parser of our own.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'

export type RedisMode = 'standalone' | 'cluster'

export interface RedisTarget {
  mode: RedisMode
  tls: boolean
  nodes: Array<{ host: string; port: number }>
  username?: string
  password?: string
  db: number
}

const SCHEMES: Record<string, { tls: boolean; cluster: boolean }> = {
  'redis:': { tls: false, cluster: false },
  'rediss:': { tls: true, cluster: false },
  'redis-cluster:': { tls: false, cluster: true },
  'rediss-cluster:': { tls: true, cluster: true },
}

/** The URL with its password masked, for error messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([^:]+:\/\/[^:@/]*:)[^@/]*@/, '$1***@')
}

function fail(url: string, why: string): never {
  throw new Error(`REDIS_URL ${JSON.stringify(redactRedisUrl(url))} is invalid: ${why}`)
}

function parseHost(url: string, part: string): { host: string; port: number } {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(part)
  if (!m) fail(url, `bad host ${JSON.stringify(part)}`)
  const port = m[2] === undefined ? 6379 : Number(m[2])
  if (port < 1 || port > 65535) fail(url, `bad port in ${JSON.stringify(part)}`)
  return { host: m[1].replace(/^\[|\]$/g, ''), port }
}

export function parseRedisUrl(url: string, mode: RedisMode = 'standalone'): RedisTarget {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:)\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/.exec(url.trim())
  if (!m) fail(url, 'expected redis://host:port, rediss://… or redis-cluster://host:port[,host:port…]')
  const scheme = SCHEMES[m[1].toLowerCase()]
  if (!scheme) fail(url, `unknown scheme ${m[1]}// (use redis://, rediss://, redis-cluster:// or rediss-cluster://)`)
  let authority = m[2]
  let username: string | undefined
  let password: string | undefined
  const at = authority.lastIndexOf('@')
  if (at >= 0) {
    const userinfo = authority.slice(0, at)
    authority = authority.slice(at + 1)
    const colon = userinfo.indexOf(':')
    try {
      username = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo) || undefined
      password = colon >= 0 ? decodeURIComponent(userinfo.slice(colon + 1)) || undefined : undefined
    } catch {
      fail(url, 'bad percent-encoding in the user or password')
    }
  }
  if (!authority) fail(url, 'no host')
  const nodes = authority.split(',').map((p) => parseHost(url, p))
  const cluster = scheme.cluster || mode === 'cluster'
  if (!cluster && nodes.length > 1) fail(url, 'several hosts need redis-cluster:// (or REDIS_MODE=cluster)')
  const path = (m[3] ?? '').replace(/^\//, '')
  let db = 0
  if (path !== '') {
    if (!/^\d{1,5}$/.test(path)) fail(url, `bad database number ${JSON.stringify(path)}`)
    db = Number(path)
    if (cluster && db !== 0) fail(url, 'Redis Cluster has only database 0')
  }
  return { mode: cluster ? 'cluster' : 'standalone', tls: scheme.tls, nodes, username, password, db }
}

/** Reconnect delay: exponential from 50 ms, capped, with jitter so nodes do not stampede. */
export function cappedBackoff(maxMs: number): (times: number) => number {
  return (times) => {
    const base = Math.min(maxMs, 50 * 2 ** Math.min(times, 16))
    return Math.round(base / 2 + Math.random() * (base / 2))
  }
}

/** Per-connection options common to every client we open. */
export function connectionOptions(t: RedisTarget): RedisOptions {
  return {
    username: t.username,
    password: t.password,
    db: t.db,
    tls: t.tls ? {} : undefined,
  }
}

export interface ClientOptions {
  /** CLIENT SETNAME, so `CLIENT LIST` shows which node and role a connection is. */
  name: string
  commandTimeoutMs?: number
  maxRetryDelayMs?: number
}

/**
 * A command connection (presence, rate limits) to a standalone server or a cluster. Commands
 * wait for a reconnect at most one retry and `commandTimeoutMs`, so callers fail instead of
 * hanging when Redis is gone.
 */
export function createCommandClient(t: RedisTarget, o: ClientOptions): Redis | Cluster {
  const retry = cappedBackoff(o.maxRetryDelayMs ?? 2000)
  const perConn: RedisOptions = {
    ...connectionOptions(t),
    connectionName: o.name,
    commandTimeout: o.commandTimeoutMs ?? 3000,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
  }
  if (t.mode === 'standalone') {
    return new Redis({ ...perConn, host: t.nodes[0].host, port: t.nodes[0].port, retryStrategy: retry })
  }
  const opts: ClusterOptions = {
    redisOptions: perConn,
    clusterRetryStrategy: retry,
    enableAutoPipelining: true,
    slotsRefreshInterval: 5000,
    slotsRefreshTimeout: 2000,
  }
  return new Cluster(t.nodes, opts)
}

/** Resolves once `client` is ready; rejects after `ms` (the client keeps retrying). */
export function whenReady(client: Redis | Cluster, ms: number, what: string): Promise<void> {
  if (client.status === 'ready') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer)
      client.off('ready', onReady)
      client.off('end', onEnd)
      if (err) reject(err)
      else resolve()
    }
    const onReady = () => done()
    const onEnd = () => done(new Error(`${what}: connection closed`))
    const timer = setTimeout(() => done(new Error(`${what}: Redis did not answer within ${ms} ms`)), ms)
    client.on('ready', onReady)
    client.on('end', onEnd)
  })
}

/** QUIT when the link is up (flushes what is queued), else drop the socket. */
export async function closeClient(client: Redis | Cluster): Promise<void> {
  if (client.status === 'end') return
  if (client.status === 'ready') {
    try {
      await Promise.race([client.quit(), new Promise((r) => setTimeout(r, 2000).unref())])
    } catch {
      // fall through to disconnect
    }
  }
  if ((client.status as string) !== 'end') client.disconnect()
}

/** Rejects if `p` has not settled within `ms` (a cluster may queue a command while it reconnects). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: Redis did not answer within ${ms} ms`)), ms)
    p.then(
      (v) => {
        clearTimeout(t)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(t)
        reject(e)
      },
    )
  })
}

/**
 * A dead peer behind a silent network (no FIN, no RST) is only noticed by TCP after hours,
 * and a subscriber connection sends nothing on its own. PING it now and then; when an answer
 * does not come within the command timeout, drop the socket so the reconnect logic runs.
 */
export function watchLink(conn: Redis, everyMs: number): () => void {
  let busy = false
  const timer = setInterval(() => {
    if (busy || conn.status !== 'ready') return
    busy = true
    conn
      .ping()
      .catch(() => {
        if (conn.status === 'ready') conn.disconnect(true)
      })
      .finally(() => {
        busy = false
      })
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
