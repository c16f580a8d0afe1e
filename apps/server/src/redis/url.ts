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
