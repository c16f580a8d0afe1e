import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { startRedisCluster, type RedisClusterProcess } from '../helpers/redis-server'
import { redisPresenceSuites } from './redis-presence-harness'

const prefix = `test:${randomBytes(4).toString('hex')}:`
let cluster: RedisClusterProcess

beforeAll(async () => {
  cluster = await startRedisCluster()
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
})

// Rooms, users and nodes are random, so the keys spread over all three masters.
redisPresenceSuites('3-master cluster', () => ({ url: cluster.url, prefix }))
