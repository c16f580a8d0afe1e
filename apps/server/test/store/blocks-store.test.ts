// Store contract for v1.1 §H blocks and the dm rule's common-room test, on SQLite and Postgres.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../../src/store/index'
import { createTestDatabase, type TestDatabase } from './pg-test-db'

let n = 0
const id = (p: string) => `${p}_${process.pid}_${++n}`

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`blocks on ${dialect}`, () => {
    let store: Store
    let db: TestDatabase | null = null
    let dir: string
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'chat-blocks-'))
      if (dialect === 'postgres') db = await createTestDatabase()
      store = await createStore({ dataDir: dir, databaseUrl: db?.url })
      await store.migrate()
    })
    afterAll(async () => {
      await store?.close()
      await db?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    const user = (name: string) => store.createUser({ id: id('u'), name, avatar: null, ts: Date.now() })

    it('block is one-way and idempotent; unblock undoes it; the list is oldest first', async () => {
      const [a, b, c] = await Promise.all([user('A'), user('B'), user('C')])
      expect(await store.blocks.isBlocked(a.id, b.id)).toBe(false)
      await store.blocks.block(a.id, b.id, 10)
      await store.blocks.block(a.id, b.id, 20)
      await store.blocks.block(a.id, c.id, 15)
      expect(await store.blocks.isBlocked(a.id, b.id)).toBe(true)
      expect(await store.blocks.isBlocked(b.id, a.id)).toBe(false)
      expect((await store.blocks.listBlocked(a.id)).map((u) => u.id)).toEqual([b.id, c.id])
      expect(await store.blocks.listBlocked(b.id)).toEqual([])
      await store.blocks.unblock(a.id, b.id)
      await store.blocks.unblock(a.id, b.id)
      expect(await store.blocks.isBlocked(a.id, b.id)).toBe(false)
      expect((await store.blocks.listBlocked(a.id)).map((u) => u.name)).toEqual(['C'])
    })

    it('shareGroupRoom: current members of one group room (a shared dm does not count)', async () => {
      const [a, b] = await Promise.all([user('A'), user('B')])
      expect(await store.blocks.shareGroupRoom(a.id, b.id)).toBe(false)
      const dm = a.id < b.id ? `dm:${a.id}:${b.id}` : `dm:${b.id}:${a.id}`
      await store.ensureRoom({ id: dm, title: dm, kind: 'dm', ownerId: null, ts: 1 })
      await store.addMember(dm, a.id, 1)
      await store.addMember(dm, b.id, 1)
      expect(await store.blocks.shareGroupRoom(a.id, b.id)).toBe(false)
      const g = id('g')
      await store.ensureRoom({ id: g, title: g, kind: 'group', ownerId: null, ts: 1 })
      await store.addMember(g, a.id, 1)
      expect(await store.blocks.shareGroupRoom(a.id, b.id)).toBe(false)
      await store.addMember(g, b.id, 1)
      expect(await store.blocks.shareGroupRoom(a.id, b.id)).toBe(true)
      expect(await store.blocks.shareGroupRoom(b.id, a.id)).toBe(true)
      await store.removeMember(g, a.id)
      expect(await store.blocks.shareGroupRoom(a.id, b.id)).toBe(false)
    })

    it('setReadSeq says whether the mark went up (clamped to lastSeq)', async () => {
      const a = await user('Reader')
      const r = id('r')
      await store.ensureRoom({ id: r, title: r, kind: 'group', ownerId: null, ts: 1 })
      await store.addMember(r, a.id, 1)
      for (let i = 0; i < 3; i++)
        await store.appendMessage({ room: r, senderId: a.id, cid: `cid-read-${i}`, kind: 'like', body: {}, ts: 1 })
      expect(await store.setReadSeq(r, a.id, 2)).toBe(true)
      expect(await store.setReadSeq(r, a.id, 2)).toBe(false)
      expect(await store.setReadSeq(r, a.id, 1)).toBe(false)
      expect(await store.setReadSeq(r, a.id, 100)).toBe(true)
      expect((await store.getMember(r, a.id))?.readSeq).toBe(3)
      expect(await store.setReadSeq(r, a.id, 200)).toBe(false)
    })
  })
}
