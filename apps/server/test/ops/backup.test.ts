/**
 * `pnpm backup --out FILE` (scripts/backup.mjs), run for real against a running server on
 * SQLite while clients keep sending: the copy, restored into a fresh DATA_DIR as
 * docs/operations.md says, starts a server whose history holds every message acked before
 * the backup began, seqs without gaps, the uploaded image and the same signing key. A second
 * backup after the senders stop (the server still running, its last commits still in the
 * WAL) holds every acked message. With DATABASE_URL it refuses and points at pg_dump.
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, login, TestClient } from '../helpers/client'
import { buildServer, REPO_ROOT, serverNode, type NodeProcess } from '../helpers/cluster'
import { png } from '../helpers/images'

const run = promisify(execFile)
const ROOMS = ['backup-a', 'backup-b']
const LIMITS = { SEND_RATE_LIMIT: '100000', FRAME_RATE_LIMIT: '100000', JWT_SECRET: '' }

interface Acked {
  room: string
  seq: number
  cid: string
  text: string
  at: number
}

/** `pnpm backup …` as an operator runs it, with only the settings given here. */
async function backup(args: string[], env: Record<string, string>) {
  try {
    const r = await run('pnpm', ['backup', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.tmpdir(), ...env },
      timeout: 60_000,
    })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/** The restore of docs/operations.md: the copy and its side files into an empty DATA_DIR. */
function restore(file: string, dataDir: string): void {
  mkdirSync(dataDir, { recursive: true })
  cpSync(file, path.join(dataDir, 'chat.db'))
  if (existsSync(`${file}.uploads`)) cpSync(`${file}.uploads`, path.join(dataDir, 'uploads'), { recursive: true })
  if (existsSync(`${file}.jwt-secret`)) cpSync(`${file}.jwt-secret`, path.join(dataDir, 'jwt-secret'))
}

/** Every message of a room, paged with `history after` from the start. */
async function fullHistory(c: TestClient, room: string): Promise<Record<string, any>[]> {
  const all: Record<string, any>[] = []
  for (let after = 0; ; ) {
    const r = await c.request({ type: 'history', room, after, limit: 100 })
    if (r.type !== 'history') throw new Error(`history failed: ${JSON.stringify(r)}`)
    all.push(...r.messages)
    if (!r.more || r.messages.length === 0) return all
    after = r.messages.at(-1).seq
  }
}

describe('pnpm backup: online SQLite backup while the server runs, restored into a fresh DATA_DIR', () => {
  const dirs: string[] = []
  const nodes: NodeProcess[] = []
  const tmp = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'chat-backup-'))
    dirs.push(d)
    return d
  }
  let live: NodeProcess
  let liveDir: string
  let outDir: string
  let token: string
  let imageUrl: string
  const image = png(3, 2, 7)
  const acked: Acked[] = []
  let midStartedAt = 0
  let midEndedAt = 0
  let ackedBeforeMid: Acked[] = []

  beforeAll(async () => {
    await buildServer()
    liveDir = tmp()
    outDir = tmp()
    live = serverNode({ id: 'backup-live', env: { DATA_DIR: liveDir, ...LIMITS } })
    nodes.push(live)
    await live.start()
    const users = await Promise.all(['Ann', 'Bo', 'Cy'].map((n) => login(live.url, n)))
    token = users[0].token

    const form = new FormData()
    form.append('file', new Blob([image], { type: 'image/png' }), 'a.png')
    const up = await fetch(`${live.url}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } })
    expect(up.status).toBe(201)
    imageUrl = ((await up.json()) as { url: string }).url

    const clients = await Promise.all(users.map((u) => TestClient.connect(live.wsUrl, u.token)))
    for (const c of clients) for (const room of ROOMS) expect((await c.request({ type: 'join', room })).type).toBe('joined')
    const img = await clients[0].request({
      type: 'send',
      room: ROOMS[0],
      cid: cid(),
      kind: 'image',
      body: { url: imageUrl, width: 3, height: 2 },
    })
    expect(img.type).toBe('ack')
    acked.push({ room: ROOMS[0], seq: img.seq, cid: '', text: '', at: Date.now() })

    // Each client keeps 4 sends in flight into both rooms until told to stop.
    let sending = true
    let n = 0
    const sender = async (c: TestClient) => {
      while (sending) {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            const room = ROOMS[n % 2]
            const text = `m${++n}`
            const id = cid()
            const r = await c.request({ type: 'send', room, cid: id, kind: 'text', body: { text } }, 15_000)
            if (r.type !== 'ack') throw new Error(`send refused: ${JSON.stringify(r)}`)
            acked.push({ room, seq: r.seq, cid: id, text, at: Date.now() })
          }),
        )
      }
    }
    const senders = Promise.all(clients.map(sender))
    while (acked.length < 300) await new Promise((r) => setTimeout(r, 20))

    midStartedAt = Date.now()
    ackedBeforeMid = [...acked]
    const mid = await backup(['--out', path.join(outDir, 'mid.db')], { DATA_DIR: liveDir })
    midEndedAt = Date.now()
    expect(mid.code, mid.stderr).toBe(0)
    while (acked.length < ackedBeforeMid.length + 300) await new Promise((r) => setTimeout(r, 20))
    sending = false
    await senders

    const final = await backup(['--out', path.join(outDir, 'final.db')], { DATA_DIR: liveDir })
    expect(final.code, final.stderr).toBe(0)
    expect(final.stdout).toMatch(/uploads: .* \(1 copied/)
    for (const c of clients) c.close()
  }, 180_000)

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.kill9()))
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it('kept the server answering while the backup ran', () => {
    expect(acked.filter((a) => a.at > midStartedAt && a.at < midEndedAt).length, 'acks during the backup').toBeGreaterThan(0)
    expect(live.running).toBe(true)
  })

  it('writes one self-contained file plus the uploads and the generated key', () => {
    const names = readdirSync(outDir).sort()
    expect(names).toEqual(['final.db', 'final.db.jwt-secret', 'final.db.uploads', 'mid.db', 'mid.db.jwt-secret', 'mid.db.uploads'])
    expect(readdirSync(path.join(outDir, 'final.db.uploads'))).toEqual([imageUrl.slice('/uploads/'.length)])
    expect(readFileSync(path.join(outDir, 'final.db.jwt-secret'))).toEqual(readFileSync(path.join(liveDir, 'jwt-secret')))
    // The file opens without a WAL beside it (journal mode DELETE): the 'SQLite format 3'
    // header with file-format bytes 1/1 (rollback journal), not 2/2 (WAL).
    const head = readFileSync(path.join(outDir, 'mid.db')).subarray(0, 20)
    expect(head.subarray(0, 15).toString()).toBe('SQLite format 3')
    expect([head[18], head[19]]).toEqual([1, 1])
  })

  for (const which of ['mid', 'final'] as const) {
    it(`restores the ${which === 'mid' ? 'backup taken mid-traffic' : 'backup taken after the traffic'} into a fresh DATA_DIR with history intact`, async () => {
      const dataDir = path.join(tmp(), 'data')
      restore(path.join(outDir, `${which}.db`), dataDir)
      const node = serverNode({ id: `backup-restored-${which}`, env: { DATA_DIR: dataDir, ...LIMITS } })
      nodes.push(node)
      await node.start()
      // The token signed by the live server still works: the generated key came along.
      const c = await TestClient.connect(node.wsUrl, token)
      const expected = which === 'mid' ? ackedBeforeMid : acked
      for (const room of ROOMS) {
        expect((await c.request({ type: 'join', room })).type).toBe('joined')
        const history = await fullHistory(c, room)
        const seqs = history.map((m) => m.seq)
        // No gaps, no duplicates: exactly 1..n.
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
        const mine = expected.filter((a) => a.room === room)
        const bySeq = new Map(history.map((m) => [m.seq, m]))
        for (const a of mine) {
          const m = bySeq.get(a.seq)
          expect(m, `${room} seq ${a.seq} acked but missing`).toBeDefined()
          if (a.cid) expect([m!.cid, m!.body.text]).toEqual([a.cid, a.text])
        }
        if (which === 'final') expect(seqs.length).toBe(mine.length)
        else expect(seqs.length).toBeGreaterThanOrEqual(mine.length)
      }
      const first = (await fullHistory(c, ROOMS[0]))[0]
      expect([first.kind, first.body.url]).toEqual(['image', imageUrl])
      const served = await fetch(node.url + imageUrl)
      expect(served.status).toBe(200)
      expect(Buffer.from(await served.arrayBuffer())).toEqual(image)
      // New messages continue the sequence after the restored ones.
      const next = await c.request({ type: 'send', room: ROOMS[1], cid: cid(), kind: 'text', body: { text: 'after restore' } })
      expect(next.seq).toBe((await fullHistory(c, ROOMS[1])).length)
      c.close()
      await node.stop()
    }, 60_000)
  }
})

describe('pnpm backup: refusals', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'chat-backup-refuse-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses Postgres, pointing at pg_dump, without echoing the URL', async () => {
    const r = await backup(['--out', path.join(dir, 'x.db')], { DATABASE_URL: 'postgres://chat:s3cret-pw@db:5432/chat', DATA_DIR: dir })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('pg_dump')
    expect(r.stderr).not.toContain('s3cret-pw')
    expect(existsSync(path.join(dir, 'x.db'))).toBe(false)
  })

  it('names what is missing: --out, or a database in DATA_DIR', async () => {
    const noOut = await backup([], { DATA_DIR: dir })
    expect(noOut.code).not.toBe(0)
    expect(noOut.stderr).toContain('--out FILE is required')
    const noDb = await backup(['--out', path.join(dir, 'x.db')], { DATA_DIR: path.join(dir, 'empty') })
    expect(noDb.code).not.toBe(0)
    expect(noDb.stderr).toContain(`no database at ${path.join(dir, 'empty', 'chat.db')}`)
    expect(existsSync(path.join(dir, 'x.db'))).toBe(false)
  })
})
