/**
 * v1.1 §B durability of reaction totals, with real processes: they survive a restart of
 * every node (and of Redis, which keeps nothing here), and a kill -9 of a node loses at
 * most its last second of them — on two nodes with Postgres + Redis, and embedded (SQLite).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { http, login, TestClient } from '../helpers/client'
import { buildServer, serverNode, startCluster, until, type NodeProcess, type TestCluster } from '../helpers/cluster'

const ROOMY = { FRAME_RATE_LIMIT: '100000', LOGIN_RATE_LIMIT: '100000', API_RATE_LIMIT: '100000' }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function joined(node: NodeProcess, token: string, room: string): Promise<TestClient> {
  const c = await TestClient.connect(node.wsUrl, token)
  const j = await c.request({ type: 'join', room })
  if (j.type !== 'joined') throw new Error(`join: ${JSON.stringify(j)}`)
  return c
}

const stats = async (node: NodeProcess, token: string, room: string) =>
  (await http(node.url, 'GET', `/api/rooms/${room}`, undefined, token)).body.stats

/**
 * Taps likes from `clients` (8 a second each) until stopped; `sent` lists each tap's send
 * time, so a test can count the taps sent before a moment.
 */
function tapper(clients: TestClient[], room: string) {
  const sent: number[] = []
  let on = true
  const done = (async () => {
    while (on) {
      for (const c of clients) {
        if (c.ws.readyState !== 1) continue
        c.send({ type: 'react', room, kind: 'like' })
        sent.push(Date.now())
      }
      await sleep(125)
    }
  })()
  return { sent, stop: async () => ((on = false), await done) }
}

describe('reaction totals, two nodes (Postgres + Redis)', () => {
  let c: TestCluster
  afterAll(async () => {
    await c?.stop()
  })

  it('survive a restart of both nodes and of Redis, taps just before the stop included', async () => {
    c = await startCluster({ nodes: 2, env: ROOMY })
    const [a, b] = c.nodes
    const room = 'rx-restart'
    const ua = await login(a.url, 'A')
    const ub = await login(b.url, 'B')
    const ca = await joined(a, ua.token, room)
    const cb = await joined(b, ub.token, room)
    for (let i = 0; i < 6; i++) ca.send({ type: 'react', room, kind: 'like' })
    cb.send({ type: 'react', room, kind: 'flower', count: 40 })
    await until('the totals announced', () =>
      cb.frames.some((f) => f.type === 'reactions' && f.stats.likes === 6 && f.stats.flowers === 40),
    )
    // Taps right before a stop are merged, announced and written by the stopping node.
    for (let i = 0; i < 3; i++) cb.send({ type: 'react', room, kind: 'like' })
    ca.send({ type: 'react', room, kind: 'flower', count: 2 })
    await sleep(50)
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0])
    await c.redis.restart() // an empty Redis: the totals must come from Postgres
    await Promise.all([a.start(), b.start()])
    expect(await stats(a, ua.token, room)).toEqual({ likes: 9, flowers: 42 })
    expect(await stats(b, ub.token, room)).toEqual({ likes: 9, flowers: 42 })
    // And they go on from there.
    const cb2 = await joined(b, ub.token, room)
    expect(cb2.frames.find((f) => f.type === 'joined')!.room.stats).toEqual({ likes: 9, flowers: 42 })
    cb2.send({ type: 'react', room, kind: 'like' })
    await until('one more like', () => cb2.frames.some((f) => f.type === 'reactions' && f.stats.likes === 10 && f.stats.flowers === 42))
    cb2.close()
  }, 90_000)

  it('a kill -9 of a node loses at most its last second of taps', async () => {
    const [a, b] = c.nodes
    const room = 'rx-kill'
    const users = await Promise.all(Array.from({ length: 8 }, (_, i) => login((i % 2 ? b : a).url, `K${i}`)))
    const onA = await Promise.all(users.filter((_, i) => i % 2 === 0).map((u) => joined(a, u.token, room)))
    const onB = await Promise.all(users.filter((_, i) => i % 2 === 1).map((u) => joined(b, u.token, room)))
    const ta = tapper(onA, room)
    const tb = tapper(onB, room)
    await sleep(2600)
    const killedAt = Date.now()
    await b.kill9()
    await tb.stop()
    await sleep(500)
    await ta.stop()
    const sentA = ta.sent.length
    const beforeLastSecond = tb.sent.filter((t) => t < killedAt - 1000).length
    const token = users[0].token
    // Node A's taps all count; of node B's, all but (at most) its last second.
    await until('node A has announced its taps', async () => (await stats(a, token, room)).likes >= sentA + beforeLastSecond, 5000)
    await sleep(1500)
    const final = await stats(a, token, room)
    expect(final.likes).toBeGreaterThanOrEqual(sentA + beforeLastSecond)
    expect(final.likes).toBeLessThanOrEqual(sentA + tb.sent.length)
    // A's members have the totals as a frame too.
    await until('the frame on A', () => onA[0].frames.filter((f) => f.type === 'reactions').at(-1)?.stats.likes === final.likes, 5000)
    for (const x of [...onA, ...onB]) x.close()
  }, 60_000)
})

describe('reaction totals, embedded (SQLite)', () => {
  let node: NodeProcess | null = null
  let dir = ''
  afterAll(async () => {
    await node?.kill9()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('survive a restart, and a kill -9 loses at most the last second', async () => {
    await buildServer()
    dir = mkdtempSync(path.join(os.tmpdir(), 'chat-rx-'))
    node = serverNode({ id: 'solo', env: { DATA_DIR: dir, ...ROOMY } })
    await node.start()
    const room = 'rx-solo'
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => login(node!.url, `S${i}`)))
    let conns = await Promise.all(users.map((u) => joined(node!, u.token, room)))
    for (const x of conns) x.send({ type: 'react', room, kind: 'flower', count: 3 })
    await sleep(30)
    expect(await node.stop()).toBe(0)
    await node.start()
    expect(await stats(node, users[0].token, room)).toEqual({ likes: 0, flowers: 18 })

    conns = await Promise.all(users.map((u) => joined(node!, u.token, room)))
    const t = tapper(conns, room)
    await sleep(2700)
    const killedAt = Date.now()
    await node.kill9()
    await t.stop()
    const beforeLastSecond = t.sent.filter((x) => x < killedAt - 1000).length
    await node.start()
    const after = await stats(node, users[0].token, room)
    expect(after.flowers).toBe(18)
    expect(after.likes).toBeGreaterThanOrEqual(beforeLastSecond)
    expect(after.likes).toBeLessThanOrEqual(t.sent.length)
  }, 60_000)
})
