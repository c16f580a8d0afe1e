/**
 * v1.1 §G across two real nodes (Redis + Postgres), each with a DATA_DIR of its own:
 * an upload through one node is served by the other and is a valid `image` there, files
 * an embedded deployment left in DATA_DIR/uploads are imported once, both nodes restart
 * and still serve them; /api/admin/stats counts the nodes and connections of the cluster.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, http, login, TestClient } from '../helpers/client'
import { startCluster, until, type NodeProcess, type TestCluster } from '../helpers/cluster'
import { png } from '../helpers/images'

const ADMIN = 'cluster-operator-admin-token'

describe('operators across two nodes', () => {
  let c: TestCluster
  let n1: NodeProcess
  let n2: NodeProcess
  const dirs: string[] = []
  // A file a previous embedded deployment stored in node 1's DATA_DIR.
  const legacy = { name: `${randomBytes(20).toString('hex')}.png`, data: png(12, 9, 99) }

  beforeAll(async () => {
    c = await startCluster({ nodes: 0, env: { ADMIN_TOKEN: ADMIN } })
    const d1 = mkdtempSync(path.join(os.tmpdir(), 'chat-op-n1-'))
    const d2 = mkdtempSync(path.join(os.tmpdir(), 'chat-op-n2-'))
    dirs.push(d1, d2)
    mkdirSync(path.join(d1, 'uploads'))
    writeFileSync(path.join(d1, 'uploads', legacy.name), legacy.data)
    n1 = await c.addNode(undefined, { DATA_DIR: d1 })
    n2 = await c.addNode(undefined, { DATA_DIR: d2 })
  }, 120_000)
  afterAll(async () => {
    await c?.stop()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  async function upload(base: string, token: string, data: Buffer) {
    const form = new FormData()
    form.append('file', new Blob([data], { type: 'image/png' }), 'pic.png')
    const res = await fetch(`${base}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } })
    return { status: res.status, body: await res.json() }
  }

  async function fetched(base: string, url: string) {
    const r = await fetch(base + url)
    return {
      status: r.status,
      etag: r.headers.get('etag'),
      cache: r.headers.get('cache-control'),
      type: r.headers.get('content-type'),
      data: Buffer.from(await r.arrayBuffer()),
    }
  }

  // A real PNG header over 600 KB of noise: stored in several chunks.
  const big = (() => {
    const head = png(600, 200, 3)
    const ihdrEnd = 8 + 25
    const noise = randomBytes(600 * 1024)
    const len = Buffer.alloc(4)
    len.writeUInt32BE(noise.length)
    // A private ancillary chunk ("nOIs"): decoders skip it; its CRC is not checked here.
    return Buffer.concat([head.subarray(0, ihdrEnd), len, Buffer.from('nOIs'), noise, Buffer.alloc(4), head.subarray(ihdrEnd)])
  })()

  it('serves an upload through either node and accepts it as an image on the other', async () => {
    const a = await login(n1.url, 'Uploader')
    const b = await login(n2.url, 'Viewer')
    const up = await upload(n1.url, a.token, big)
    expect(up.status).toBe(201)
    for (const n of [n1, n2]) {
      const got = await fetched(n.url, up.body.url)
      expect(got.status, n.id).toBe(200)
      expect(got.data.equals(big)).toBe(true)
      expect(got.type).toBe('image/png')
      expect(got.cache).toBe('public, max-age=31536000, immutable')
      expect(got.etag).toBe(`"${up.body.url.slice(9, -4)}"`)
      expect((await fetch(n.url + up.body.url, { headers: { 'if-none-match': got.etag! } })).status).toBe(304)
    }
    // Nothing was written to either node's disk: the file lives in Postgres.
    expect(c.db).toBeTruthy()
    const rows = await c.db.query<{ size: string; chunks: number }>('select size, chunks from upload_blobs where name = $1', [
      up.body.url.slice(9),
    ])
    expect(rows.rows.map((r) => [Number(r.size), r.chunks])).toEqual([[big.length, Math.ceil(big.length / (256 * 1024))]])

    const room = `pics-${Math.random().toString(36).slice(2, 8)}`
    const sa = await TestClient.connect(n1.wsUrl, a.token)
    const sb = await TestClient.connect(n2.wsUrl, b.token)
    await sa.request({ type: 'join', room })
    await sb.request({ type: 'join', room })
    const ack = await sb.request({ type: 'send', room, cid: cid(), kind: 'image', body: { url: up.body.url, width: 600, height: 200 } })
    expect(ack.type).toBe('ack')
    const seen = await sa.waitFor((f) => f.type === 'message' && f.room === room)
    expect(seen.msg.body.url).toBe(up.body.url)
    // An upload nobody made is still refused on both.
    const fake = await sb.request({ type: 'send', room, cid: cid(), kind: 'image', body: { url: `/uploads/${'c'.repeat(40)}.png` } })
    expect(fake).toMatchObject({ type: 'error', code: 'bad_request' })
    sa.close()
    sb.close()
  })

  it('imported the files left in DATA_DIR/uploads: every node serves them', async () => {
    for (const n of [n1, n2]) {
      const got = await fetched(n.url, `/uploads/${legacy.name}`)
      expect(got.status, n.id).toBe(200)
      expect(got.data.equals(legacy.data)).toBe(true)
    }
    expect(n1.logLines((l) => /imported 1 uploads/.test(l.msg ?? '')).length).toBe(1)
  })

  it('counts the nodes and connections of the whole cluster in /api/admin/stats', async () => {
    const u = await login(n1.url, 'Counter')
    // The sockets of the tests before this one may still be closing: start from a count
    // both nodes agree on, twice in a row, or the +3 below would never add up.
    let before: any = null
    let previous = -1
    await until(
      'a settled connection count',
      async () => {
        const a = (await http(n1.url, 'GET', '/api/admin/stats', undefined, ADMIN)).body
        const b = (await http(n2.url, 'GET', '/api/admin/stats', undefined, ADMIN)).body
        const settled = a.connections === b.connections && a.connections === previous
        previous = a.connections
        before = b
        return settled
      },
      15_000,
      300,
    )
    expect(before.nodes).toBe(2)
    const socks = [
      await TestClient.connect(n1.wsUrl, u.token),
      await TestClient.connect(n2.wsUrl, u.token),
      await TestClient.connect(n2.wsUrl, u.token),
    ]
    // Other nodes' figures arrive within ~50 ms of a change (and every 5 s regardless).
    for (const n of [n1, n2]) {
      await until(
        `stats on ${n.id}`,
        async () => {
          const s = (await http(n.url, 'GET', '/api/admin/stats', undefined, ADMIN)).body
          return s.nodes === 2 && s.connections === before.connections + 3
        },
        15_000,
        250,
      )
    }
    const s = (await http(n1.url, 'GET', '/api/admin/stats', undefined, ADMIN)).body
    expect(s.perNode.map((p: any) => p.node).sort()).toEqual([n1.id, n2.id].sort())
    expect(s.users).toBeGreaterThanOrEqual(3)
    expect(s.rooms).toBeGreaterThanOrEqual(1)
    for (const t of socks) t.close()
  })

  it('after both nodes restart, every upload is still served by each, the import is not repeated, and a stopped node leaves the count', async () => {
    const a = await login(n2.url, 'Again')
    const up = await upload(n2.url, a.token, png(40, 30, 11))
    expect(up.status).toBe(201)
    await n1.stop()
    await until('one node left', async () => (await http(n2.url, 'GET', '/api/admin/stats', undefined, ADMIN)).body.nodes === 1, 5_000, 100)
    await n2.stop()
    const importLinesBefore = n1.logLines((l) => /imported \d+ uploads/.test(l.msg ?? '')).length
    await Promise.all([n1.start(), n2.start()])
    for (const n of [n1, n2]) {
      for (const url of [up.body.url, `/uploads/${legacy.name}`]) expect((await fetched(n.url, url)).status, `${n.id} ${url}`).toBe(200)
    }
    expect(n1.logLines((l) => /imported \d+ uploads/.test(l.msg ?? '')).length).toBe(importLinesBefore)
    const count = await c.db.query<{ n: string }>('select count(*) as n from upload_blobs where name = $1', [legacy.name])
    expect(Number(count.rows[0].n)).toBe(1)
  })
})
