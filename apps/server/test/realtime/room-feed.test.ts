// RoomFeed over real loopback WebSockets: pushes framed once per node (frame.ts) and
// written in batches must reach each client as ordinary text frames, in seq order, each
// once, never overtaken by a later event.
import type { Message } from '@chat/protocol'
import { describe, expect, it } from 'vitest'
import { Connection } from '../../src/realtime/connection'
import { RoomFeed, type FeedDeps } from '../../src/realtime/room-feed'
import { useLoopbackWs } from '../helpers/loopback-ws'

const ROOM = 'feed-room'

function msg(seq: number, text = `m${seq}`): Message {
  return {
    room: ROOM,
    seq,
    cid: `cid-${seq}-xxxx`,
    from: { id: 'u1', name: 'U', avatar: null },
    kind: 'text',
    body: { text },
    ts: 1_700_000_000_000 + seq,
  }
}

const ws = useLoopbackWs()

/** A connected pair: the server side wrapped in a Connection, the client collecting frames. */
async function pair(cursor: number, feed: RoomFeed) {
  const frames: Array<{ type: string; msg?: Message; n?: number }> = []
  const { server, n } = await ws.open((data, binary) => {
    expect(binary).toBe(false)
    frames.push(JSON.parse(String(data)))
  })
  const conn = new Connection(`c${n}`, server, '127.0.0.1', 1 << 20, () => {})
  conn.rooms.set(ROOM, { cursor, filling: false })
  feed.attach(conn, cursor)
  return { conn, frames, seqs: () => frames.filter((f) => f.type === 'message').map((f) => f.msg!.seq) }
}

function feedOver(store: Message[], extra: Partial<FeedDeps> = {}) {
  return new RoomFeed(ROOM, {
    fetchAfter: async (_room, after, limit) => {
      const rest = store.filter((m) => m.seq > after)
      return { messages: rest.slice(0, limit), more: rest.length > limit }
    },
    onError: (err) => {
      throw err
    },
    gapFillDelayMs: 20,
    pushWindowMs: 0,
    windowMinMembers: 1,
    ...extra,
  })
}

/** feedOver, counting its store reads. */
function countedFeed(store: Message[], extra: Partial<FeedDeps> = {}) {
  let reads = 0
  const feed = feedOver(store, extra)
  const inner = (feed as unknown as { deps: FeedDeps }).deps
  const fetchAfter = inner.fetchAfter
  inner.fetchAfter = (...args) => {
    reads++
    return fetchAfter(...args)
  }
  return { feed, reads: () => reads }
}

