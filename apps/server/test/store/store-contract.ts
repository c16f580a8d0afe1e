import { randomBytes } from 'node:crypto'
import type { MessageBody, MessageKind } from '@chat/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StoreUnavailableError, type Store } from '../../src/store/index'

/**
 * One behaviour suite for every Store implementation. A harness hands out Store instances
 * that all share one database; tests use fresh random ids so a database shared by a whole
 * file (Postgres) behaves like a fresh one per test (SQLite).
 */
export interface StoreHarness {
  /** A new, migrated Store on this harness's database (a separate pool or file handle). */
  open(): Promise<Store>
  /** Closes every store it opened and drops what belongs only to this test. */
  dispose(): Promise<void>
}

export interface ContractOptions {
  /** Several stores may append at the same moment (Postgres); else only one after another. */
  parallelStores: boolean
}

const rand = () => randomBytes(6).toString('hex')
const id = (prefix: string) => `${prefix}_${rand()}`
let cids = 0
const newCid = () => `c${(++cids).toString().padStart(7, '0')}_${rand()}`

export function storeContract(name: string, makeHarness: () => Promise<StoreHarness>, opts: ContractOptions): void {
  describe(`Store contract: ${name}`, () => {
    let h: StoreHarness
    let store: Store

    beforeEach(async () => {
      h = await makeHarness()
      store = await h.open()
    })
    afterEach(async () => {
      await h.dispose()
    })

    async function user(name = 'Alice', openid: string | null = null) {
      return store.createUser({ id: id('u'), name, avatar: `/uploads/${rand()}.png`, openid, ts: 1_700_000_000_000 })
    }
    async function room(ownerId: string | null = null, ts = 1_700_000_000_000) {
      return store.ensureRoom({ id: id('r'), title: 'Room', kind: 'group', ownerId, ts })
    }
    function send(
      s: Store,
      roomId: string,
      senderId: string,
      text: string,
      o: { cid?: string; ts?: number; kind?: MessageKind; body?: MessageBody } = {},
    ) {
      return s.appendMessage({
        room: roomId,
        senderId,
        cid: o.cid ?? newCid(),
        kind: o.kind ?? 'text',
        body: o.body ?? { text },
        ts: o.ts ?? 1_700_000_001_000,
      })
    }
    async function seqsOf(s: Store, roomId: string) {
      const all: number[] = []
      let after = 0
      for (;;) {
        const page = await s.getMessages(roomId, { after, limit: 100 })
        all.push(...page.messages.map((m) => m.seq))
        if (!page.more) return all
        after = page.messages[page.messages.length - 1].seq
      }
    }

    describe('users', () => {
      it('creates, reads one and many, and reports missing ones as absent', async () => {
        const a = await user('Alice')
        const b = await user('Bob')
        expect(a).toEqual({ id: a.id, name: 'Alice', avatar: a.avatar, openid: null, bannedAt: null, createdAt: 1_700_000_000_000 })
        expect(await store.getUser(a.id)).toEqual(a)
        expect(await store.getUser(id('nobody'))).toBeNull()
        const many = await store.getUsers([b.id, a.id, id('nobody'), a.id])
        expect(many.map((u) => u.id).sort()).toEqual([a.id, b.id].sort())
        expect(await store.getUsers([])).toEqual([])
      })

      it('reads many users past the chunk size of an id list', async () => {
        const a = await user('Alice')
        const ids = Array.from({ length: 1100 }, (_, i) => (i === 777 ? a.id : id('nobody')))
        expect((await store.getUsers(ids)).map((u) => u.id)).toEqual([a.id])
      })

      it('keeps one user per openid, even when two first logins race', async () => {
        const openid = id('o')
        const first = await user('Wx', openid)
        expect(await store.getUserByOpenid(openid)).toEqual(first)
        expect(await store.getUserByOpenid(id('o'))).toBeNull()
        const second = await store.createUser({ id: id('u'), name: 'Other', avatar: null, openid, ts: 1 })
        expect(second.id).toBe(first.id)
        expect(await store.getUser(second.id)).toEqual(first)
      })

      it('refuses a second user with the same id', async () => {
        const a = await user()
        await expect(store.createUser({ id: a.id, name: 'Again', avatar: null, ts: 2 })).rejects.toThrow()
        expect((await store.getUser(a.id))?.name).toBe('Alice')
      })

      it('updates only the profile fields given, and bans and unbans', async () => {
        const a = await user('Alice')
        await store.updateUserProfile(a.id, { name: 'Alicia' })
        expect(await store.getUser(a.id)).toMatchObject({ name: 'Alicia', avatar: a.avatar })
        await store.updateUserProfile(a.id, { avatar: null })
        expect(await store.getUser(a.id)).toMatchObject({ name: 'Alicia', avatar: null })
        await store.updateUserProfile(a.id, {})
        await store.setBanned(a.id, 1234)
        expect((await store.getUser(a.id))?.bannedAt).toBe(1234)
        await store.setBanned(a.id, null)
        expect((await store.getUser(a.id))?.bannedAt).toBeNull()
      })
    })

    describe('rooms', () => {
      it('ensureRoom creates once and then returns the stored room unchanged', async () => {
        const o = await user()
        const rid = id('r')
        const made = await store.ensureRoom({ id: rid, title: 'First', kind: 'group', ownerId: o.id, ts: 10 })
        expect(made).toEqual({
          id: rid,
          title: 'First',
          kind: 'group',
          ownerId: o.id,
          lastSeq: 0,
          createdAt: 10,
          access: 'open',
          mutedAll: false,
          announcement: null,
          inviteCode: null,
          likes: 0,
          flowers: 0,
          reactionLikes: 0,
          reactionFlowers: 0,
        })
        const again = await store.ensureRoom({ id: rid, title: 'Second', kind: 'group', ownerId: null, ts: 20 })
        expect(again).toEqual(made)
        expect(await store.getRoom(rid)).toEqual(made)
        expect(await store.getRoom(id('r'))).toBeNull()
      })

      it('ensureRoom from many callers at once yields one room', async () => {
        const rid = id('r')
        const all = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.ensureRoom({ id: rid, title: `T${i}`, kind: 'group', ownerId: null, ts: i })),
        )
        expect(new Set(all.map((r) => r.title)).size).toBe(1)
        expect(await store.getRoom(rid)).toEqual(all[0])
      })

      it('createRoom returns null when the id is taken and leaves the room as it was', async () => {
        const o = await user()
        const rid = id('r')
        expect(await store.createRoom({ id: rid, title: 'Mine', kind: 'group', ownerId: o.id, ts: 5 })).toMatchObject({
          id: rid,
          ownerId: o.id,
        })
        expect(await store.createRoom({ id: rid, title: 'Theirs', kind: 'group', ownerId: null, ts: 6 })).toBeNull()
        expect(await store.getRoom(rid)).toMatchObject({ title: 'Mine', ownerId: o.id, createdAt: 5 })
      })

      it('stores dm rooms with their kind', async () => {
        const [a, b] = [await user(), await user()]
        const rid = a.id < b.id ? `dm:${a.id}:${b.id}` : `dm:${b.id}:${a.id}`
        expect(await store.ensureRoom({ id: rid, title: rid, kind: 'dm', ownerId: null, ts: 1 })).toMatchObject({ id: rid, kind: 'dm' })
      })

      it('lastSeqs reads many rooms at once and leaves unknown ones out', async () => {
        const a = await user()
        const [r1, r2] = [await room(), await room()]
        await send(store, r1.id, a.id, 'one')
        await send(store, r1.id, a.id, 'two')
        const ids = [r1.id, r2.id, ...Array.from({ length: 600 }, () => id('r'))]
        const seqs = await store.lastSeqs(ids)
        expect([...seqs.entries()].sort()).toEqual(
          [
            [r1.id, 2],
            [r2.id, 0],
          ].sort(),
        )
        expect((await store.lastSeqs([])).size).toBe(0)
      })
    })

    describe('members', () => {
      it('a new member starts reading at the last seq; an existing one is returned unchanged', async () => {
        const [a, b] = [await user(), await user()]
        const r = await room(a.id)
        await store.addMember(r.id, a.id, 100)
        await send(store, r.id, a.id, 'before b joined')
        await send(store, r.id, a.id, 'before b joined, again')
        const mb = await store.addMember(r.id, b.id, 200)
        expect(mb).toEqual({ roomId: r.id, userId: b.id, role: 'member', readSeq: 2, mutedUntil: null, joinedAt: 200, mutedAll: false })
        expect((await store.getMember(r.id, a.id))?.role).toBe('owner')
        await send(store, r.id, a.id, 'after')
        const again = await store.addMember(r.id, b.id, 300)
        expect(again).toEqual(mb)
        expect(await store.getMember(r.id, b.id)).toEqual(mb)
        expect((await store.getMember(r.id, a.id))?.readSeq).toBe(0)
        expect(await store.getMember(r.id, id('u'))).toBeNull()
      })

      it('refuses members of a missing room or a missing user', async () => {
        const a = await user()
        const r = await room()
        await expect(store.addMember(id('r'), a.id, 1)).rejects.toThrow(/room/)
        // Bad calls are programming errors, not an unavailable database.
        await expect(store.addMember(r.id, id('u'), 1)).rejects.not.toBeInstanceOf(StoreUnavailableError)
        await expect(store.addMember(r.id, id('u'), 1)).rejects.toThrow()
        expect(await store.getMember(r.id, a.id)).toBeNull()
      })

      it('sets roles and mutes, and removes members; roles and mutes outlive leave/join', async () => {
        const a = await user()
        const r = await room()
        await store.addMember(r.id, a.id, 1)
        expect(await store.setAdmin(r.id, a.id, true, 10)).toBe(true)
        expect(await store.setAdmin(r.id, a.id, true, 11)).toBe(false)
        await store.setMutedUntil(r.id, a.id, 5000)
        expect(await store.getMember(r.id, a.id)).toMatchObject({ role: 'admin', mutedUntil: 5000 })
        await store.removeMember(r.id, a.id)
        expect(await store.getMember(r.id, a.id)).toBeNull()
        expect(await store.getRole(r.id, a.id)).toBe('admin')
        const back = await store.addMember(r.id, a.id, 2)
        expect(back).toMatchObject({ role: 'admin', mutedUntil: 5000 })
        await store.setMutedUntil(r.id, a.id, null)
        expect((await store.getMember(r.id, a.id))?.mutedUntil).toBeNull()
        expect(await store.setAdmin(r.id, a.id, false, 12)).toBe(true)
        expect(await store.setAdmin(r.id, a.id, false, 13)).toBe(false)
        expect((await store.getMember(r.id, a.id))?.role).toBe('member')
      })

      it('read marks only rise, and never past the last seq', async () => {
        const [a, b] = [await user(), await user()]
        const r = await room()
        await store.addMember(r.id, a.id, 1)
        for (let i = 0; i < 5; i++) await send(store, r.id, b.id, `m${i}`)
        await store.setReadSeq(r.id, a.id, 3)
        expect((await store.getMember(r.id, a.id))?.readSeq).toBe(3)
        await store.setReadSeq(r.id, a.id, 2)
        expect((await store.getMember(r.id, a.id))?.readSeq).toBe(3)
        await store.setReadSeq(r.id, a.id, 99)
        expect((await store.getMember(r.id, a.id))?.readSeq).toBe(5)
        await store.setReadSeq(r.id, id('u'), 4) // not a member: nothing to do
      })

      it('readMarks: marks above 0, highest first, at most the limit', async () => {
        const [a, b, c, d] = [await user(), await user(), await user(), await user()]
        const r = await room()
        for (const u of [a, b, c, d]) await store.addMember(r.id, u.id, 1)
        for (let i = 0; i < 4; i++) await send(store, r.id, a.id, `m${i}`)
        await store.setReadSeq(r.id, b.id, 2)
        await store.setReadSeq(r.id, c.id, 4)
        await store.setReadSeq(r.id, d.id, 2)
        const marks = await store.readMarks(r.id, 10)
        expect(marks[0]).toEqual({ user: c.id, seq: 4 })
        // Ties come in the database's order of user ids (its collation): compared as a set.
        expect(marks.slice(1).sort((x, y) => (x.user < y.user ? -1 : 1))).toEqual([b.id, d.id].sort().map((user) => ({ user, seq: 2 })))
        expect(marks).toHaveLength(3)
        expect(await store.readMarks(r.id, 1)).toEqual([{ user: c.id, seq: 4 }])
        expect(await store.readMarks(id('r'), 10)).toEqual([])
      })

      it('kick bans are set, extended, read back and lifted, independent of membership', async () => {
        const a = await user()
        const r = await room()
        expect(await store.getKickedUntil(r.id, a.id)).toBeNull()
        await store.setKickedUntil(r.id, a.id, 1000)
        await store.setKickedUntil(r.id, a.id, 2000)
        expect(await store.getKickedUntil(r.id, a.id)).toBe(2000)
        await store.setKickedUntil(r.id, a.id, null)
        expect(await store.getKickedUntil(r.id, a.id)).toBeNull()
      })

      it("a join's view: the room, admins in order, the user's kick, membership, role and mute in one read", async () => {
        const [o, a, b, c] = [await user(), await user(), await user(), await user()]
        const r = await room(o.id)
        await store.setAdmin(r.id, b.id, true, 20)
        await store.setAdmin(r.id, a.id, true, 10)
        await store.setMutedUntil(r.id, c.id, 9000)
        await store.setKickedUntil(r.id, c.id, 7000)
        await send(store, r.id, o.id, 'one')
        const none = await store.joinView(id('r'), a.id)
        expect(none).toEqual({ room: null, kickedUntil: null, admins: [], member: null, role: 'member', mutedUntil: null })
        const vc = await store.joinView(r.id, c.id)
        expect(vc).toMatchObject({ kickedUntil: 7000, admins: [a.id, b.id], member: null, role: 'member', mutedUntil: 9000 })
        expect(vc.room).toEqual(await store.getRoom(r.id))
        expect(vc.room?.lastSeq).toBe(1)
        await store.addMember(r.id, a.id, 100)
        const va = await store.joinView(r.id, a.id)
        expect(va.member).toEqual(await store.getMember(r.id, a.id))
        expect(va).toMatchObject({ role: 'admin', kickedUntil: null, mutedUntil: null })
        expect((await store.joinView(r.id, o.id)).role).toBe('owner')
      })

      it('insertMember adds once, with the read mark at the last seq; null for members and missing rooms', async () => {
        const [a, b] = [await user(), await user()]
        const r = await room()
        await send(store, r.id, b.id, 'one')
        await send(store, r.id, b.id, 'two')
        expect(await store.insertMember(r.id, a.id, 300)).toEqual({ readSeq: 2, joinedAt: 300 })
        expect(await store.getMember(r.id, a.id)).toMatchObject({ readSeq: 2, joinedAt: 300 })
        expect(await store.insertMember(r.id, a.id, 400)).toBeNull()
        expect((await store.getMember(r.id, a.id))?.joinedAt).toBe(300)
        expect(await store.insertMember(id('r'), a.id, 1)).toBeNull()
      })

      it('many joins at once (one batch on Postgres): each gets its own view and membership, once', async () => {
        const owner = await user()
        const [r1, r2] = [await room(owner.id), await room()]
        const us = await Promise.all(Array.from({ length: 40 }, () => user()))
        await store.setAdmin(r1.id, us[0].id, true, 5)
        await store.setMutedUntil(r2.id, us[1].id, 8000)
        await store.setKickedUntil(r1.id, us[2].id, 9000)
        await store.addMember(r2.id, us[3].id, 50)
        await send(store, r1.id, owner.id, 'one')
        const asks = us.flatMap((u) => [
          { room: r1.id, u },
          { room: r2.id, u },
        ])
        // Every pair twice at once, plus a missing room: shared slots, null rooms.
        const [views, again, none] = await Promise.all([
          Promise.all(asks.map((a) => store.joinView(a.room, a.u.id))),
          Promise.all(asks.map((a) => store.joinView(a.room, a.u.id))),
          store.joinView(id('r'), us[0].id),
        ])
        expect(again).toEqual(views)
        expect(none.room).toBeNull()
        for (const [k, a] of asks.entries()) {
          const v = views[k]
          expect(v.room?.id).toBe(a.room)
          expect(v.admins).toEqual(a.room === r1.id ? [us[0].id] : [])
          expect(v.role).toBe(a.room === r1.id && a.u === us[0] ? 'admin' : 'member')
          expect(v.mutedUntil).toBe(a.room === r2.id && a.u === us[1] ? 8000 : null)
          expect(v.kickedUntil).toBe(a.room === r1.id && a.u === us[2] ? 9000 : null)
          expect(v.member?.joinedAt ?? null).toBe(a.room === r2.id && a.u === us[3] ? 50 : null)
        }
        const made = await Promise.all(asks.map((a) => store.insertMember(a.room, a.u.id, 700)))
        for (const [k, a] of asks.entries()) {
          expect(made[k]).toEqual(a.room === r2.id && a.u === us[3] ? null : { readSeq: a.room === r1.id ? 1 : 0, joinedAt: 700 })
        }
        const members = await Promise.all(asks.map((a) => store.getMember(a.room, a.u.id)))
        expect(members.every((m) => m !== null)).toBe(true)
        // Pages asked at once share reads but each is the room's latest.
        const pages = await Promise.all([r1.id, r2.id, r1.id].map((room) => store.getMessages(room, { limit: 30 })))
        expect(pages.map((p) => p.messages.map((m) => m.body))).toEqual([[{ text: 'one' }], [], [{ text: 'one' }]])
      })
    })

    describe('appendMessage', () => {
      it('gives seqs 1, 2, 3 and returns the contract Message', async () => {
        const a = await user('Alice')
        const r = await room()
        const c = newCid()
        const first = await send(store, r.id, a.id, '你好', { cid: c, ts: 1_764_000_000_000 })
        expect(first).toEqual({
          duplicate: false,
          message: {
            room: r.id,
            seq: 1,
            cid: c,
            from: { id: a.id, name: 'Alice', avatar: a.avatar },
            kind: 'text',
            body: { text: '你好' },
            ts: 1_764_000_000_000,
          },
        })
        expect('recalled' in first.message).toBe(false)
        expect((await send(store, r.id, a.id, 'b')).message.seq).toBe(2)
        expect((await send(store, r.id, a.id, 'c')).message.seq).toBe(3)
        expect((await store.getRoom(r.id))?.lastSeq).toBe(3)
        expect(await store.getMessage(r.id, 1)).toEqual(first.message)
        expect(await store.findByCid(r.id, a.id, c)).toEqual(first.message)
        expect(await store.getMessage(r.id, 4)).toBeNull()
        expect(await store.findByCid(r.id, a.id, newCid())).toBeNull()
      })

      it('stores every kind of body as given', async () => {
        const a = await user()
        const r = await room()
        const bodies: [MessageKind, MessageBody][] = [
          ['image', { url: '/uploads/x.png', width: 10, height: 20 }],
          ['like', {}],
          ['flower', { count: 9 }],
          ['question', { text: 'why?' }],
          ['answer', { question: 4, text: 'because' }],
        ]
        for (const [kind, body] of bodies) await send(store, r.id, a.id, '', { kind, body })
        const { messages } = await store.getMessages(r.id, { limit: 10 })
        expect(messages.map((m) => [m.kind, m.body])).toEqual(bodies)
      })

      it('a retry of (room, sender, cid) returns the original, whatever its body, and stores nothing', async () => {
        const [a, b] = [await user(), await user()]
        const r = await room()
        const c = newCid()
        const first = await send(store, r.id, a.id, 'original', { cid: c, ts: 111 })
        await send(store, r.id, a.id, 'other')
        const retry = await send(store, r.id, a.id, 'changed body', { cid: c, ts: 222 })
        expect(retry).toEqual({ duplicate: true, message: first.message })
        expect((await store.getRoom(r.id))?.lastSeq).toBe(2)
        expect(await seqsOf(store, r.id)).toEqual([1, 2])
        // The same cid from another sender, or in another room, is another message.
        const fromB = await send(store, r.id, b.id, 'b says', { cid: c })
        expect(fromB).toMatchObject({ duplicate: false, message: { seq: 3, from: { id: b.id } } })
        const r2 = await room()
        expect(await send(store, r2.id, a.id, 'elsewhere', { cid: c })).toMatchObject({
          duplicate: false,
          message: { room: r2.id, seq: 1 },
        })
      })

      it('concurrent retries of one cid store it once, with no gap after it', async () => {
        const a = await user()
        const r = await room()
        const stores = opts.parallelStores ? [store, ...(await Promise.all([h.open(), h.open(), h.open()]))] : [store]
        const c = newCid()
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => send(stores[i % stores.length], r.id, a.id, `try ${i}`, { cid: c })),
        )
        expect(results.filter((x) => !x.duplicate)).toHaveLength(1)
        expect(new Set(results.map((x) => x.message.seq))).toEqual(new Set([1]))
        expect(new Set(results.map((x) => JSON.stringify(x.message.body))).size).toBe(1)
        expect((await send(store, r.id, a.id, 'next')).message.seq).toBe(2)
        expect(await seqsOf(store, r.id)).toEqual([1, 2])
      })

      it('refuses a missing room or an unknown sender without touching any seq', async () => {
        const a = await user()
        const r = await room()
        const missing = id('r')
        await expect(send(store, missing, a.id, 'x')).rejects.toThrow(new RegExp(missing))
        await expect(send(store, missing, a.id, 'x')).rejects.not.toBeInstanceOf(StoreUnavailableError)
        expect(await store.getRoom(missing)).toBeNull()
        await expect(send(store, r.id, id('u'), 'x')).rejects.toThrow(/user/)
        expect((await store.getRoom(r.id))?.lastSeq).toBe(0)
        expect((await send(store, r.id, a.id, 'ok')).message.seq).toBe(1)
      })

      it('a burst mixing rooms, retries, a missing room and an unknown sender answers each append on its own', async () => {
        // Stores may commit concurrent appends together (group commit): one bad or repeated
        // row must neither fail nor shift the others.
        const [a, b] = [await user('Alice'), await user('Bob')]
        const [r1, r2] = [await room(), await room()]
        const missing = id('r')
        const ghost = id('u')
        const stored = await send(store, r1.id, a.id, 'before', { cid: 'c-before-1' })
        const burst = await Promise.allSettled([
          send(store, r1.id, a.id, 'one'),
          send(store, r2.id, b.id, 'two'),
          send(store, r1.id, a.id, 'retry', { cid: 'c-before-1' }),
          send(store, missing, a.id, 'nowhere'),
          send(store, r1.id, ghost, 'nobody'),
          send(store, r2.id, a.id, 'three', { cid: 'c-twice-1' }),
          send(store, r2.id, a.id, 'three again', { cid: 'c-twice-1' }),
          send(store, r1.id, b.id, 'four'),
        ])
        const value = (i: number) => (burst[i] as PromiseFulfilledResult<Awaited<ReturnType<typeof send>>>).value
        const reason = (i: number) => String((burst[i] as PromiseRejectedResult).reason)
        expect(burst.map((x) => x.status)).toEqual([
          'fulfilled',
          'fulfilled',
          'fulfilled',
          'rejected',
          'rejected',
          'fulfilled',
          'fulfilled',
          'fulfilled',
        ])
        expect(value(2)).toEqual({ duplicate: true, message: stored.message })
        expect(reason(3)).toContain(missing)
        expect(reason(4)).toMatch(/user/)
        expect([value(5).duplicate, value(6).duplicate].sort()).toEqual([false, true])
        expect(value(6).message).toEqual(value(5).message)
        expect(value(7).message.from).toEqual({ id: b.id, name: 'Bob', avatar: b.avatar })
        expect([value(0).message.seq, value(7).message.seq].sort()).toEqual([2, 3])
        expect([value(1).message.seq, value(5).message.seq].sort()).toEqual([1, 2])
        expect(await seqsOf(store, r1.id)).toEqual([1, 2, 3])
        expect(await seqsOf(store, r2.id)).toEqual([1, 2])
        for (const i of [0, 1, 5, 7]) expect(await store.getMessage(value(i).message.room, value(i).message.seq)).toEqual(value(i).message)
      })

      it('200 concurrent appends from one store get seqs 1..200, each once', async () => {
        const a = await user()
        const r = await room()
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => send(store, r.id, a.id, `m${i}`)))
        expect(results.map((x) => x.message.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
        expect(await seqsOf(store, r.id)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
        // Each result's seq holds that result's message.
        for (const x of results.slice(0, 20)) expect(await store.getMessage(r.id, x.message.seq)).toEqual(x.message)
      })

      if (opts.parallelStores) {
        it('5 stores × 200 concurrent appends into one room give seqs 1..1000, each once', async () => {
          const a = await user()
          const r = await room()
          const stores = [store, ...(await Promise.all(Array.from({ length: 4 }, () => h.open())))]
          const results = await Promise.all(
            stores.flatMap((s, k) => Array.from({ length: 200 }, (_, i) => send(s, r.id, a.id, `s${k} m${i}`))),
          )
          expect(results.every((x) => !x.duplicate)).toBe(true)
          const seqs = results.map((x) => x.message.seq).sort((x, y) => x - y)
          expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
          expect(await seqsOf(stores[3], r.id)).toEqual(seqs)
          expect((await stores[1].getRoom(r.id))?.lastSeq).toBe(1000)
        })
      } else {
        it('stores opened one after another on the same database continue the seqs without gaps', async () => {
          const a = await user()
          const r = await room()
          await Promise.all(Array.from({ length: 50 }, (_, i) => send(store, r.id, a.id, `first ${i}`)))
          await store.close()
          for (let k = 0; k < 3; k++) {
            const s = await h.open()
            await Promise.all(Array.from({ length: 50 }, (_, i) => send(s, r.id, a.id, `s${k} ${i}`)))
            await s.close()
          }
          // Two open handles on one file, used in turn.
          const [s1, s2] = [await h.open(), await h.open()]
          for (let i = 0; i < 20; i++) await send(i % 2 ? s1 : s2, r.id, a.id, `alt ${i}`)
          expect(await seqsOf(s1, r.id)).toEqual(Array.from({ length: 220 }, (_, i) => i + 1))
          expect((await s2.getRoom(r.id))?.lastSeq).toBe(220)
        })
      }
    })

    describe('getMessages', () => {
      let roomId: string
      beforeEach(async () => {
        const a = await user()
        roomId = (await room()).id
        for (let i = 1; i <= 10; i++) await send(store, roomId, a.id, `m${i}`)
      })
      const page = async (p: { before?: number; after?: number; limit: number }) => {
        const r = await store.getMessages(roomId, p)
        return { seqs: r.messages.map((m) => m.seq), more: r.more }
      }

      it('without before/after: the latest `limit`, ascending, more when older exist', async () => {
        expect(await page({ limit: 3 })).toEqual({ seqs: [8, 9, 10], more: true })
        expect(await page({ limit: 10 })).toEqual({ seqs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], more: false })
        expect(await page({ limit: 50 })).toMatchObject({ more: false })
        const r = await store.getMessages(roomId, { limit: 1 })
        expect(r.messages[0].body).toEqual({ text: 'm10' })
      })

      it('before: the newest `limit` below it, more when older exist', async () => {
        expect(await page({ before: 8, limit: 3 })).toEqual({ seqs: [5, 6, 7], more: true })
        expect(await page({ before: 5, limit: 4 })).toEqual({ seqs: [1, 2, 3, 4], more: false })
        expect(await page({ before: 4, limit: 5 })).toEqual({ seqs: [1, 2, 3], more: false })
        expect(await page({ before: 1, limit: 5 })).toEqual({ seqs: [], more: false })
        expect(await page({ before: 999, limit: 2 })).toEqual({ seqs: [9, 10], more: true })
      })

      it('after: the oldest `limit` above it, more when newer exist', async () => {
        expect(await page({ after: 0, limit: 3 })).toEqual({ seqs: [1, 2, 3], more: true })
        expect(await page({ after: 6, limit: 4 })).toEqual({ seqs: [7, 8, 9, 10], more: false })
        expect(await page({ after: 7, limit: 2 })).toEqual({ seqs: [8, 9], more: true })
        expect(await page({ after: 10, limit: 5 })).toEqual({ seqs: [], more: false })
      })

      it('an empty or unknown room has no messages; a bad limit is refused', async () => {
        const empty = await room()
        expect(await store.getMessages(empty.id, { limit: 5 })).toEqual({ messages: [], more: false })
        expect(await store.getMessages(id('r'), { after: 0, limit: 5 })).toEqual({ messages: [], more: false })
        await expect(store.getMessages(roomId, { limit: 0 })).rejects.toThrow(/limit/)
        await expect(store.getMessages(roomId, { before: 3, after: 1, limit: 2 })).rejects.toThrow(/before or after/)
      })
    })

    describe('recallMessage', () => {
      it('marks recalled and empties the body in every later read', async () => {
        const a = await user()
        const r = await room()
        const c = newCid()
        await send(store, r.id, a.id, 'secret', { cid: c })
        await send(store, r.id, a.id, 'kept')
        expect(await store.recallMessage(r.id, 1)).toBe(true)
        const recalled = await store.getMessage(r.id, 1)
        expect(recalled).toMatchObject({ seq: 1, cid: c, recalled: true, body: {} })
        expect(JSON.stringify(recalled)).not.toContain('secret')
        expect((await store.getMessages(r.id, { limit: 5 })).messages.map((m) => m.recalled ?? false)).toEqual([true, false])
        expect(await store.findByCid(r.id, a.id, c)).toEqual(recalled)
        expect(await send(store, r.id, a.id, 'retry', { cid: c })).toEqual({ duplicate: true, message: recalled })
        expect(await store.recallMessage(r.id, 1)).toBe(true)
        expect(await store.recallMessage(r.id, 99)).toBe(false)
        expect(await store.recallMessage(id('r'), 1)).toBe(false)
        expect((await store.getRoom(r.id))?.lastSeq).toBe(2)
      })
    })

    describe('listRooms', () => {
      it('orders by the newest last message, then rooms without messages by newest membership', async () => {
        const [me, other] = [await user('Me'), await user('Other')]
        const [early, late, tieLow, quietOld, quietNew, notMine] = await Promise.all(Array.from({ length: 6 }, () => room()))
        await store.addMember(quietOld.id, me.id, 100)
        await store.addMember(early.id, me.id, 200)
        await store.addMember(late.id, me.id, 300)
        await store.addMember(tieLow.id, me.id, 400)
        await store.addMember(quietNew.id, me.id, 500)
        await send(store, early.id, other.id, 'early', { ts: 1000 })
        await send(store, late.id, other.id, 'late', { ts: 3000 })
        await send(store, late.id, other.id, 'late 2', { ts: 3000 })
        // The same ts as late's last message but a lower seq: listed after it.
        await send(store, tieLow.id, other.id, 'tie', { ts: 3000 })
        await send(store, notMine.id, other.id, 'not mine', { ts: 9000 })
        const list = await store.listRooms(me.id)
        expect(list.map((r) => r.id)).toEqual([late.id, tieLow.id, early.id, quietNew.id, quietOld.id])
        expect(list[0]).toEqual({
          id: late.id,
          title: 'Room',
          kind: 'group',
          lastSeq: 2,
          unread: 2,
          lastMessage: (await store.getMessage(late.id, 2))!,
          mentioned: false,
        })
        expect(list[3]).toEqual({
          id: quietNew.id,
          title: 'Room',
          kind: 'group',
          lastSeq: 0,
          unread: 0,
          lastMessage: null,
          mentioned: false,
        })
        expect(await store.listRooms(id('u'))).toEqual([])
      })

      it('unread counts others’ non-recalled messages above the read mark', async () => {
        const [me, other] = [await user('Me'), await user('Other')]
        const r = await room()
        await send(store, r.id, other.id, 'before I joined')
        await store.addMember(r.id, me.id, 1)
        const unread = async () => (await store.listRooms(me.id))[0].unread
        expect(await unread()).toBe(0)
        await send(store, r.id, other.id, 'o2') // 2
        await send(store, r.id, me.id, 'mine') // 3
        await send(store, r.id, other.id, 'o4') // 4
        await send(store, r.id, other.id, 'o5') // 5
        expect(await unread()).toBe(3)
        await store.recallMessage(r.id, 4)
        expect(await unread()).toBe(2)
        await store.setReadSeq(r.id, me.id, 4)
        expect(await unread()).toBe(1)
        await store.setReadSeq(r.id, me.id, 5)
        expect(await unread()).toBe(0)
        const [summary] = await store.listRooms(me.id)
        expect(summary.lastMessage).toMatchObject({ seq: 5, body: { text: 'o5' }, from: { id: other.id, name: 'Other' } })
        await store.recallMessage(r.id, 5)
        expect((await store.listRooms(me.id))[0].lastMessage).toMatchObject({ seq: 5, recalled: true, body: {} })
      })
    })

    describe('host control (v1.1 §A–§C)', () => {
      it('settings: a new room is open with no announcement; updateRoom sets and clears; invite codes are kept once set', async () => {
        const o = await user()
        const r = await room(o.id)
        expect(r).toMatchObject({ access: 'open', mutedAll: false, announcement: null, inviteCode: null, likes: 0, flowers: 0 })
        const after = await store.updateRoom(r.id, {
          title: 'New',
          access: 'invite',
          mutedAll: true,
          announcement: { text: 'hi', by: o.id, ts: 42 },
        })
        expect(after).toMatchObject({ title: 'New', access: 'invite', mutedAll: true, announcement: { text: 'hi', by: o.id, ts: 42 } })
        expect(await store.getRoom(r.id)).toEqual(after)
        expect(await store.updateRoom(r.id, { announcement: null, mutedAll: false })).toMatchObject({
          title: 'New',
          announcement: null,
          mutedAll: false,
        })
        expect(await store.updateRoom(id('r'), { title: 'x' })).toBeNull()
        expect(await store.ensureInviteCode(r.id, 'code-one-1')).toBe('code-one-1')
        expect(await store.ensureInviteCode(r.id, 'code-two-2')).toBe('code-one-1')
        await store.updateRoom(r.id, { inviteCode: 'code-three' })
        expect((await store.getRoom(r.id))?.inviteCode).toBe('code-three')
        const created = await store.createRoom({
          id: id('r'),
          title: 'Inv',
          kind: 'group',
          ownerId: o.id,
          ts: 1,
          access: 'invite',
          inviteCode: 'abcdefgh12',
        })
        expect(created).toMatchObject({ access: 'invite', inviteCode: 'abcdefgh12' })
      })

      it('owner transfer: the old owner becomes an admin, the new one stops being one; roles outlive membership', async () => {
        const [o, a, b] = [await user('O'), await user('A'), await user('B')]
        const r = await room(o.id)
        for (const u of [o, a, b]) await store.addMember(r.id, u.id, 1)
        await store.setAdmin(r.id, b.id, true, 5)
        await store.setAdmin(r.id, a.id, true, 6)
        expect(await store.listAdmins(r.id)).toEqual([b.id, a.id])
        expect(await store.setOwner(r.id, a.id, 7)).toBe(o.id)
        expect((await store.getRoom(r.id))?.ownerId).toBe(a.id)
        expect(await store.listAdmins(r.id)).toEqual([b.id, o.id])
        expect(await store.getRole(r.id, a.id)).toBe('owner')
        expect(await store.getRole(r.id, o.id)).toBe('admin')
        expect(await store.getRole(r.id, id('u'))).toBe('member')
        expect(await store.getRole(id('r'), a.id)).toBe('member')
        // Again to the same user: nothing changes.
        expect(await store.setOwner(r.id, a.id, 8)).toBe(a.id)
        expect(await store.listAdmins(r.id)).toEqual([b.id, o.id])
        // An ownerless room (made by a join) gets its first owner; nobody becomes admin.
        const bare = await room()
        expect(await store.setOwner(bare.id, b.id, 9)).toBeNull()
        expect(await store.listAdmins(bare.id)).toEqual([])
        await store.removeMember(r.id, a.id)
        expect(await store.getRole(r.id, a.id)).toBe('owner')
        expect((await store.addMember(r.id, a.id, 10)).role).toBe('owner')
      })

      it('getMember carries the room’s 全员禁言', async () => {
        const a = await user()
        const r = await room()
        await store.addMember(r.id, a.id, 1)
        await store.updateRoom(r.id, { mutedAll: true })
        expect((await store.getMember(r.id, a.id))?.mutedAll).toBe(true)
      })

      it('stats count like and flower messages (flowers by count), minus recalled ones', async () => {
        const a = await user()
        const r = await room()
        await send(store, r.id, a.id, '', { kind: 'like', body: {} }) // 1
        await send(store, r.id, a.id, '', { kind: 'like', body: {} }) // 2
        await send(store, r.id, a.id, '', { kind: 'flower', body: { count: 5 } }) // 3
        await send(store, r.id, a.id, '', { kind: 'flower', body: {} }) // 4
        await send(store, r.id, a.id, 'text') // 5
        expect(await store.getRoom(r.id)).toMatchObject({ likes: 2, flowers: 6 })
        await store.recallMessage(r.id, 1)
        await store.recallMessage(r.id, 3)
        await store.recallMessage(r.id, 3)
        await store.recallMessage(r.id, 5)
        expect(await store.getRoom(r.id)).toMatchObject({ likes: 1, flowers: 1 })
      })

      it('listRooms: likes and flowers are not unread nor lastMessage, but move the room up', async () => {
        const [me, other] = [await user('Me'), await user('Other')]
        const [r1, r2] = [await room(), await room()]
        await store.addMember(r1.id, me.id, 1)
        await store.addMember(r2.id, me.id, 2)
        await send(store, r1.id, other.id, 'hello', { ts: 1000 }) // r1 seq 1
        await send(store, r2.id, other.id, 'later', { ts: 2000 })
        await send(store, r1.id, other.id, '', { kind: 'like', body: {}, ts: 3000 }) // r1 seq 2
        await send(store, r1.id, other.id, '', { kind: 'flower', body: { count: 3 }, ts: 3001 }) // r1 seq 3
        const list = await store.listRooms(me.id)
        expect(list.map((x) => x.id)).toEqual([r1.id, r2.id])
        expect(list[0]).toMatchObject({ lastSeq: 3, unread: 1, lastMessage: { seq: 1, body: { text: 'hello' } } })
        // Only likes: no lastMessage, nothing unread.
        const likes = await room()
        await store.addMember(likes.id, me.id, 3)
        await send(store, likes.id, other.id, '', { kind: 'like', body: {}, ts: 5000 })
        const [top] = await store.listRooms(me.id)
        expect(top).toMatchObject({ id: likes.id, lastSeq: 1, unread: 0, lastMessage: null })
      })

      it('many concurrent appends of mixed kinds keep the counters, lastMessage and answers right', async () => {
        const [a, b] = [await user('A'), await user('B')]
        const r = await room()
        await store.addMember(r.id, b.id, 1)
        const q = await send(store, r.id, a.id, 'question?', { kind: 'question', body: { text: 'question?' } })
        const kinds = Array.from({ length: 120 }, (_, i) => i % 4)
        const results = await Promise.all(
          kinds.map((k, i) =>
            k === 0
              ? send(store, r.id, a.id, '', { kind: 'like', body: {} })
              : k === 1
                ? send(store, r.id, a.id, '', { kind: 'flower', body: { count: 2 } })
                : k === 2
                  ? send(store, r.id, a.id, `t${i}`)
                  : send(store, r.id, a.id, `ans${i}`, { kind: 'answer', body: { question: q.message.seq, text: `ans${i}` } }),
          ),
        )
        expect(await store.getRoom(r.id)).toMatchObject({ lastSeq: 121, likes: 30, flowers: 60 })
        const lastText = Math.max(
          ...results.filter((x) => x.message.kind !== 'like' && x.message.kind !== 'flower').map((x) => x.message.seq),
        )
        expect((await store.listRooms(b.id))[0].lastMessage?.seq).toBe(lastText)
        expect((await store.listRooms(b.id))[0].unread).toBe(61)
        const answers = results
          .filter((x) => x.message.kind === 'answer')
          .map((x) => x.message.seq)
          .sort((x, y) => x - y)
        const all = await store.listQuestions(r.id, { state: 'all', limit: 10 })
        expect(all.questions.map((x) => [x.seq, x.answers])).toEqual([[q.message.seq, answers]])
      })

      it('listQuestions: open ones have no live answer; all lists recalled ones too; pages ascend with more', async () => {
        const [a, h] = [await user('Asker'), await user('Host')]
        const r = await room()
        const ask = (t: string) => send(store, r.id, a.id, t, { kind: 'question', body: { text: t } })
        const answer = (q: number, t: string) => send(store, r.id, h.id, t, { kind: 'answer', body: { question: q, text: t } })
        const q1 = (await ask('q1')).message.seq // 1
        await send(store, r.id, a.id, 'chatter') // 2
        const q3 = (await ask('q3')).message.seq // 3
        const q4 = (await ask('q4')).message.seq // 4
        const q5 = (await ask('q5')).message.seq // 5
        const a6 = (await answer(q1, 'a1')).message.seq // 6
        const a7 = (await answer(q3, 'a3')).message.seq // 7
        const a8 = (await answer(q3, 'a3 again')).message.seq // 8
        await store.recallMessage(r.id, a7) // q3 still has a8
        const a9 = (await answer(q4, 'a4')).message.seq // 9
        await store.recallMessage(r.id, a9) // q4 open again
        await store.recallMessage(r.id, q5) // recalled: not open
        const open = await store.listQuestions(r.id, { state: 'open', limit: 30 })
        expect(open.more).toBe(false)
        expect(open.questions).toEqual([{ ...(await store.getMessage(r.id, q4))!, answers: [] }])
        const all = await store.listQuestions(r.id, { state: 'all', limit: 30 })
        expect(all.questions.map((x) => [x.seq, x.answers, x.recalled ?? false])).toEqual([
          [q1, [a6], false],
          [q3, [a8], false],
          [q4, [], false],
          [q5, [], true],
        ])
        expect(all.questions[3].body).toEqual({})
        const p1 = await store.listQuestions(r.id, { state: 'all', limit: 2 })
        expect([p1.questions.map((x) => x.seq), p1.more]).toEqual([[q1, q3], true])
        const p2 = await store.listQuestions(r.id, { state: 'all', after: q3, limit: 2 })
        expect([p2.questions.map((x) => x.seq), p2.more]).toEqual([[q4, q5], false])
        expect(await store.listQuestions(id('r'), { state: 'all', limit: 5 })).toEqual({ questions: [], more: false })
      })
    })

    describe('audit', () => {
      it('stores entries and lists them newest first, per room or all', async () => {
        const a = await user()
        const r = await room()
        await store.audit({ actorId: a.id, action: 'mute', roomId: r.id, targetId: 'u_x', detail: { seconds: 60 }, ts: 10 })
        await store.audit({ actorId: a.id, action: 'kick', roomId: r.id, targetId: 'u_y', detail: { seconds: 5, why: 'spam' }, ts: 20 })
        await store.audit({ actorId: null, action: 'ban', roomId: null, targetId: 'u_z', detail: {}, ts: 30 })
        expect(await store.listAudit(r.id, 10)).toEqual([
          { actorId: a.id, action: 'kick', roomId: r.id, targetId: 'u_y', detail: { seconds: 5, why: 'spam' }, ts: 20 },
          { actorId: a.id, action: 'mute', roomId: r.id, targetId: 'u_x', detail: { seconds: 60 }, ts: 10 },
        ])
        expect((await store.listAudit(r.id, 1)).map((e) => e.action)).toEqual(['kick'])
        expect((await store.listAudit(null, 2)).map((e) => e.action)).toEqual(['ban', 'kick'])
        expect(await store.listAudit(id('r'), 5)).toEqual([])
      })
    })

    describe('lifecycle', () => {
      it('a store reopened on the same database keeps everything, and migrate() again is a no-op', async () => {
        const [a, b] = [await user('Alice', id('o')), await user('Bob')]
        const r = await room(a.id)
        await store.addMember(r.id, a.id, 1)
        await store.addMember(r.id, b.id, 2)
        await store.setMutedUntil(r.id, b.id, 777)
        await store.setKickedUntil(r.id, a.id, 888)
        const m1 = await send(store, r.id, a.id, 'one')
        await send(store, r.id, b.id, 'two')
        await store.recallMessage(r.id, 2)
        await store.setReadSeq(r.id, b.id, 1)
        await store.audit({ actorId: a.id, action: 'mute', roomId: r.id, targetId: b.id, detail: { n: 1 }, ts: 3 })
        const before = {
          users: await store.getUsers([a.id, b.id]),
          room: await store.getRoom(r.id),
          members: [await store.getMember(r.id, a.id), await store.getMember(r.id, b.id)],
          kicked: await store.getKickedUntil(r.id, a.id),
          history: await store.getMessages(r.id, { limit: 10 }),
          rooms: await store.listRooms(b.id),
          audit: await store.listAudit(r.id, 5),
        }
        await store.close()
        const s = await h.open()
        await s.migrate()
        expect({
          users: await s.getUsers([a.id, b.id]),
          room: await s.getRoom(r.id),
          members: [await s.getMember(r.id, a.id), await s.getMember(r.id, b.id)],
          kicked: await s.getKickedUntil(r.id, a.id),
          history: await s.getMessages(r.id, { limit: 10 }),
          rooms: await s.listRooms(b.id),
          audit: await s.listAudit(r.id, 5),
        }).toEqual(before)
        expect(before.history.messages).toHaveLength(2)
        expect(await s.getUserByOpenid(a.openid!)).toEqual(a)
        expect(await send(s, r.id, a.id, 'again', { cid: m1.message.cid })).toEqual({ duplicate: true, message: m1.message })
        expect((await send(s, r.id, a.id, 'three')).message.seq).toBe(3)
      })

      it('answers ping, and a closed store refuses calls as unavailable', async () => {
        await expect(store.ping()).resolves.toBeUndefined()
        expect(['sqlite', 'postgres']).toContain(store.dialect)
        await store.close()
        await store.close()
        await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
        await expect(store.getUser('u_x')).rejects.toBeInstanceOf(StoreUnavailableError)
        await expect(
          store.appendMessage({ room: 'r', senderId: 'u', cid: newCid(), kind: 'like', body: {}, ts: 1 }),
        ).rejects.toBeInstanceOf(StoreUnavailableError)
      })
    })
  })
}
