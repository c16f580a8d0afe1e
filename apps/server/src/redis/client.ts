/**
 * ioredis plumbing shared by the brokers and the app's command client: connection options from
 * a parsed REDIS_URL, reconnect backoff, readiness, timeouts, a liveness watchdog, closing.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import { settleWithin } from '../lib/deadline'
import type { RedisTarget } from './url'

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
    await settleWithin(client.quit(), 2000)
  }
  if ((client.status as string) !== 'end') client.disconnect()
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
