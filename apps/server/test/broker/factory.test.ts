import { describe, expect, it } from 'vitest'
import { createBroker, MemoryBroker, parseRedisUrl, RedisBroker, RedisClusterBroker } from '../../src/broker/index'

describe('createBroker', () => {
  it('is in memory without a URL', () => {
    expect(createBroker({ nodeId: 'n1' })).toBeInstanceOf(MemoryBroker)
    expect(createBroker({ nodeId: 'n1', redisUrl: '' }).kind).toBe('memory')
  })

  it('is RedisBroker for redis:// and rediss://', () => {
    expect(createBroker({ nodeId: 'n1', redisUrl: 'redis://127.0.0.1:6379' })).toBeInstanceOf(RedisBroker)
    expect(createBroker({ nodeId: 'n1', redisUrl: 'rediss://u:p@cache.example:6380/2' }).kind).toBe('redis')
  })

  it('is RedisClusterBroker for redis-cluster:// whatever the mode, or redis:// in cluster mode', () => {
    const seeds = 'redis-cluster://127.0.0.1:7000,127.0.0.1:7001'
    expect(createBroker({ nodeId: 'n1', redisUrl: seeds })).toBeInstanceOf(RedisClusterBroker)
    expect(createBroker({ nodeId: 'n1', redisUrl: seeds, redisMode: 'standalone' }).kind).toBe('redis-cluster')
    expect(createBroker({ nodeId: 'n1', redisUrl: 'redis://10.0.0.1:7000', redisMode: 'cluster' }).kind).toBe('redis-cluster')
    expect(createBroker({ nodeId: 'n1', redisUrl: 'redis://a:7000,b:7001', redisMode: 'cluster' }).kind).toBe('redis-cluster')
  })

  it.each([
    'http://127.0.0.1:6379',
    'redis//127.0.0.1',
    'redis://',
    'redis://host:99999',
    'redis://host:port',
    'redis://a:1,b:2',
    'redis://host/abc',
    'redis-cluster://a:1/3',
    'redis://u:%zz@host',
    'localhost:6379',
  ])('throws naming REDIS_URL for %s', (url) => {
    expect(() => createBroker({ nodeId: 'n1', redisUrl: url })).toThrow(/REDIS_URL/)
  })

  it('never puts the password in the error', () => {
    expect(() => createBroker({ nodeId: 'n1', redisUrl: 'redis://user:s3cret@host:bad' })).toThrow(/user:\*\*\*@/)
    try {
      createBroker({ nodeId: 'n1', redisUrl: 'redis://user:s3cret@host:bad' })
    } catch (err) {
      expect(String(err)).not.toContain('s3cret')
    }
  })
})

describe('parseRedisUrl', () => {
  it('reads user, password, database, TLS and seeds', () => {
    expect(parseRedisUrl('rediss://me:p%40ss@cache:6380/4')).toEqual({
      mode: 'standalone',
      tls: true,
      nodes: [{ host: 'cache', port: 6380 }],
      username: 'me',
      password: 'p@ss',
      db: 4,
    })
    expect(parseRedisUrl('redis://:pw@[::1]')).toMatchObject({ nodes: [{ host: '::1', port: 6379 }], password: 'pw' })
    expect(parseRedisUrl('rediss-cluster://a:7000,b:7001,c')).toMatchObject({
      mode: 'cluster',
      tls: true,
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
        { host: 'c', port: 6379 },
      ],
    })
  })
})
