import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { HttpRequest } from '../../src/engine/types'
import { provideDeps } from '../../src/stores/deps'
import { useSessionStore } from '../../src/stores/session'
import { fakeDeps } from '../support/deps'
import { FakeServer } from '../support/fake-server'

const user = { id: 'u_1', name: 'Alice', avatar: null }
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')

function setup(handler: (req: HttpRequest) => { status: number; data: unknown }, wechat?: () => Promise<string | null>) {
  const seen: HttpRequest[] = []
  const deps = fakeDeps(new FakeServer(), async (req) => {
    seen.push(req)
    return handler(req)
  })
  if (wechat) deps.wechatCode = wechat
  provideDeps(deps)
  setActivePinia(createPinia())
  return { deps, seen, session: useSessionStore() }
}

describe('session store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('guest login keeps the token in storage and a new store restores it', async () => {
    const { deps, session, seen } = setup(() => ({ status: 200, data: { token: 'tok', user } }))
    await session.login('  Alice ')
    expect(seen[0]).toMatchObject({ url: 'http://chat.test/api/login', body: { name: 'Alice' } })
    expect(session.loggedIn).toBe(true)
    setActivePinia(createPinia())
    provideDeps(deps)
    const again = useSessionStore()
    expect(again.restore()).toBe(true)
    expect(again.user).toEqual(user)
  })

  it('does not restore an expired token', () => {
    const { deps, session } = setup(() => ({ status: 500, data: {} }))
    deps.storage.set('chat.session', JSON.stringify({ token: `h.${b64({ exp: 1000 })}.s`, user }))
    expect(session.restore()).toBe(false)
    expect(deps.storage.get('chat.session')).toBeNull()
  })

  it('logs out when the server refuses the saved token, but not when it is unreachable', async () => {
    const answers = [
      { status: 0, data: null },
      { status: 401, data: { error: 'unauthorized', message: 'x' } },
    ]
    let i = 0
    const { deps, session } = setup(() => {
      const a = answers[i++]
      if (a.status === 0) throw new Error('offline')
      return a
    })
    deps.storage.set('chat.session', JSON.stringify({ token: 'tok', user }))
    session.restore()
    expect(await session.verify()).toBe(true)
    expect(session.token).toBe('tok')
    expect(await session.verify()).toBe(false)
    expect(session.token).toBeNull()
    expect(deps.storage.get('chat.session')).toBeNull()
  })

  it('uses WeChat login when the platform has a code', async () => {
    const { session, seen } = setup(
      () => ({ status: 200, data: { token: 'wx', user } }),
      async () => 'code-1',
    )
    await session.loginAuto('Alice')
    expect(seen.map((r) => r.url)).toEqual(['http://chat.test/api/login/wechat'])
    expect(seen[0].body).toEqual({ code: 'code-1', name: 'Alice' })
    expect(session.token).toBe('wx')
  })

  it('falls back to guest login when the server has WeChat disabled (503)', async () => {
    const { session, seen } = setup(
      (req) =>
        req.url.endsWith('/wechat')
          ? { status: 503, data: { error: 'wechat_disabled', message: 'off' } }
          : { status: 200, data: { token: 'g', user } },
      async () => 'code-2',
    )
    await session.loginAuto('Alice')
    expect(seen.map((r) => r.url)).toEqual(['http://chat.test/api/login/wechat', 'http://chat.test/api/login'])
    expect(session.token).toBe('g')
  })

  it('surfaces a refused guest login as an ApiError with the contract code', async () => {
    const { session } = setup(() => ({ status: 400, data: { error: 'bad_request', message: 'name is 1–32 characters' } }))
    await expect(session.login('')).rejects.toMatchObject({ status: 400, code: 'bad_request' })
    expect(session.loggedIn).toBe(false)
  })
})
