import type { Message } from '@chat/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Broker } from '../../src/broker/types'
import { decodeEnvelope } from '../../src/realtime/envelope'
import { Outbox } from '../../src/realtime/outbox'
import { cid, login, ROOMY, startTwoNodes, TestClient, type TwoNodes } from '../contract/support'

const msg = (room: string, seq: number): Message => ({
  room,
  seq,
  cid: `c${seq}`,
  from: { id: 'u', name: 'U', avatar: null },
  kind: 'text',
  body: { text: String(seq) },
  ts: 1,
})
const turn = () => new Promise((r) => setImmediate(r))

describe('Outbox', () => {
  it('publishes a turn’s messages once per room, in order', async () => {
    const sent: Array<[string, number[]]> = []
    const box = new Outbox((room, ms) => sent.push([room, ms.map((m) => m.seq)]))
    box.add(msg('a', 1))
    box.add(msg('b', 7))
    box.add(msg('a', 2))
    expect(sent).toEqual([])
    await turn()
    expect(sent).toEqual([
      ['a', [1, 2]],
      ['b', [7]],
    ])
    box.add(msg('a', 3))
    await turn()
    expect(sent.at(-1)).toEqual(['a', [3]])
  })

  it('flush publishes at once and leaves nothing for the end of the turn', async () => {
    const sent: number[][] = []
    const box = new Outbox((_room, ms) => sent.push(ms.map((m) => m.seq)))
    box.add(msg('a', 1))
    box.flush()
    expect(sent).toEqual([[1]])
    await turn()
    expect(sent).toEqual([[1]])
  })
})

describe('two nodes', () => {
  let c: TwoNodes
  beforeAll(async () => {
    c = await startTwoNodes('outbox', ['ob-1', 'ob-2'], ROOMY)
  })
  afterAll(async () => {
    await c?.close()
  })

  it('a burst of sends crosses to the other node in fewer publishes, every message in order', async () => {
    const room = `ob-${Math.random().toString(36).slice(2, 8)}`
    const alice = await login(c.n1.url, 'Alice')
    const bob = await login(c.n2.url, 'Bob')
    const a = await TestClient.connect(c.n1.wsUrl, alice.token)
    const b = await TestClient.connect(c.n2.wsUrl, bob.token)
    await a.request({ type: 'join', room })
    await b.request({ type: 'join', room })
    const broker = c.n1.app.broker as Broker
    const original = broker.publish.bind(broker)
    const published: Array<{ k: string; n: number }> = []
    broker.publish = (channel, data) => {
      const env = decodeEnvelope(data)
      if (channel.endsWith(`room:${room}`) && env && (env.k === 'm' || env.k === 'ms')) {
        published.push({ k: env.k, n: env.k === 'ms' ? env.ms.length : 1 })
      }
      return original(channel, data)
    }
    try {
      for (let i = 1; i <= 40; i++) a.send({ type: 'send', room, cid: cid(), kind: 'text', body: { text: `m${i}` } })
      const got = await b.waitCount((f) => f.type === 'message' && f.room === room, 40)
      expect(got.map((f) => f.msg.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
      expect(published.reduce((s, p) => s + p.n, 0)).toBe(40)
      expect(published.length).toBeLessThan(40)
      expect(published.some((p) => p.k === 'ms')).toBe(true)
    } finally {
      broker.publish = original
      a.close()
      b.close()
    }
  })
})
