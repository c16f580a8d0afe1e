import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config'

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({}, '/srv/app')
    expect(c).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      dataDir: '/srv/app/data',
      databaseUrl: null,
      redisUrl: null,
      wechat: null,
      adminToken: null,
      sensitiveWordsFile: null,
    })
    expect(c.wechatApiBase).toBe('https://api.weixin.qq.com')
    expect(c.nodeId).toMatch(/^n-[0-9a-f]{6}$/)
    expect(c.limits.pushWindowMs).toBe(40)
    expect(c.limits.idleGcMb).toBe(32)
    expect(loadConfig({ IDLE_GC_MB: '0' }, '/srv/app').limits.idleGcMb).toBe(0)
  })

  it('has the v1.1 §H limits and settings, each with its env name', () => {
    const c = loadConfig({}, '/srv/app')
    expect(c.limits).toMatchObject({
      apiPerWindow: 600,
      apiWindowMs: 60_000,
      uploadsPerWindow: 20,
      uploadWindowMs: 60_000,
      roomCreatesPerWindow: 10,
      roomCreateWindowMs: 60_000,
      adminFailsPerMinute: 10,
      requestTimeoutMs: 30_000,
      queuedFrames: 500,
    })
    expect(c).toMatchObject({ trustProxy: false, guestLogin: true, sqliteSynchronous: 'FULL' })
    const set = loadConfig({
      API_RATE_LIMIT: '5',
      API_RATE_WINDOW_MS: '1000',
      UPLOAD_RATE_LIMIT: '2',
      UPLOAD_RATE_WINDOW_MS: '2000',
      ROOM_CREATE_RATE_LIMIT: '3',
      ROOM_CREATE_RATE_WINDOW_MS: '3000',
      ADMIN_AUTH_FAIL_LIMIT: '4',
      REQUEST_TIMEOUT_MS: '5000',
      MAX_QUEUED_FRAMES: '50',
      GUEST_LOGIN: 'off',
      SQLITE_SYNCHRONOUS: 'normal',
    })
    expect(set.limits).toMatchObject({
      apiPerWindow: 5,
      apiWindowMs: 1000,
      uploadsPerWindow: 2,
      uploadWindowMs: 2000,
      roomCreatesPerWindow: 3,
      roomCreateWindowMs: 3000,
      adminFailsPerMinute: 4,
      requestTimeoutMs: 5000,
      queuedFrames: 50,
    })
    expect(set).toMatchObject({ guestLogin: false, sqliteSynchronous: 'NORMAL' })
  })

  it.each([
    [undefined, false],
    ['false', false],
    ['1', 1],
    ['true', 1],
    ['2', 2],
    ['10.0.0.1, 10.1.0.0/16,::1', ['10.0.0.1', '10.1.0.0/16', '::1']],
  ])('TRUST_PROXY=%j → %j', (v, want) => {
    expect(loadConfig(v === undefined ? {} : { TRUST_PROXY: v }).trustProxy).toEqual(want)
  })

  it('requires JWT_SECRET with a shared store or bus', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db' })).toThrow(/JWT_SECRET/)
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/JWT_SECRET/)
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', JWT_SECRET: 'x'.repeat(32) }).jwtSecret).toBe('x'.repeat(32))
  })

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ WECHAT_APPID: 'wx1' }, 'WECHAT_APPID'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ NODE_ID: 'bad id!' }, 'NODE_ID'],
    [{ SEND_RATE_LIMIT: '0' }, 'SEND_RATE_LIMIT'],
    [{ WECHAT_MSG_SEC_CHECK: 'fail-open' }, 'WECHAT_MSG_SEC_CHECK'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PUSH_WINDOW_MS: '-1' }, 'PUSH_WINDOW_MS'],
    [{ IDLE_GC_MB: '1.5' }, 'IDLE_GC_MB'],
    [{ PUSH_WINDOW_MS: '5000' }, 'PUSH_WINDOW_MS'],
    [{ API_RATE_LIMIT: '0' }, 'API_RATE_LIMIT'],
    [{ API_RATE_WINDOW_MS: '10' }, 'API_RATE_WINDOW_MS'],
    [{ UPLOAD_RATE_LIMIT: 'x' }, 'UPLOAD_RATE_LIMIT'],
    [{ UPLOAD_RATE_WINDOW_MS: '0' }, 'UPLOAD_RATE_WINDOW_MS'],
    [{ ROOM_CREATE_RATE_LIMIT: '-1' }, 'ROOM_CREATE_RATE_LIMIT'],
    [{ ROOM_CREATE_RATE_WINDOW_MS: '1.5' }, 'ROOM_CREATE_RATE_WINDOW_MS'],
    [{ ADMIN_AUTH_FAIL_LIMIT: '0' }, 'ADMIN_AUTH_FAIL_LIMIT'],
    [{ REQUEST_TIMEOUT_MS: '10' }, 'REQUEST_TIMEOUT_MS'],
    [{ MAX_QUEUED_FRAMES: '1' }, 'MAX_QUEUED_FRAMES'],
    [{ GUEST_LOGIN: 'maybe' }, 'GUEST_LOGIN'],
    [{ SQLITE_SYNCHRONOUS: 'OFF' }, 'SQLITE_SYNCHRONOUS'],
    [{ TRUST_PROXY: 'not-an-address' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/40' }, 'TRUST_PROXY'],
    [{ DATABASE_URL: 'postgres://u@h/db' }, 'JWT_SECRET'],
    [{ REDIS_URL: 'redis://127.0.0.1:6379' }, 'JWT_SECRET'],
  ])('refuses %j with one line naming %s', (env, name) => {
    let err: unknown
    try {
      loadConfig(env)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    const msg = (err as Error).message
    expect(msg).toContain(name)
    expect(msg).not.toContain('\n')
  })

  it('accepts Redis cluster seed lists and Postgres URLs', () => {
    const c = loadConfig({
      REDIS_URL: 'redis-cluster://127.0.0.1:7000,127.0.0.1:7001',
      DATABASE_URL: 'postgres://u@h/db',
      JWT_SECRET: 'x'.repeat(32),
    })
    expect(c.redisUrl).toContain('redis-cluster://')
    expect(c.databaseUrl).toBe('postgres://u@h/db')
  })
})
