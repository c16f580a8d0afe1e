// Connection over real loopback WebSockets: what send() is given in one turn leaves in one
// TCP write, in order, together with pushes written in that turn; a close says it first.
import { expect, it } from 'vitest'
import { Connection } from '../../src/realtime/connection'
import { textFrame } from '../../src/realtime/frame'
import { countWrites, useLoopbackWs } from '../helpers/loopback-ws'

const ws = useLoopbackWs()

async function pair() {
  const got: unknown[] = []
  let closeCode = 0
  const { client, server: socket, n } = await ws.open((data) => got.push(JSON.parse(String(data))))
  client.on('close', (code) => (closeCode = code))
  const conn = new Connection(`c${n}`, socket, '127.0.0.1', 1 << 20, () => {})
  return { conn, got, writes: countWrites(socket), closeCode: () => closeCode }
}

const until = async (ok: () => boolean, what: string) => {
  for (const end = Date.now() + 5000; !ok(); ) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

it('frames sent in one turn leave in one write at its end, in order', async () => {
  const a = await pair()
  for (let n = 0; n < 20; n++) a.conn.sendFrame({ type: 'ack', room: 'r', cid: `c${n}`, seq: n + 1, ts: 1 })
  expect(a.writes()).toBe(0)
  await new Promise((r) => setImmediate(r))
  expect(a.writes()).toBe(1)
  await until(() => a.got.length === 20, '20 acks')
  expect(a.got.map((f) => (f as { seq: number }).seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
})

it('pushes written in the turn go out after the held frames, in the same write', async () => {
  const a = await pair()
  a.conn.sendFrame({ type: 'ack', room: 'r', cid: 'x', seq: 1, ts: 1 })
  const push = JSON.stringify({ type: 'message', room: 'r', msg: { seq: 1 } })
  a.conn.sendFrames(textFrame(push), () => [push])
  expect(a.writes()).toBe(1)
  await until(() => a.got.length === 2, 'ack and push')
  expect(a.got.map((f) => (f as { type: string }).type)).toEqual(['ack', 'message'])
  await new Promise((r) => setImmediate(r))
  expect(a.writes()).toBe(1)
})

it('a close writes what was held before the close frame', async () => {
  const a = await pair()
  a.conn.sendFrame({ type: 'error', code: 'bad_request', message: 'no' })
  a.conn.close(4000, 'bye')
  await until(() => a.closeCode() !== 0, 'close')
  expect(a.got).toEqual([{ type: 'error', code: 'bad_request', message: 'no' }])
  expect(a.closeCode()).toBe(4000)
})
