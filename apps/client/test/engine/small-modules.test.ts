import { describe, expect, it } from 'vitest'
import { createApi, ApiError } from '../../src/engine/api'
import { Emitter } from '../../src/engine/emitter'
import { tokenExpired, tokenExpiry } from '../../src/engine/jwt'
import { assetUrl, normalizeBase, presetAvatarUrl, socketUrl } from '../../src/engine/server-url'
import type { HttpRequest } from '../../src/engine/types'

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')

describe('server url', () => {
  it('derives the socket url from the http base', () => {
    expect(socketUrl('http://127.0.0.1:3000')).toBe('ws://127.0.0.1:3000/ws')
    expect(socketUrl('https://chat.example.com/')).toBe('wss://chat.example.com/ws')
    expect(socketUrl('https://example.com/chat')).toBe('wss://example.com/chat/ws')
  })
  it('refuses anything that is not http(s)', () => {
    expect(() => normalizeBase('ws://x')).toThrow(/http/)
    expect(() => normalizeBase('example.com')).toThrow()
  })
  it('makes upload paths absolute and leaves full urls alone', () => {
    expect(assetUrl('http://h:1', '/uploads/a.png')).toBe('http://h:1/uploads/a.png')
    expect(assetUrl('http://h:1', 'https://cdn/x.png')).toBe('https://cdn/x.png')
    expect(assetUrl('http://h:1', '/static/avatars/3.svg')).toBe('/static/avatars/3.svg')
  })
  it('shows preset avatars from the bundle whatever server they were sent through', () => {
    const url = presetAvatarUrl('https://chat.example.com/', '/static/avatars/7.svg')
    expect(url).toBe('/static/avatars/7.svg')
    expect(assetUrl('http://other:3000', url)).toBe('/static/avatars/7.svg')
    // Users stored before v1.1 may still carry the absolute form.
    expect(assetUrl('http://other:3000', 'https://chat.example.com/static/avatars/7.svg')).toBe('/static/avatars/7.svg')
    expect(assetUrl('http://h', 'https://cdn.example.com/static/avatars/x.svg')).toBe('https://cdn.example.com/static/avatars/x.svg')
  })
})

describe('jwt expiry', () => {
  it('reads exp without verifying, and treats non-JWTs as non-expiring', () => {
    const tok = `x.${b64({ sub: 'u_1', exp: 2_000_000_000, name: '张三' })}.sig`
    expect(tokenExpiry(tok)).toBe(2_000_000_000_000)
    expect(tokenExpired(tok, 1_999_999_999_000)).toBe(false)
    expect(tokenExpired(tok, 2_000_000_000_000)).toBe(true)
    expect(tokenExpiry('opaque-token')).toBeNull()
    expect(tokenExpiry('a.!!!.b')).toBeNull()
  })
})

describe('emitter', () => {
  it('keeps delivering when one listener throws, and unsubscribes', () => {
    const e = new Emitter<{ x: number }>()
    const got: number[] = []
    e.on('x', () => {
      throw new Error('boom')
    })
    const off = e.on('x', (n) => got.push(n))
    const orig = console.error
    console.error = () => {}
    e.emit('x', 1)
    off()
    e.emit('x', 2)
    console.error = orig
    expect(got).toEqual([1])
  })
})

describe('api', () => {
  it('sends the bearer token, encodes room ids, and maps error bodies to ApiError', async () => {
    const seen: HttpRequest[] = []
    const api = createApi(
      async (req) => {
        seen.push(req)
        if (req.url.endsWith('/api/me')) return { status: 401, data: { error: 'unauthorized', message: 'no' } }
        return { status: 200, data: { messages: [], more: false } }
      },
      () => 'http://h',
      () => 'tok',
    )
    await api.history('dm:u_a:u_b', 'before', 10, 20)
    expect(seen[0]).toMatchObject({ method: 'GET', url: 'http://h/api/rooms/dm%3Au_a%3Au_b/messages?before=10&limit=20', token: 'tok' })
    const err = await api.me().catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' })
  })

  it('does not send the token to the login endpoint', async () => {
    const seen: HttpRequest[] = []
    const api = createApi(
      async (req) => {
        seen.push(req)
        return { status: 200, data: { token: 't', user: {} } }
      },
      () => 'http://h',
      () => 'old',
    )
    await api.login('Alice')
    expect(seen[0]).toMatchObject({ url: 'http://h/api/login', body: { name: 'Alice' }, token: null })
  })

  it('reports a network failure as ApiError status 0', async () => {
    const api = createApi(
      async () => {
        throw new Error('offline')
      },
      () => 'http://h',
      () => 't',
    )
    expect(await api.rooms().catch((e) => [e.status, e.code])).toEqual([0, 'network'])
  })
})
