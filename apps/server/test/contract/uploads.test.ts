// §2 POST /api/uploads: multipart, one file field → 201 {url, width, height}; JPEG, PNG, GIF,
// WebP checked by content (SVG refused), ≤ 5 MiB, else 413 too_large / 415 unsupported_media;
// `url` is /uploads/<name> on the same server, readable without a token. §3.4 image bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GIF_1X1, JPEG_1X1, png, WEBP_LOSSLESS_1X1 } from '../helpers/images'
import { cid, expectError, http, joinedClient, login, startRoomy, type Login, type TestClient, type TestServer } from './support'

let s: TestServer
let u: Login
let c: TestClient
beforeAll(async () => {
  s = await startRoomy()
  u = await login(s.url, 'Uploader')
  c = await joinedClient(s, u.token, 'up-room')
})
afterAll(async () => {
  c?.close()
  await s?.close()
})

const GIF = GIF_1X1
const WEBP = WEBP_LOSSLESS_1X1
const JPEG = JPEG_1X1
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>')

async function upload(data: Buffer, filename: string, type = 'application/octet-stream', token: string | null = u.token) {
  const form = new FormData()
  form.append('file', new Blob([data], { type }), filename)
  const res = await fetch(`${s.url}/api/uploads`, {
    method: 'POST',
    body: form,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  })
  const text = await res.text()
  let body: any = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, body }
}

describe('accepted images', () => {
  it.each([
    ['PNG', png(3, 2), 'a.png', 'image/png', 3, 2],
    ['GIF', GIF, 'a.gif', 'image/gif', 1, 1],
    ['WebP', WEBP, 'a.webp', 'image/webp', 1, 1],
    ['JPEG', JPEG, 'a.jpg', 'image/jpeg', 1, 1],
  ])('%s → 201 {url:/uploads/…, width, height}, readable without a token, byte for byte', async (_f, data, name, type, w, h) => {
    const r = await upload(data, name, type)
    expect(r).toMatchObject({ status: 201, body: { url: expect.stringMatching(/^\/uploads\/[^/]+$/), width: w, height: h } })
    const res = await fetch(s.url + r.body.url)
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer())).toEqual(data)
  })

  it('checks the content, not the name or the declared type', async () => {
    const r = await upload(png(4, 4), 'notes.txt', 'text/plain')
    expect(r).toMatchObject({ status: 201, body: { width: 4, height: 4 } })
  })

  it('an uploaded url is accepted in an image message, and stored as sent', async () => {
    const r = await upload(png(5, 7), 'photo.png', 'image/png')
    expect(r.status).toBe(201)
    const body = { url: r.body.url, width: r.body.width, height: r.body.height }
    const ack = await c.request({ type: 'send', room: 'up-room', cid: cid(), kind: 'image', body })
    expect(ack).toMatchObject({ type: 'ack' })
    const m = await c.waitFor((f) => f.type === 'message' && f.msg.seq === ack.seq)
    expect(m.msg).toMatchObject({ kind: 'image', body })
    const viaHttp = await http(
      s.url,
      'POST',
      '/api/rooms/up-room/messages',
      { cid: cid(), kind: 'image', body: { url: r.body.url } },
      u.token,
    )
    expect(viaHttp.status).toBe(200)
  })

  it('an upload of another deployment is not an upload of this one', async () => {
    const other = await startRoomy()
    try {
      const v = await login(other.url, 'Elsewhere')
      const form = new FormData()
      form.append('file', new Blob([png(2, 2)], { type: 'image/png' }), 'x.png')
      const res = await fetch(`${other.url}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${v.token}` } })
      expect(res.status).toBe(201)
      const { url } = (await res.json()) as { url: string }
      expect(await c.request({ type: 'send', room: 'up-room', cid: cid(), kind: 'image', body: { url } })).toMatchObject({
        type: 'error',
        code: 'bad_request',
      })
    } finally {
      await other.close()
    }
  })
})

describe('refused uploads', () => {
  it('SVG is 415 unsupported_media, whatever it is called', async () => {
    expectError(await upload(SVG, 'logo.svg', 'image/svg+xml'), 'unsupported_media')
    expectError(await upload(SVG, 'logo.png', 'image/png'), 'unsupported_media')
  })

  it('a non-image is 415 unsupported_media', async () => {
    expectError(await upload(Buffer.from('just some text, not an image'), 'x.png', 'image/png'), 'unsupported_media')
    expectError(await upload(Buffer.from('%PDF-1.4\n'), 'x.pdf', 'application/pdf'), 'unsupported_media')
  })

  it('a file over 5 MiB is 413 too_large', async () => {
    const big = Buffer.concat([png(1, 1), Buffer.alloc(5 * 1024 * 1024 + 1)])
    expectError(await upload(big, 'big.png', 'image/png'), 'too_large')
  })

  it('a multipart request without a file is 400 bad_request', async () => {
    const form = new FormData()
    form.append('note', 'no file here')
    const res = await fetch(`${s.url}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${u.token}` } })
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: { error: 'bad_request', message: expect.any(String) },
    })
  })

  it('a request that is not multipart is 415 unsupported_media (docs/protocol.md §8.6)', async () => {
    expectError(await http(s.url, 'POST', '/api/uploads', { file: 'x' }, u.token), 'unsupported_media')
  })

  it('needs a token (401)', async () => {
    expectError(await upload(png(1, 1), 'a.png', 'image/png', null), 'unauthorized')
  })
})
