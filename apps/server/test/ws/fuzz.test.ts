import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { cid, login, TestClient } from '../helpers/client'
import { startServer, type TestServer } from '../helpers/app'

const CONTRACT_CLOSES = [1003, 1009, 4001, 4002, 4003, 4008, 4009]

let s: TestServer
let dm: string
let owner: Awaited<ReturnType<typeof login>>
beforeAll(async () => {
  s = await startServer({ FRAME_RATE_LIMIT: '100000', SEND_RATE_LIMIT: '100000' })
  owner = await login(s.url, 'Owner')
  const friend = await login(s.url, 'Friend')
  dm = [owner.user.id, friend.user.id].sort().join(':').replace(/^/, 'dm:')
  const c = await TestClient.connect(s.wsUrl, owner.token)
  // A dm opens between members of a common group room (v1.1 §H).
  const f = await TestClient.connect(s.wsUrl, friend.token)
  await f.request({ type: 'join', room: 'fuzz-common' })
  f.close()
  await c.request({ type: 'join', room: 'fuzz-common' })
  await c.request({ type: 'join', room: dm })
  for (let i = 0; i < 3; i++) await c.request({ type: 'send', room: dm, cid: cid(), kind: 'text', body: { text: `keep ${i}` } })
  c.close()
})
afterAll(async () => {
  await s.close()
})

const anyValue = fc.oneof(fc.jsonValue(), fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant('__proto__'))
const frame = (room: string) =>
  fc.oneof(
    fc
      .record(
        {
          type: fc.constantFrom('hello', 'join', 'leave', 'send', 'history', 'typing', 'read', 'recall', 'ping', 'nope', '__proto__'),
          room: fc.oneof(fc.constant(room), anyValue),
          cid: fc.oneof(fc.constant('abcdefgh12'), anyValue),
          kind: fc.oneof(fc.constantFrom('text', 'image', 'like', 'flower', 'question', 'answer'), anyValue),
          body: fc.oneof(fc.record({ text: fc.string() }), anyValue),
          seq: anyValue,
          after: anyValue,
          before: anyValue,
          limit: anyValue,
          id: anyValue,
        },
        { requiredKeys: ['type'] },
      )
      .map((f) => JSON.stringify(f)),
    fc.string({ maxLength: 200 }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.constant(`{"type":"send","room":"${room}","__proto__":{"cid":"abcdefgh12"},"kind":"text","body":{"text":"x"}}`),
  )

it('random and mutated frames never crash the node, always get an answer or a contract close, and never touch stored history', async () => {
  const intruder = await login(s.url, 'Intruder')
  const frames = fc.sample(frame(dm), { numRuns: 400, seed: 42 })
  let c = await TestClient.connect(s.wsUrl, intruder.token)
  let closes = 0
  for (const [i, f] of frames.entries()) {
    c.send(f)
    c.send({ type: 'ping', id: `after-${i}` })
    try {
      await c.waitFor((x) => x.id === `after-${i}`, 5000)
    } catch {
      // Only a close from the contract's table may end the socket.
      const code = await c.waitClose(5000)
      expect(CONTRACT_CLOSES).toContain(code)
      closes++
      c = await TestClient.connect(s.wsUrl, intruder.token)
    }
  }
  const errors = c.frames.filter((x) => x.type === 'error')
  expect(errors.every((e) => typeof e.code === 'string' && typeof e.message === 'string')).toBe(true)
  c.close()

  const check = await TestClient.connect(s.wsUrl, owner.token)
  await check.request({ type: 'join', room: dm })
  const h = await check.request({ type: 'history', room: dm, after: 0 })
  expect(h.messages.map((m: any) => m.body.text)).toEqual(['keep 0', 'keep 1', 'keep 2'])
  expect(await check.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
  check.close()
  expect(closes).toBeLessThan(frames.length)
}, 120_000)
