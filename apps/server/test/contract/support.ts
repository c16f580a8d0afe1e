// Shared by the contract suites: a server with rate limits out of the way, and small
// protocol steps the suites repeat. Everything goes through the network.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'vitest'
import { startServer, type TestServer } from '../helpers/app'
import { cid, http, login, TestClient, type Frame } from '../helpers/client'
import { startRedis, type RedisProcess } from '../helpers/redis-server'
import { createTestDatabase, type TestDatabase } from '../store/pg-test-db'

export { cid, http, login, TestClient, type Frame, type TestServer }

/** Rate limits high enough that a suite's own traffic never trips them (except where it must). */
export const ROOMY = {
  LOGIN_RATE_LIMIT: '100000',
  SEND_RATE_LIMIT: '100000',
  FRAME_RATE_LIMIT: '100000',
  MAX_CONNS_PER_USER: '50',
  API_RATE_LIMIT: '100000',
  UPLOAD_RATE_LIMIT: '100000',
  ROOM_CREATE_RATE_LIMIT: '100000',
}

export function startRoomy(env: Record<string, string> = {}, dataDir?: string): Promise<TestServer> {
  return startServer({ ...ROOMY, ...env }, dataDir)
}

export interface TwoNodes {
  n1: TestServer
  n2: TestServer
  /** Stops both nodes, then Redis and the database, and removes the shared DATA_DIR. */
  close(): Promise<void>
}

/**
 * Two in-process nodes of one deployment: a fresh Postgres database, a fresh Redis and one
 * DATA_DIR (docs/scaling.md: uploads must be shared). `env` is given to both nodes on top of
 * DATABASE_URL/REDIS_URL; `ids` are their NODE_IDs. Whatever started is stopped again when a
 * later step fails, so a failed start leaves no database, Redis or node behind.
 */
export async function startTwoNodes(tag: string, ids: [string, string], env: Record<string, string>): Promise<TwoNodes> {
  const shared = mkdtempSync(path.join(tmpdir(), `chat-${tag}-`))
  let db: TestDatabase | undefined
  let redis: RedisProcess | undefined
  let n1: TestServer | undefined
  let n2: TestServer | undefined
  const close = async () => {
    await n1?.close()
    await n2?.close()
    await redis?.stop()
    await db?.drop()
    rmSync(shared, { recursive: true, force: true })
  }
  try {
    db = await createTestDatabase()
    redis = await startRedis()
    const common = { ...env, DATABASE_URL: db.url, REDIS_URL: redis.url }
    n1 = await startServer({ ...common, NODE_ID: ids[0] }, shared)
    n2 = await startServer({ ...common, NODE_ID: ids[1] }, shared)
  } catch (e) {
    await close()
    throw e
  }
  return { n1, n2, close }
}

/** The HTTP status the contract gives each error code (§2). */
export const STATUS: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_joined: 403,
  muted: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  wechat_disabled: 503,
}

export type Login = Awaited<ReturnType<typeof login>>

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A connection that has completed the handshake and joined `rooms`. */
export async function joinedClient(s: TestServer, token: string, ...rooms: string[]): Promise<TestClient> {
  const c = await TestClient.connect(s.wsUrl, token)
  for (const room of rooms) {
    const j = await c.request({ type: 'join', room })
    if (j.type !== 'joined') throw new Error(`join ${room} failed: ${JSON.stringify(j)}`)
  }
  return c
}

/**
 * A round trip on `c`. Frames of one connection are handled in order, so when the pong
 * is in, everything its earlier frames caused for this connection has been written.
 */
export async function barrier(c: TestClient): Promise<void> {
  const pong = await c.request({ type: 'ping' })
  if (pong.type !== 'pong') throw new Error(`barrier: ${JSON.stringify(pong)}`)
}

export async function sendText(c: TestClient, room: string, text: string, extra: Frame = {}): Promise<Frame> {
  return c.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text }, ...extra })
}

/** Stores `n` text messages in `room` over `c` (pipelined) and returns their acks. */
export async function fill(c: TestClient, room: string, n: number, prefix = 'm'): Promise<Frame[]> {
  const cids: string[] = []
  for (let i = 0; i < n; i++) {
    const k = cid()
    cids.push(k)
    c.send({ type: 'send', id: `fill-${k}`, room, cid: k, kind: 'text', body: { text: `${prefix}${i}` } })
  }
  const want = new Set(cids.map((k) => `fill-${k}`))
  const acks = await c.waitCount((f) => want.has(f.id), n, 30_000)
  for (const a of acks) if (a.type !== 'ack') throw new Error(`fill: ${JSON.stringify(a)}`)
  return acks
}

/** A user's room list entry for `room` (undefined when not a member). */
export async function roomEntry(s: TestServer, token: string, room: string): Promise<any> {
  const r = await http(s.url, 'GET', '/api/rooms', undefined, token)
  if (r.status !== 200) throw new Error(`GET /api/rooms: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.find((x: any) => x.id === room)
}

export const seqs = (msgs: Array<{ seq: number }>) => msgs.map((m) => m.seq)
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Asserts an HTTP error reply is exactly `{"error": code, "message": text}` with the code's status. */
export function expectError(r: { status: number; body: unknown }, code: string): void {
  expect({ status: r.status, body: r.body }).toEqual({ status: STATUS[code], body: { error: code, message: expect.any(String) } })
}

export const enc = encodeURIComponent
