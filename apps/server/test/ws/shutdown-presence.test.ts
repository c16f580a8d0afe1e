// A node that shuts down (SIGTERM → app.close) takes its users out of presence before it
// lets go of Redis: otherwise their entries linger until the other nodes notice the node is
// gone, and a user who reconnects elsewhere meanwhile is never announced "online".
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisPresence } from '../../src/presence/redis'
import { joinedClient, startRoomy, type TestServer } from '../contract/support'
import { login } from '../helpers/client'
import { eventually, startRedis, type RedisProcess } from '../helpers/redis-server'

describe('shutdown with Redis presence', () => {
  let redis: RedisProcess
  let probe: RedisPresence
  beforeAll(async () => {
    redis = await startRedis()
    probe = new RedisPresence({ redis: new Redis(redis.url), ownsClient: true, nodeId: 'probe' })
  })
  afterAll(async () => {
    await probe?.close()
    await redis?.stop()
  })

  it('removes every user of the node, also one whose client does not answer the close', async () => {
    const s: TestServer = await startRoomy({ REDIS_URL: redis.url, DRAIN_TIMEOUT_MS: '1500' })
    const alice = await login(s.url, 'Alice')
    const bob = await login(s.url, 'Bob')
    const a = await joinedClient(s, alice.token, 'lecture')
    const b = await joinedClient(s, bob.token, 'lecture')
    expect((await probe.online('lecture')).map((u) => u.name).sort()).toEqual(['Alice', 'Bob'])
    // Bob's client stops reading: it never sees the 1012, so it never answers it.
    ;(b.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const closing = s.close()
    expect(await a.closedP).toBe(1012)
    // Within the drain time (1.5 s), not when ws gives up on Bob's socket (30 s).
    await eventually(async () => (await probe.online('lecture')).length === 0, 5000, 'presence empty')
    b.ws.terminate()
    await closing
  })
})
