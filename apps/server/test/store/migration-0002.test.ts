// Migration 0002-host-control on a database made by the release before it (0001 only):
// today's owners, admins and mutes, and the counters of stored messages, carry over.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompiledQuery, Migrator, sql, type Kysely } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../../src/store/index'
import { migrations } from '../../src/store/migrations'
import { openPostgres } from '../../src/store/postgres'
import { openSqlite } from '../../src/store/sqlite'
import { createTestDatabase, type TestDatabase } from './pg-test-db'

type Dialect = 'sqlite' | 'postgres'

/** Brings a fresh database to 0001-initial only: the schema of the previous release. */
async function releaseSchema(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const all = migrations(dialect)
  const provider = { getMigrations: async () => ({ '0001-initial': all['0001-initial'] }) }
  const { error } = await new Migrator({ db, provider }).migrateToLatest()
  if (error) throw error
}

/** Rows written the way the previous release wrote them (role and muted_until on members). */
async function oldRows(db: Kysely<any>): Promise<void> {
  const future = 4_000_000_000_000
  await sql`insert into users (id, name, avatar, openid, banned_at, created_at) values
    ('u_owner', 'Owner', null, null, null, 1), ('u_admin', 'Admin', null, null, null, 1),
    ('u_muted', 'Muted', null, null, null, 1), ('u_plain', 'Plain', null, null, null, 1)`.execute(db)
  await sql`insert into rooms (id, title, kind, owner_id, last_seq, created_at) values
    ('class', 'Class', 'group', 'u_owner', 7, 1), ('lobby', 'lobby', 'group', null, 0, 2)`.execute(db)
  await sql`insert into members (room_id, user_id, role, read_seq, muted_until, joined_at) values
    ('class', 'u_owner', 'owner', 0, null, 10), ('class', 'u_admin', 'admin', 0, null, 11),
    ('class', 'u_muted', 'member', 0, ${future}, 12), ('class', 'u_plain', 'member', 0, null, 13),
    ('lobby', 'u_plain', 'member', 0, null, 14)`.execute(db)
  const msg = (seq: number, sender: string, kind: string, body: string, recalled = 0) =>
    sql`insert into messages (room_id, seq, sender_id, cid, kind, body, ts, recalled)
        values ('class', ${seq}, ${sender}, ${`cid_${seq}_0000`}, ${kind}, ${body}, ${1000 + seq}, ${recalled})`.execute(db)
  await msg(1, 'u_plain', 'question', '{"text":"why?"}')
  await msg(2, 'u_owner', 'answer', '{"question":1,"text":"because"}')
  await msg(3, 'u_plain', 'text', '{"text":"thanks"}')
  await msg(4, 'u_plain', 'like', '{}')
  await msg(5, 'u_plain', 'flower', '{"count":4}')
  await msg(6, 'u_plain', 'flower', '{}', 1)
  await msg(7, 'u_muted', 'like', '{}')
}

async function checkCarriedOver(open: () => Promise<Store>): Promise<void> {
  const store = await open()
  try {
    await store.migrate()
    expect(await store.getMember('class', 'u_owner')).toMatchObject({ role: 'owner' })
    expect(await store.getMember('class', 'u_admin')).toMatchObject({ role: 'admin' })
    expect(await store.getMember('class', 'u_muted')).toMatchObject({ role: 'member', mutedUntil: 4_000_000_000_000 })
    expect(await store.getMember('class', 'u_plain')).toMatchObject({ role: 'member', mutedUntil: null, mutedAll: false })
    expect(await store.listAdmins('class')).toEqual(['u_admin'])
    expect(await store.getRoom('class')).toMatchObject({ ownerId: 'u_owner', access: 'open', likes: 2, flowers: 4, lastSeq: 7 })
    // The room list's last message skips the likes and flowers stored before.
    const [entry] = (await store.listRooms('u_admin')).filter((r) => r.id === 'class')
    expect(entry.lastMessage).toMatchObject({ seq: 3, body: { text: 'thanks' } })
    // The old answer points at its question.
    const q = await store.listQuestions('class', { state: 'all', limit: 10 })
    expect(q.questions.map((x) => [x.seq, x.answers])).toEqual([[1, [2]]])
    expect((await store.listQuestions('class', { state: 'open', limit: 10 })).questions).toEqual([])
    // Roles and mutes now outlive leave/join.
    await store.removeMember('class', 'u_admin')
    await store.removeMember('class', 'u_muted')
    expect((await store.addMember('class', 'u_admin', 20)).role).toBe('admin')
    expect((await store.addMember('class', 'u_muted', 21)).mutedUntil).toBe(4_000_000_000_000)
    // And new messages keep the counters.
    await store.appendMessage({ room: 'class', senderId: 'u_plain', cid: 'cid_new_0001', kind: 'like', body: {}, ts: 5 })
    expect(await store.getRoom('class')).toMatchObject({ lastSeq: 8, likes: 3 })
  } finally {
    await store.close()
  }
}

describe('migration 0002-host-control on a database of the previous release', () => {
  const dirs: string[] = []
  let pgdb: TestDatabase | undefined
  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
    await pgdb?.drop()
  })

  it('SQLite', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-mig-'))
    dirs.push(dataDir)
    const old = openSqlite({ dataDir })
    await releaseSchema(old, 'sqlite')
    await oldRows(old)
    await old.destroy()
    await checkCarriedOver(() => createStore({ dataDir }))
  })

  it('Postgres', async () => {
    pgdb = await createTestDatabase()
    const old = openPostgres({ url: pgdb.url })
    await releaseSchema(old, 'postgres')
    await oldRows(old)
    await old.destroy()
    await checkCarriedOver(() => createStore({ databaseUrl: pgdb!.url, dataDir: '/nonexistent' }))
    const { rows } = await pgdb.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_name = 'members' order by 1`,
    )
    expect(rows.map((r) => r.column_name)).not.toContain('role')
  })
})

describe('questions stay fast in a big room (§C)', () => {
  it('SQLite reads questions and answers through the partial indexes, not a scan of the room', async () => {
    const { questionsQuery, answersQuery } = await import('../../src/store/questions')
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-plan-'))
    const store = await createStore({ dataDir })
    await store.migrate()
    await store.close()
    const db = openSqlite({ dataDir })
    try {
      const plan = async (c: { sql: string; parameters: readonly unknown[] }) => {
        const { rows } = await db.executeQuery(CompiledQuery.raw(`explain query plan ${c.sql}`, [...c.parameters]))
        return (rows as Array<{ detail: string }>).map((r) => r.detail).join('\n')
      }
      for (const state of ['open', 'all'] as const) {
        const p = await plan(questionsQuery(db, 'r', { state, after: 0, limit: 30 }).compile())
        expect(p).toContain('messages_questions_idx')
        if (state === 'open') expect(p).toContain('messages_answers_idx')
      }
      expect(await plan(answersQuery(db, 'r', [1, 2, 3]).compile())).toContain('messages_answers_idx')
    } finally {
      await db.destroy()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
