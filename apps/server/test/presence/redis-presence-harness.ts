/** Shared by the standalone and cluster presence tests: harnesses and the kill -9 scenario. */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { User } from '@chat/protocol'
import type { Cluster, Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { RedisRateLimiter } from '../../src/limits/rate-limiter'
import { createCommandClient } from '../../src/redis/client'
import { parseRedisUrl } from '../../src/redis/url'
import { RedisPresence } from '../../src/presence/redis'
import { eventually } from '../helpers/redis-server'
import { limiterContract, presenceContract } from './presence-contract'

const here = path.dirname(fileURLToPath(import.meta.url))
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

export function redisPresenceSuites(label: string, target: () => { url: string; prefix: string }): void {
  const clients: Array<Redis | Cluster> = []
  const client = () => {
    const { url } = target()
    const c = createCommandClient(parseRedisUrl(url), { name: `${target().prefix}test` })
    c.on('error', () => {})
    clients.push(c)
    return c
  }
  afterAll(async () => {
    // Leave nothing behind: every key of this run goes.
    const { prefix } = target()
    const c = client()
    const nodes = 'nodes' in c && typeof c.nodes === 'function' ? c.nodes('master') : [c as Redis]
    for (const n of nodes) {
      const keys = await n.keys(`${prefix}*`)
      for (const k of keys) await n.del(k)
    }
    await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())))
  })

  presenceContract(`RedisPresence (${label})`, () => ({
    multiNode: true,
    make: (nodeId) => new RedisPresence({ redis: client(), ownsClient: true, nodeId, prefix: target().prefix }),
  }))

  limiterContract(`RedisRateLimiter (${label})`, () => ({
    multiNode: true,
    make: () => new RedisRateLimiter({ redis: client(), ownsClient: true, prefix: target().prefix }),
  }))

  describe(`RedisPresence node liveness (${label})`, () => {
    const children: ChildProcess[] = []
    const open: RedisPresence[] = []
    afterEach(async () => {
      for (const c of children.splice(0)) c.kill('SIGKILL')
      await Promise.all(open.splice(0).map((p) => p.close()))
    })

    // Closed nodes of earlier tests are reaped too; each test looks at its own room only.
    const reapIn = async (p: RedisPresence, room: string) => (await p.reap()).filter((g) => g.room === room)
    const presence = (nodeId: string, ttl = 1000) => {
      const p = new RedisPresence({ redis: client(), ownsClient: true, nodeId, prefix: target().prefix, nodeTtlMs: ttl, heartbeatMs: 200 })
      open.push(p)
      return p
    }

    function childNode(room: string, u: User, conns: string[]): Promise<ChildProcess> {
      const { url, prefix } = target()
      const mode = url.startsWith('redis-cluster') ? 'cluster' : 'standalone'
      const child = spawn(
        process.execPath,
        ['--import', tsx, path.join(here, 'fixtures/presence-node.ts'), url, mode, prefix, '1000', room, JSON.stringify(u), ...conns],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      children.push(child)
      return new Promise((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child))
        child.once('exit', (code) => reject(new Error(`presence child exited ${code}`)))
      })
    }

    it('forgets the entries of a node killed with -9 and reaps them once', async () => {
      const a = presence('survivor')
      const room = `r-${randomBytes(4).toString('hex')}`
      const ghost = { id: `u_ghost_${randomBytes(3).toString('hex')}`, name: 'Ghost' } as User
      const both = { id: `u_both_${randomBytes(3).toString('hex')}`, name: 'Both' } as User
      expect(await a.add(room, both, 'mine')).toBe(true)
      const child = await childNode(room, ghost, ['k1', 'k2'])
      await a.add(room, both, 'mine2')
      expect((await a.online(room)).map((u) => u.id).sort()).toEqual([both.id, ghost.id].sort())
      // A second connection of the ghost user elsewhere is not first while the child lives.
      expect(await a.add(room, ghost, 'here')).toBe(false)
      expect(await a.remove(room, ghost.id, 'here')).toBe(false)

      child.kill('SIGKILL')
      await eventually(async () => !(await a.online(room)).some((u) => u.id === ghost.id), 10_000, 'ghost gone from online()')
      expect((await a.online(room)).map((u) => u.id)).toEqual([both.id])
      const gone = await reapIn(a, room)
      expect(gone).toEqual([{ room, user: ghost }])
      expect(await reapIn(a, room)).toEqual([])
      // After the reap the user really is offline: the next connection is first again.
      expect(await a.add(room, ghost, 'back')).toBe(true)
    }, 30_000)

    it('makes a user whose only other connections died "first" again', async () => {
      const a = presence('survivor2')
      const room = `r-${randomBytes(4).toString('hex')}`
      const u = { id: `u_${randomBytes(3).toString('hex')}`, name: 'Zed' } as User
      const child = await childNode(room, u, ['k1'])
      expect(await a.add(room, u, 'x')).toBe(false)
      expect(await a.remove(room, u.id, 'x')).toBe(false)
      child.kill('SIGKILL')
      await eventually(async () => (await a.online(room)).length === 0, 10_000, 'dead entry ignored')
      expect(await a.add(room, u, 'y')).toBe(true)
      // add() already dropped the dead entry, so nobody reports this user offline later.
      expect(await reapIn(a, room)).toEqual([])
      expect(await a.remove(room, u.id, 'y')).toBe(true)
    }, 30_000)

    it('marks itself dead on close so others reap what it left', async () => {
      const a = presence('stays')
      const b = presence('leaves')
      const room = `r-${randomBytes(4).toString('hex')}`
      const u = { id: `u_${randomBytes(3).toString('hex')}`, name: 'Left' } as User
      await b.add(room, u, 'c1')
      await b.close()
      await eventually(async () => (await a.online(room)).length === 0, 5000, 'closed node ignored')
      expect(await reapIn(a, room)).toEqual([{ room, user: u }])
    })

    it('comes back under a new incarnation after being declared dead, re-adding its entries', async () => {
      const a = presence('watcher')
      const b = presence('sleepy')
      const room = `r-${randomBytes(4).toString('hex')}`
      const u = { id: `u_${randomBytes(3).toString('hex')}`, name: 'Sleepy' } as User
      await b.add(room, u, 'c1')
      const before = b.nodeKey
      // Simulate a stall longer than the TTL: its lease is ended behind its back.
      await client().zadd(`${target().prefix}presence:nodes`, 0, before)
      await eventually(() => b.nodeKey !== before, 5000, 'new incarnation')
      await eventually(async () => (await a.online(room)).some((x) => x.id === u.id), 5000, 'entry restored')
      expect(await b.remove(room, u.id, 'c1')).toBe(true)
      expect(await a.online(room)).toEqual([])
    })

    it('a remove during the re-add after a new incarnation still takes the user offline', async () => {
      const a = presence('watcher2')
      const rb = client()
      const b = new RedisPresence({ redis: rb, nodeId: 'sleepy2', prefix: target().prefix, nodeTtlMs: 1000, heartbeatMs: 200 })
      open.push(b)
      const room = `r-${randomBytes(4).toString('hex')}`
      const u = { id: `u_${randomBytes(3).toString('hex')}`, name: 'Sleepy' } as User
      await b.add(room, u, 'c1')
      const before = b.nodeKey
      // Hold the re-add at its first step (the room index SADD) until remove() has been called.
      let held = false
      let release!: () => void
      const gate = new Promise<void>((r) => (release = r))
      const sadd = rb.sadd.bind(rb) as (...a: unknown[]) => Promise<number>
      ;(rb as unknown as { sadd: unknown }).sadd = async (...args: unknown[]) => {
        if (b.nodeKey !== before) {
          held = true
          await gate
        }
        return sadd(...args)
      }
      await client().zadd(`${target().prefix}presence:nodes`, 0, before)
      await eventually(() => held, 5000, 're-add started')
      const removed = b.remove(room, u.id, 'c1')
      await new Promise((r) => setTimeout(r, 100))
      release()
      expect(await removed).toBe(true)
      expect(await a.online(room)).toEqual([])
    })
  })
}
