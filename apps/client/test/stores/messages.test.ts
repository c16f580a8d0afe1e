import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ACK_TIMEOUT_MS } from '../../src/engine/outbox'
import { GAP_DEBOUNCE_MS, RESYNC_LIMIT } from '../../src/stores/messages'
import { alice, advance, bob, bootStores } from '../support/store-setup'

const seqs = (msgs: readonly { seq: number }[]) => msgs.map((m) => m.seq)
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i)

async function inLobby(prefill = 0) {
  const env = bootStores()
  for (let i = 1; i <= prefill; i++) env.server.inject('lobby', bob, `old ${i}`)
  await advance(1)
  await env.messages.join('lobby')
  await advance(1)
  return { ...env, tl: () => env.messages.timeline('lobby')! }
}

describe('messages store', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('joins with the latest page and loads older history on demand', async () => {
    const { messages, tl } = await inLobby(50)
    expect(seqs(tl().messages)).toEqual(range(21, 50))
    expect(tl().hwm).toBe(50)
    expect(tl().hasOlder).toBe(true)
    await messages.loadOlder('lobby')
    await messages.loadOlder('lobby')
    expect(seqs(tl().messages)).toEqual(range(1, 50))
    expect(tl().hasOlder).toBe(false)
  })

  it('appends live messages in order and drops duplicates', async () => {
    const { server, tl, messages } = await inLobby(2)
    const v = messages.versions.lobby
    const m3 = server.inject('lobby', bob, 'three')
    server.last.push({ type: 'message', room: 'lobby', msg: m3 })
    server.last.push({ type: 'message', room: 'lobby', msg: m3 })
    expect(seqs(tl().messages)).toEqual([1, 2, 3])
    expect(messages.versions.lobby).toBeGreaterThan(v)
  })

  it('shows a send at once, then turns it into the stored message on ack (one entry)', async () => {
    const { server, messages, tl } = await inLobby(1)
    server.silent = true
    const r = messages.send('lobby', 'text', { text: '  你好  ' })
    expect(r.ok).toBe(true)
    expect(tl().pending).toMatchObject([{ status: 'sending', body: { text: '你好' }, from: alice }])
    server.silent = false
    const frame = server.last.sent.find((f) => f.type === 'send')!
    server.handle(server.last, frame)
    await advance(1)
    expect(tl().pending).toHaveLength(0)
    expect(tl().messages.map((m) => [m.seq, m.from.id, (m.body as { text: string }).text])).toEqual([
      [1, 'u_bob', 'old 1'],
      [2, 'u_alice', '你好'],
    ])
  })

  it('refuses an empty or too long text before sending anything', async () => {
    const { server, messages, tl } = await inLobby()
    expect(messages.send('lobby', 'text', { text: '   ' })).toMatchObject({ ok: false, error: 'bad_request' })
    expect(messages.send('lobby', 'text', { text: '字'.repeat(4001) })).toMatchObject({ ok: false })
    expect(tl().pending).toHaveLength(0)
    expect(server.last.sent.filter((f) => f.type === 'send')).toHaveLength(0)
  })

  it('marks a send failed when no ack comes, and a tap retries it with the same cid', async () => {
    const { server, messages, tl } = await inLobby()
    server.dropAcks = true
    server.dropPushes = true
    const r = messages.send('lobby', 'text', { text: 'hello' })
    if (!r.ok) throw new Error('send refused')
    await advance(ACK_TIMEOUT_MS - 10)
    expect(tl().pending[0].status).toBe('sending')
    await advance(20)
    expect(tl().pending[0]).toMatchObject({ status: 'failed', error: 'timeout' })
    server.dropAcks = false
    server.dropPushes = false
    expect(messages.retry('lobby', r.cid)).toBe(true)
    expect(tl().pending[0].status).toBe('sending')
    await advance(1)
    const sends = server.last.sent.filter((f) => f.type === 'send')
    expect(sends.map((f) => (f as { cid: string }).cid)).toEqual([r.cid, r.cid])
    // Stored once on the server, shown once on the client.
    expect(server.room('lobby').messages).toHaveLength(1)
    expect(tl().pending).toHaveLength(0)
    expect(seqs(tl().messages)).toEqual([1])
  })

  it('resends the outbox after a reconnect with the same cid; nothing is lost or doubled', async () => {
    const { server, messages, tl } = await inLobby()
    // The link dies before the server reads the sends.
    server.silent = true
    const r = messages.send('lobby', 'text', { text: 'through the tunnel' })
    const r2 = messages.send('lobby', 'text', { text: 'second' })
    await advance(1)
    expect(server.room('lobby').messages).toHaveLength(0)
    server.silent = false
    server.last.kill(1006)
    await advance(2000) // backoff, reconnect, resume
    expect(server.live).toHaveLength(1)
    const resent = server.last.sent.filter((f) => f.type === 'send').map((f) => (f as { cid: string }).cid)
    expect(resent).toEqual([r.ok && r.cid, r2.ok && r2.cid])
    expect(server.room('lobby').messages.map((m) => m.cid)).toEqual(resent)
    expect(tl().pending).toHaveLength(0)
    expect(tl().messages.map((m) => (m.body as { text: string }).text)).toEqual(['through the tunnel', 'second'])
  })

  it('a send stored but never acked is settled by the resume and not stored twice', async () => {
    const { server, messages, tl } = await inLobby()
    server.dropAcks = true
    server.dropPushes = true
    messages.send('lobby', 'text', { text: 'once' })
    await advance(1)
    server.dropAcks = false
    server.dropPushes = false
    server.last.kill(1006)
    await advance(2000)
    // Even if the client resends (it may, racing the resume), the server dedupes by cid.
    expect(server.room('lobby').messages).toHaveLength(1)
    expect(tl().pending).toHaveLength(0)
    expect(seqs(tl().messages)).toEqual([1])
  })

  it('queues sends made while offline and delivers them once back', async () => {
    const { server, messages, tl, chat } = await inLobby()
    server.down = true
    server.last.kill(1006)
    await advance(1)
    messages.send('lobby', 'text', { text: 'offline 1' })
    await advance(ACK_TIMEOUT_MS + 1)
    expect(tl().pending[0].status).toBe('failed')
    server.down = false
    chat.onNetwork(true)
    await advance(1)
    expect(tl().pending).toHaveLength(0)
    expect(tl().messages.map((m) => (m.body as { text: string }).text)).toEqual(['offline 1'])
  })

  it('does not resend a message the server refused for good (muted) until tapped', async () => {
    const { server, messages, tl } = await inLobby()
    server.muted.add(alice.id)
    const r = messages.send('lobby', 'text', { text: 'shh' })
    await advance(1)
    expect(tl().pending[0]).toMatchObject({ status: 'failed', error: 'muted', permanent: true })
    server.last.kill(1012)
    await advance(2000)
    const sends = server.sockets.flatMap((s) => s.sent).filter((f) => f.type === 'send')
    expect(sends).toHaveLength(1)
    server.muted.clear()
    messages.retry('lobby', r.ok ? r.cid : '')
    await advance(1)
    expect(tl().pending).toHaveLength(0)
    expect(tl().size).toBe(1)
  })

  it('repairs a gap in pushes with history after', async () => {
    const { server, tl } = await inLobby(3)
    server.inject('lobby', bob, 'lost 4', { push: false })
    server.inject('lobby', bob, 'lost 5', { push: false })
    server.inject('lobby', bob, 'six')
    expect(seqs(tl().messages)).toEqual([1, 2, 3, 6])
    expect(tl().hwm).toBe(3)
    await advance(GAP_DEBOUNCE_MS + 1)
    expect(seqs(tl().messages)).toEqual(range(1, 6))
    expect(tl().hwm).toBe(6)
    const hist = server.last.sent.filter((f) => f.type === 'history')
    expect(hist).toEqual([expect.objectContaining({ after: 3 })])
  })

  it('a gap that closes by itself within the debounce costs no request', async () => {
    const { server, tl } = await inLobby(1)
    const m2 = server.inject('lobby', bob, 'two', { push: false })
    server.inject('lobby', bob, 'three')
    server.last.push({ type: 'message', room: 'lobby', msg: m2 })
    await advance(GAP_DEBOUNCE_MS + 1)
    expect(seqs(tl().messages)).toEqual([1, 2, 3])
    expect(server.last.sent.filter((f) => f.type === 'history')).toHaveLength(0)
  })

  it('comes back from the background with every message missed, resuming from the last seq', async () => {
    const { server, chat, tl } = await inLobby(5)
    chat.onHide()
    expect(server.live).toHaveLength(0)
    for (let i = 0; i < 450; i++) server.inject('lobby', bob, `while away ${i}`)
    await advance(60_000)
    chat.onShow()
    await advance(1)
    const hello = server.last.sent[0]
    expect(hello).toMatchObject({ type: 'hello', resume: { lobby: 5 } })
    // 200 came with the resumed join, the rest through history after.
    expect(tl().hwm).toBe(455)
    expect(seqs(tl().messages)).toEqual(range(1, 455))
    expect(server.last.sent.filter((f) => f.type === 'history').map((f) => (f as { after?: number }).after)).toEqual([205, 305, 405])
  })

  it('after a very long absence it starts over from the newest page', async () => {
    const { server, chat, tl } = await inLobby(5)
    chat.onHide()
    for (let i = 0; i < RESYNC_LIMIT + 10; i++) server.store('lobby', bob, 'text', { text: `x${i}` })
    chat.onShow()
    await advance(1)
    const last = RESYNC_LIMIT + 15
    expect(tl().hwm).toBe(last)
    expect(tl().messages[tl().size - 1].seq).toBe(last)
    expect(tl().size).toBeLessThanOrEqual(30)
    expect(tl().hasOlder).toBe(true)
  })

  it('joins rooms opened while offline as soon as it connects', async () => {
    const env = bootStores()
    env.server.down = true
    await advance(1)
    await env.messages.join('later')
    expect(env.messages.isJoined('later')).toBe(false)
    env.server.down = false
    env.chat.onNetwork(true)
    await advance(1)
    expect(env.messages.isJoined('later')).toBe(true)
    expect(env.server.last.sent.filter((f) => f.type === 'join')).toEqual([expect.objectContaining({ room: 'later' })])
  })

  it('applies recalls from anyone, including my own request', async () => {
    const { server, messages, tl } = await inLobby(2)
    await messages.recall('lobby', 2)
    await advance(1)
    expect(tl().get(2)).toMatchObject({ recalled: true, body: {} })
    expect(tl().get(1)?.recalled).toBeUndefined()
    const err = await messages.recall('lobby', 99).catch((e) => e.code)
    expect(err).toBe('not_found')
    expect(server.room('lobby').messages[1].recalled).toBe(true)
  })

  it('sends read marks only when they move forward', async () => {
    const { server, messages } = await inLobby(3)
    messages.markRead('lobby')
    messages.markRead('lobby')
    server.inject('lobby', bob, 'four')
    messages.markRead('lobby')
    const reads = server.last.sent.filter((f) => f.type === 'read')
    expect(reads.map((f) => (f as { seq: number }).seq)).toEqual([3, 4])
  })

  it('a kick stops the room from resuming', async () => {
    const { server, messages, chat } = await inLobby(1)
    server.last.push({ type: 'kicked', room: 'lobby' })
    expect(messages.joinError.lobby).toBe('kicked')
    chat.onHide()
    chat.onShow()
    await advance(1)
    expect(server.last.sent[0]).not.toHaveProperty('resume')
  })

  it('records a refused join (a dm that is not mine) without retrying it', async () => {
    const env = bootStores()
    await advance(1)
    env.server.last.push({ type: 'error', id: 9999, code: 'forbidden', message: 'x' }) // unrelated, ignored
    const orig = env.server.handle.bind(env.server)
    env.server.handle = (s, f) =>
      f.type === 'join' ? s.push({ type: 'error', id: f.id, code: 'forbidden', message: 'not yours' }) : orig(s, f)
    await env.messages.join('dm:u_x:u_y')
    expect(env.messages.joinError['dm:u_x:u_y']).toBe('forbidden')
    expect(env.messages.isJoined('dm:u_x:u_y')).toBe(false)
  })
})
