// EventBatch over real loopback WebSockets: presence frames held to the end of the turn
// reach each client as ordinary text frames, in the order given, in one TCP write per
// socket, and not for a room the socket left in between.
import { expect, it } from 'vitest'
import { Connection } from '../../src/realtime/connection'
import { EventBatch } from '../../src/realtime/event-batch'
import { textFrame } from '../../src/realtime/frame'
import { countWrites, useLoopbackWs } from '../helpers/loopback-ws'

const ws = useLoopbackWs()

async function pair(rooms: string[]) {
  const got: Array<{ room: string; n: number }> = []
  const { server: socket, n } = await ws.open((data, binary) => {
    expect(binary).toBe(false)
    got.push(JSON.parse(String(data)))
  })
  const conn = new Connection(`c${n}`, socket, '127.0.0.1', 1 << 20, () => {})
  for (const room of rooms) conn.rooms.set(room, { cursor: 0, filling: false })
  return { conn, got, writes: countWrites(socket) }
}

const until = async (ok: () => boolean, what: string) => {
  for (const end = Date.now() + 5000; !ok(); ) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

it('a burst of frames reaches each socket in order, in one write per socket', async () => {
  const a = await pair(['r1', 'r2'])
  const b = await pair(['r1'])
  const batch = new EventBatch()
  for (let n = 0; n < 50; n++) {
    const text = JSON.stringify({ room: 'r1', n })
    const frame = textFrame(text)
    batch.add(a.conn, 'r1', frame, text)
    batch.add(b.conn, 'r1', frame, text)
  }
  const t2 = JSON.stringify({ room: 'r2', n: 50 })
  batch.add(a.conn, 'r2', textFrame(t2), t2)
  expect(a.writes() + b.writes()).toBe(0) // held until the end of the turn
  await until(() => a.got.length === 51 && b.got.length === 50, 'all frames')
  expect(a.got.map((f) => f.n)).toEqual([...Array(51).keys()])
  expect(b.got.map((f) => f.n)).toEqual([...Array(50).keys()])
  expect(a.writes()).toBe(1)
  expect(b.writes()).toBe(1)
})

it('a socket that left the room before the write is not told about it; closed sockets get nothing', async () => {
  const a = await pair(['r1', 'r2'])
  const b = await pair(['r1'])
  const batch = new EventBatch()
  const t1 = JSON.stringify({ room: 'r1', n: 1 })
  const t2 = JSON.stringify({ room: 'r2', n: 2 })
  batch.add(a.conn, 'r1', textFrame(t1), t1)
  batch.add(a.conn, 'r2', textFrame(t2), t2)
  batch.add(b.conn, 'r1', textFrame(t1), t1)
  a.conn.rooms.delete('r1')
  b.conn.close(1000, 'bye')
  await until(() => a.got.length === 1, 'the r2 frame')
  await new Promise((r) => setTimeout(r, 50))
  expect(a.got).toEqual([{ room: 'r2', n: 2 }])
  expect(b.got).toEqual([])
})
