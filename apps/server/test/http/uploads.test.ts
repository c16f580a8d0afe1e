import { GIF_3X2, png, WEBP_LOSSY_1X1 } from '../helpers/images'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, login, TestClient } from '../helpers/client'
import { startServer, type TestServer } from '../helpers/app'

const GIF = GIF_3X2
const WEBP = WEBP_LOSSY_1X1

let s: TestServer
let token: string
beforeAll(async () => {
  s = await startServer()
  token = (await login(s.url, 'Pic')).token
})
afterAll(async () => {
  await s.close()
})

async function upload(data: Buffer, name: string, type: string, tok: string | null = token) {
  const form = new FormData()
  form.append('file', new Blob([data], { type }), name)
  const res = await fetch(`${s.url}/api/uploads`, { method: 'POST', body: form, headers: tok ? { authorization: `Bearer ${tok}` } : {} })
  return { status: res.status, body: await res.json() }
}

describe('POST /api/uploads', () => {
  it('stores a PNG by content hash, reads its size, and serves it without a token', async () => {
    const img = png(20, 10)
    const r = await upload(img, 'a.png', 'image/png')
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ width: 20, height: 10 })
    expect(r.body.url).toMatch(/^\/uploads\/[0-9a-f]{40}\.png$/)
    const again = await upload(img, 'other-name.png', 'image/png')
    expect(again.body.url).toBe(r.body.url)
    const got = await fetch(s.url + r.body.url)
    expect(got.status).toBe(200)
    expect(got.headers.get('content-type')).toBe('image/png')
    expect(got.headers.get('x-content-type-options')).toBe('nosniff')
    expect(got.headers.get('cache-control')).toContain('max-age=31536000')
    expect(Buffer.from(await got.arrayBuffer()).equals(img)).toBe(true)
  })

  it('reads GIF and WebP sizes', async () => {
    expect((await upload(GIF, 'x.gif', 'image/gif')).body).toMatchObject({ width: 3, height: 2 })
    expect((await upload(WEBP, 'x.webp', 'image/webp')).body).toMatchObject({ width: 1, height: 1 })
  })

  it('judges by content: SVG, text named .png and a PNG header lie are 415', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    expect(await upload(svg, 'x.svg', 'image/svg+xml')).toMatchObject({ status: 415, body: { error: 'unsupported_media' } })
    expect(await upload(Buffer.from('hello'), 'x.png', 'image/png')).toMatchObject({ status: 415, body: { error: 'unsupported_media' } })
  })

  it('refuses files over 5 MiB with 413 too_large', async () => {
    const big = Buffer.concat([png(4, 4), Buffer.alloc(5 * 1024 * 1024 + 10)])
    expect(await upload(big, 'big.png', 'image/png')).toMatchObject({ status: 413, body: { error: 'too_large' } })
  })

  it('needs a token and a multipart body', async () => {
    expect(await upload(png(2, 2), 'a.png', 'image/png', null)).toMatchObject({ status: 401, body: { error: 'unauthorized' } })
    const res = await fetch(`${s.url}/api/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(res.status).toBe(415)
  })

  it('lets image messages point only at uploads of this server', async () => {
    const up = await upload(png(8, 8, 3), 'b.png', 'image/png')
    const c = await TestClient.connect(s.wsUrl, token)
    await c.request({ type: 'join', room: 'pics' })
    const ok = await c.request({ type: 'send', room: 'pics', cid: cid(), kind: 'image', body: { url: up.body.url, width: 8, height: 8 } })
    expect(ok.type).toBe('ack')
    const missing = await c.request({
      type: 'send',
      room: 'pics',
      cid: cid(),
      kind: 'image',
      body: { url: '/uploads/' + 'a'.repeat(40) + '.png' },
    })
    expect(missing).toMatchObject({ type: 'error', code: 'bad_request' })
    const foreign = await c.request({ type: 'send', room: 'pics', cid: cid(), kind: 'image', body: { url: 'https://evil.example/x.png' } })
    expect(foreign).toMatchObject({ type: 'error', code: 'bad_request' })
    c.close()
  })
})
