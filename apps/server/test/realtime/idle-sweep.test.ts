// The idle sweep visits every socket once per period even while the sockets before it in
// the set come and go (a slice by position would skip some and ping others twice).
import { expect, it } from 'vitest'
import { SliceClock } from '../../src/lib/slices'
import { sweepIdle, type Sweepable } from '../../src/realtime/idle-sweep'

function socketFor(id: string, lastSeen: number, log: string[]): Sweepable {
  return {
    id,
    lastSeen,
    socket: { readyState: 1, ping: () => log.push(`ping ${id}`), terminate: () => log.push(`drop ${id}`) },
  }
}

it('pings each socket once per period while one socket before it leaves every tick', () => {
  const log: string[] = []
  const start = Date.now()
  const clock = new SliceClock(10, 100, start)
  const conns = new Set<Sweepable>()
  for (let i = 0; i < 10; i++) conns.add(socketFor(`c_leaving${i}`, start, log))
  const stay = Array.from({ length: 40 }, (_, i) => socketFor(`c_staying${i}`, start, log))
  for (const c of stay) conns.add(c)
  for (let tick = 0; tick < 10; tick++) {
    sweepIdle(conns, clock, start - 1000, start + tick * 100 + 1)
    conns.delete([...conns][0]) // the first socket in the set leaves
  }
  for (const c of stay)
    expect(
      log.filter((l) => l === `ping ${c.id}`),
      c.id,
    ).toHaveLength(1)
  expect(log.some((l) => l.startsWith('drop'))).toBe(false)
})

it('drops a socket silent since the deadline and pings the others of the slices due', () => {
  const log: string[] = []
  const now = Date.now()
  const clock = new SliceClock(1, 100, now)
  sweepIdle([socketFor('c_quiet', now - 10, log), socketFor('c_gone', now - 5000, log)], clock, now - 1000, now)
  expect(log).toEqual(['ping c_quiet', 'drop c_gone'])
})
