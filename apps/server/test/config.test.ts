import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config'

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({}, '/srv/app')
    expect(c).toMatchObject({ port: 3000, host: '0.0.0.0', dataDir: '/srv/app/data', databaseUrl: null, redisUrl: null, wechat: null, adminToken: null, sensitiveWordsFile: null })
    expect(c.wechatApiBase).toBe('https://api.weixin.qq.com')
    expect(c.nodeId).toMatch(/^n-[0-9a-f]{6}$/)
    expect(c.limits.pushWindowMs).toBe(40)
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
    [{ PUSH_WINDOW_MS: '5000' }, 'PUSH_WINDOW_MS'],
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
    const c = loadConfig({ REDIS_URL: 'redis-cluster://127.0.0.1:7000,127.0.0.1:7001', DATABASE_URL: 'postgres://u@h/db' })
    expect(c.redisUrl).toContain('redis-cluster://')
    expect(c.databaseUrl).toBe('postgres://u@h/db')
  })
})
