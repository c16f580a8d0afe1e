// v1.1 §D at the store: the mentions index is written with the message (every append
// path: SQLite's transaction, Postgres' single statement, its one-row and many-row group
// commits) and never twice for a retried cid; recall removes it; the sender is not indexed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../../src/store/index'
import { createTestDatabase, type TestDatabase } from './pg-test-db'

let db: TestDatabase
const dir = mkdtempSync(path.join(tmpdir(), 'chat-mentions-store-'))
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  await db?.drop()
  rmSync(dir, { recursive: true, force: true })
})

/** The store's own Kysely handle, to read the index directly. */
const rowsOf = async (s: Store, room: string) => {
  const k = (s as unknown as { db: Kysely<any> }).db
  const r = await sql<{
    user_id: string
    seq: number
  }>`select user_id, seq from mentions where room_id = ${room} order by seq, user_id`.execute(k)
  return r.rows.map((x) => `${x.user_id}@${Number(x.seq)}`)
}

describe.each([
  ['sqlite', () => createStore({ dataDir: dir })],
  ['postgres', () => createStore({ databaseUrl: db.url, dataDir: '/nonexistent' })],
])('%s store', (_name, open) => {
  let s: Store
  const users = ['u_m_a', 'u_m_b', 'u_m_c']
  beforeAll(async () => {
    s = await open()
    await s.migrate()
    for (const id of users) await s.createUser({ id, name: id, avatar: null, ts: 1 })
  })
  afterAll(async () => {
    await s?.close()
  })

  async function room(id: string) {
    await s.ensureRoom({ id, title: id, kind: 'group', ownerId: null, ts: 1 })
    for (const u of users) await s.addMember(id, u, 1)
  }
  const text = (room: string, sender: string, cid: string, mentions?: string[]) =>
    s.appendMessage({ room, senderId: sender, cid, kind: 'text', body: mentions ? { text: cid, mentions } : { text: cid }, ts: Date.now() })

  it('indexes each mentioned user but the sender, with the message', async () => {
    await room('ms-1')
    const r = await text('ms-1', 'u_m_a', 'cid-ms-1-1', ['u_m_b', 'u_m_a', 'u_m_c'])
    expect(await rowsOf(s, 'ms-1')).toEqual([`u_m_b@${r.message.seq}`, `u_m_c@${r.message.seq}`])
    expect(await s.membersAmong('ms-1', ['u_m_c', 'u_nobody', 'u_m_a'])).toEqual(['u_m_c', 'u_m_a'])
  })

  it('a retried cid adds nothing; recall removes the rows (and a second recall changes nothing)', async () => {
    await room('ms-2')
    const first = await text('ms-2', 'u_m_a', 'cid-ms-2-1', ['u_m_b'])
    const again = await text('ms-2', 'u_m_a', 'cid-ms-2-1', ['u_m_b'])
    expect(again).toMatchObject({ duplicate: true, message: { seq: first.message.seq } })
    expect(await rowsOf(s, 'ms-2')).toEqual([`u_m_b@${first.message.seq}`])
    const list = async () => (await s.listRooms('u_m_b')).find((r) => r.id === 'ms-2')!.mentioned
    expect(await list()).toBe(true)
    expect(await s.recallMessage('ms-2', first.message.seq)).toBe(true)
    expect(await s.recallMessage('ms-2', first.message.seq)).toBe(true)
    expect(await rowsOf(s, 'ms-2')).toEqual([])
    expect(await list()).toBe(false)
  })

  it('a burst of concurrent appends (group commit) indexes every mention exactly once, retries included', async () => {
    await room('ms-3')
    const jobs = []
    for (let i = 0; i < 120; i++) {
      // Every fifth is a retry of an earlier cid, racing it in the same burst.
      const k = i % 5 === 4 ? i - 4 : i
      jobs.push(text('ms-3', users[k % 3], `cid-ms-3-${k}`, [users[(k + 1) % 3]]).then((r) => ({ r })))
    }
    const done = await Promise.all(jobs)
    const stored = done.filter((d) => !d.r.duplicate)
    const seqs = new Set(done.map((d) => d.r.message.seq))
    expect(seqs.size).toBe(96)
    expect(stored.length).toBe(96)
    const want = done
      .filter((d) => !d.r.duplicate)
      .map((d) => `${(d.r.message.body as { mentions: string[] }).mentions[0]}@${d.r.message.seq}`)
    // The sender is never indexed, so each row names the other user the body names.
    expect(stored.every((d) => d.r.message.from.id !== (d.r.message.body as { mentions: string[] }).mentions[0])).toBe(true)
    const got = await rowsOf(s, 'ms-3')
    expect(got.length).toBe(96)
    expect(new Set(got)).toEqual(new Set(want))
  })
})
