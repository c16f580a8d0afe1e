import { describe, expect, it } from 'vitest'
import type { Message } from '@chat/protocol'
import { Timeline } from '../../src/engine/timeline'

const alice = { id: 'u_alice', name: 'Alice', avatar: null }
const bob = { id: 'u_bob', name: 'Bob', avatar: null }
const msg = (seq: number, over: Partial<Message> = {}): Message => ({
  room: 'lobby',
  seq,
  cid: `cid-${seq}-xxxx`,
  from: bob,
  kind: 'text',
  body: { text: `m${seq}` },
  ts: 1000 + seq,
  ...over,
})
const seqs = (tl: Timeline) => tl.messages.map((m) => m.seq)

describe('Timeline', () => {
  it('keeps messages in seq order whatever order they arrive in', () => {
    const tl = new Timeline('lobby')
    tl.insert([msg(5), msg(2), msg(9), msg(1), msg(7)])
    tl.insert([msg(3), msg(8)])
    expect(seqs(tl)).toEqual([1, 2, 3, 5, 7, 8, 9])
  })

  it('dedupes by seq and by sender+cid', () => {
    const tl = new Timeline('lobby')
    expect(tl.insert([msg(1), msg(2)])).toBe(2)
    expect(tl.insert([msg(2), msg(1)])).toBe(0)
    // Same sender and cid under another seq is the same message: not stored twice.
    expect(tl.insert([msg(3, { cid: 'cid-1-xxxx' })])).toBe(0)
    // Another sender may use the same cid.
    expect(tl.insert([msg(3, { cid: 'cid-1-xxxx', from: alice })])).toBe(1)
    expect(seqs(tl)).toEqual([1, 2, 3])
  })

  it('tracks the contiguous mark from the anchor and reports gaps', () => {
    const tl = new Timeline('lobby')
    tl.insert([msg(8), msg(9), msg(10)])
    tl.anchor(10)
    expect(tl.hwm).toBe(10)
    expect(tl.hasGap()).toBe(false)
    expect(tl.hasOlder).toBe(true)
    tl.insert([msg(13)])
    expect(tl.hwm).toBe(10)
    expect(tl.hasGap()).toBe(true)
    tl.insert([msg(11)])
    expect(tl.hwm).toBe(11)
    tl.insert([msg(12)])
    expect(tl.hwm).toBe(13)
    expect(tl.hasGap()).toBe(false)
    // The server saying a newer seq exists is a gap too.
    tl.noteLastSeq(15)
    expect(tl.hasGap()).toBe(true)
  })

  it('an empty room anchors at 0 and has nothing older', () => {
    const tl = new Timeline('lobby')
    tl.anchor(0)
    expect(tl.hwm).toBe(0)
    expect(tl.hasOlder).toBe(false)
    tl.insert([msg(1)])
    expect(tl.hwm).toBe(1)
  })

  it('older history goes below without moving the mark', () => {
    const tl = new Timeline('lobby')
    tl.insert([msg(31), msg(32)])
    tl.anchor(32)
    tl.insert([msg(29), msg(30)])
    expect(seqs(tl)).toEqual([29, 30, 31, 32])
    expect(tl.hwm).toBe(32)
    expect(tl.firstSeq).toBe(29)
  })

  it('turns an optimistic entry into the stored message on ack, once', () => {
    const tl = new Timeline('lobby')
    tl.anchor(4)
    tl.addPending({ room: 'lobby', cid: 'mine-0001', kind: 'text', body: { text: 'hi' }, from: alice, ts: 1, status: 'sending' })
    expect(tl.pending).toHaveLength(1)
    expect(tl.ack('mine-0001', 5, 99)).toBe(true)
    expect(tl.pending).toHaveLength(0)
    expect(tl.get(5)).toMatchObject({ cid: 'mine-0001', from: alice, ts: 99, body: { text: 'hi' } })
    expect(tl.hwm).toBe(5)
    // The push of the same message afterwards is a duplicate.
    expect(tl.insert([msg(5, { cid: 'mine-0001', from: alice })])).toBe(0)
    expect(tl.ack('mine-0001', 5, 99)).toBe(false)
    expect(tl.size).toBe(1)
  })

  it('the push of my own message settles the optimistic entry even before the ack', () => {
    const tl = new Timeline('lobby')
    tl.anchor(0)
    tl.addPending({ room: 'lobby', cid: 'mine-0002', kind: 'text', body: { text: 'yo' }, from: alice, ts: 1, status: 'sending' })
    tl.insert([msg(1, { cid: 'mine-0002', from: alice })])
    expect(tl.pending).toHaveLength(0)
    expect(tl.ack('mine-0002', 1, 5)).toBe(false)
    expect(tl.size).toBe(1)
    // Bob's message with my cid does not settle my pending one.
    tl.addPending({ room: 'lobby', cid: 'mine-0003', kind: 'text', body: { text: 'x' }, from: alice, ts: 1, status: 'sending' })
    tl.insert([msg(2, { cid: 'mine-0003', from: bob })])
    expect(tl.pending).toHaveLength(1)
  })

  it('recalls keep the seq and empty the body, from a frame or from history', () => {
    const tl = new Timeline('lobby')
    tl.insert([msg(1), msg(2), msg(3)])
    expect(tl.recall(2)).toBe(true)
    expect(tl.get(2)).toMatchObject({ seq: 2, recalled: true, body: {} })
    expect(tl.recall(2)).toBe(false)
    expect(tl.insert([msg(3, { recalled: true, body: {} })])).toBe(1)
    expect(tl.messages[2]).toMatchObject({ seq: 3, recalled: true })
    // A stale copy without the flag does not resurrect it.
    tl.insert([msg(3)])
    expect(tl.get(3)?.recalled).toBe(true)
    expect(tl.recall(99)).toBe(false)
  })

  it('counts likes and flowers and pairs answers with their questions', () => {
    const tl = new Timeline('lobby')
    tl.insert([
      msg(1, { kind: 'like', body: {} }),
      msg(2, { kind: 'flower', body: { count: 3 } }),
      msg(3, { kind: 'flower', body: {} }),
      msg(4, { kind: 'question', body: { text: 'why?' } }),
      msg(5, { kind: 'answer', body: { question: 4, text: 'because' }, from: alice }),
    ])
    expect(tl.likes).toBe(1)
    expect(tl.flowers).toBe(4)
    expect(tl.answers.get(4)?.seq).toBe(5)
    tl.recall(2)
    tl.recall(5)
    expect(tl.flowers).toBe(1)
    expect(tl.answers.has(4)).toBe(false)
  })

  it('ignores malformed messages', () => {
    const tl = new Timeline('lobby')
    expect(tl.insert([msg(0), msg(-1), msg(1.5), null as unknown as Message])).toBe(0)
  })

  it('bumps its version on every change and only then', () => {
    const tl = new Timeline('lobby')
    const v0 = tl.version
    tl.insert([msg(1)])
    const v1 = tl.version
    tl.insert([msg(1)])
    expect(v1).toBeGreaterThan(v0)
    expect(tl.version).toBe(v1)
  })
})