const until = async (ok: () => boolean, what: string) => {
  for (const end = Date.now() + 5000; !ok(); ) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('RoomFeed batched writes', () => {
  it('delivers a burst released in one turn to every member in order, each once', async () => {
    const store = Array.from({ length: 50 }, (_, i) => msg(i + 1))
    const feed = feedOver(store)
    const a = await pair(0, feed)
    const b = await pair(0, feed)
    for (const m of [...store].reverse()) feed.offer(m) // out of order, all in one turn
    const all = store.map((m) => m.seq)
    await until(() => a.seqs().length >= 50 && b.seqs().length >= 50, 'both have 50')
    await new Promise((r) => setTimeout(r, 50))
    expect(a.seqs()).toEqual(all)
    expect(b.seqs()).toEqual(all)
    expect(a.frames[0].msg).toEqual(store[0])
  })

  it('frames bodies of every length class (7-, 16- and 64-bit lengths, multi-byte UTF-8) the way ws reads them', async () => {
    const sizes = [0, 100, 125, 126, 1000, 65_535, 65_536, 200_000]
    const store = sizes.map((n, i) => msg(i + 1, '字'.repeat(Math.floor(n / 3)) + 'x'.repeat(n % 3)))
    const feed = feedOver(store)
    const a = await pair(0, feed)
    for (const m of store) {
      feed.offer(m)
      await new Promise((r) => setImmediate(r)) // one push per write, then several per write below
    }
    await until(() => a.seqs().length === store.length, 'all sizes')
    expect(a.frames.map((f) => f.msg)).toEqual(store)
  })

  it('gives a member that joined in the middle of a batch only the part after its cursor', async () => {
    const store = Array.from({ length: 10 }, (_, i) => msg(i + 1))
    const feed = feedOver(store)
    const early = await pair(0, feed)
    for (const m of store.slice(0, 5)) feed.offer(m) // released, written at the end of the turn
    const late = await pair(3, feed) // its snapshot held 1..3
    for (const m of store.slice(5)) feed.offer(m)
    await until(() => early.seqs().length === 10 && late.seqs().length === 7, 'both complete')
    await new Promise((r) => setTimeout(r, 50))
    expect(early.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(late.seqs()).toEqual([4, 5, 6, 7, 8, 9, 10])
  })

  it('writes released pushes before an event sent after them (flush first)', async () => {
    const store = [msg(1), msg(2)]
    const feed = feedOver(store)
    const a = await pair(0, feed)
    feed.offer(store[0])
    feed.offer(store[1])
    // What Hub.deliverEvent does for recalled/presence/read: flush, then the event.
    feed.flush()
    a.conn.sendFrame({ type: 'recalled', room: ROOM, seq: 2, by: 'u1' })
    await until(() => a.frames.length === 3, 'three frames')
    expect(a.frames.map((f) => f.type)).toEqual(['message', 'message', 'recalled'])
  })

  it('with a push window, a busy room writes at most once per window, and nothing is lost', async () => {
    const store = Array.from({ length: 20 }, (_, i) => msg(i + 1))
    const feed = feedOver(store, { pushWindowMs: 80 })
    const a = await pair(0, feed)
    const firstWrite = Date.now()
    feed.offer(store[0]) // quiet room: written at the end of this turn
    await until(() => a.seqs().length === 1, 'first push')
    for (const m of store.slice(1)) feed.offer(m) // busy now: waits for the window
    await until(() => a.seqs().length === 20, 'all 20')
    // (A lower bound only: a slow machine can make it later, never earlier.)
    expect(Date.now() - firstWrite).toBeGreaterThanOrEqual(75)
    expect(a.seqs()).toEqual(store.map((m) => m.seq))
  })

  it('a room with fewer local members than windowMinMembers never waits for the window', async () => {
    const store = [msg(1), msg(2)]
    const feed = feedOver(store, { pushWindowMs: 5000, windowMinMembers: 2 })
    const a = await pair(0, feed)
    feed.offer(store[0])
    await until(() => a.seqs().length === 1, 'first push')
    feed.offer(store[1]) // busy by the window's measure, but the room is small
    const t = Date.now()
    await until(() => a.seqs().length === 2, 'second push')
    expect(Date.now() - t).toBeLessThan(2500)
  })

  it('a tail check while a batch waits for its window sends nobody to the store', async () => {
    const store = [msg(1), msg(2), msg(3)]
    const { feed, reads } = countedFeed(store, { pushWindowMs: 60 })
    const a = await pair(0, feed)
    const b = await pair(0, feed)
    feed.offer(store[0])
    await until(() => a.seqs().length === 1 && b.seqs().length === 1, 'first push')
    feed.offer(store[1])
    feed.offer(store[2]) // released, waiting for the window
    feed.behind(3) // the upkeep's tail check: the node is not behind, nor is any member
    await until(() => a.seqs().length === 3 && b.seqs().length === 3, 'the batch')
    await new Promise((r) => setTimeout(r, 30))
    expect(reads()).toBe(0)
    expect(a.seqs()).toEqual([1, 2, 3])
    expect(b.seqs()).toEqual([1, 2, 3])
  })

  it('a tail check ahead of the node reads the store only if those seqs are still missing after the gap delay', async () => {
    const store = Array.from({ length: 4 }, (_, i) => msg(i + 1))
    const { feed, reads } = countedFeed(store)
    const a = await pair(0, feed)
    feed.offer(store[0])
    feed.behind(2) // seq 2 is committed, its publish on the way
    feed.offer(store[1]) // and here it is
    await new Promise((r) => setTimeout(r, 50))
    expect(reads()).toBe(0)
    feed.behind(4) // 3 and 4 were stored, and their publishes lost (the last ones: no later seq comes)
    await until(() => a.seqs().length === 4, 'filled from the store')
    expect(reads()).toBe(1)
    expect(a.seqs()).toEqual([1, 2, 3, 4])
  })

  it('fills a gap from the store before writing what comes after it', async () => {
    const store = Array.from({ length: 6 }, (_, i) => msg(i + 1))
    const feed = feedOver(store)
    const a = await pair(0, feed)
    for (const m of [store[0], store[1], store[4], store[5]]) feed.offer(m) // 3 and 4 never arrive
    await until(() => a.seqs().length === 6, 'gap filled')
    expect(a.seqs()).toEqual([1, 2, 3, 4, 5, 6])
  })
})
