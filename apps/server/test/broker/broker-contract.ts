/**
 * The Broker contract, run against every implementation. A "node" is one Broker instance;
 * `nodes(n)` gives n of them on one bus. The in-memory broker is a single-process bus, so
 * its harness hands out the same instance for every node.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { Broker } from '../../src/broker/types'
import { eventually } from '../helpers/redis-server'

export interface BrokerHarness {
  /** A fresh, not yet started broker for a node; all of one test share a bus. */
  make(nodeId: string): Broker | Promise<Broker>
  /** false for MemoryBroker: every "node" is the same instance. */
  multiNode: boolean
  /** Channel names that between them land on every shard (cluster), else any. */
  spreadChannels?(count: number): string[]
  /** Connections still open for a node after close (Redis: CLIENT LIST), if checkable. */
  openConnections?(nodeId: string): Promise<number>
}

interface Node {
  id: string
  broker: Broker
  got: Array<[string, string]>
  reconnects: number
}

export function brokerContract(name: string, harness: () => BrokerHarness): void {
  describe(`Broker contract: ${name}`, () => {
    const open: Broker[] = []
    const uniq = () => `t${randomBytes(4).toString('hex')}`

    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close().catch(() => {})))
    })

    async function nodes(n: number): Promise<Node[]> {
      const h = harness()
      const count = h.multiNode ? n : 1
      const made: Node[] = []
      for (let i = 0; i < count; i++) {
        const id = `${uniq()}-n${i}`
        const broker = await h.make(id)
        const node: Node = { id, broker, got: [], reconnects: 0 }
        open.push(broker)
        await broker.start({
          onMessage: (ch, data) => node.got.push([ch, data]),
          onReconnect: () => node.reconnects++,
        })
        made.push(node)
      }
      return Array.from({ length: n }, (_, i) => made[h.multiNode ? i : 0])
    }

    const on = (n: Node, ch: string) => n.got.filter(([c]) => c === ch).map(([, d]) => d)

    it('is healthy once started', async () => {
      const [a] = await nodes(1)
      expect(a.broker.healthy()).toBe(true)
    })

    it('delivers a publication to the subscribers on every node, from any node', async () => {
      const [a, b] = await nodes(2)
      const ch = `room:${uniq()}`
      await a.broker.subscribe(ch)
      await b.broker.subscribe(ch)
      await a.broker.publish(ch, 'from-a')
      await b.broker.publish(ch, 'from-b')
      await eventually(() => on(a, ch).length === 2 && on(b, ch).length === 2, 5000, 'both frames on both nodes')
      expect(on(a, ch).sort()).toEqual(['from-a', 'from-b'])
      expect(on(b, ch).sort()).toEqual(['from-a', 'from-b'])
    })

    it('delivers only on the channels a node subscribed', async () => {
      const [a, b] = await nodes(2)
      const mine = `room:${uniq()}`
      const other = `room:${uniq()}`
      await b.broker.subscribe(mine)
      await a.broker.publish(other, 'not for b')
      await a.broker.publish(mine, 'for b')
      await eventually(() => on(b, mine).length === 1, 5000, 'frame on the subscribed channel')
      expect(on(b, other)).toEqual([])
      expect(b.got.map(([c]) => c)).toEqual([mine])
    })

    it('stops delivering after unsubscribe', async () => {
      const [a, b] = await nodes(2)
      const ch = `room:${uniq()}`
      const marker = `room:${uniq()}`
      await b.broker.subscribe(ch)
      await b.broker.subscribe(marker)
      await a.broker.publish(ch, 'before')
      await eventually(() => on(b, ch).length === 1, 5000, 'frame before unsubscribe')
      await b.broker.unsubscribe(ch)
      await a.broker.publish(ch, 'after')
      // The marker is published after "after" by the same publisher: once it is in, so would "after" be.
      await a.broker.publish(marker, 'marker')
      await eventually(() => on(b, marker).length === 1, 5000, 'marker frame')
      expect(on(b, ch)).toEqual(['before'])
    })

    it('passes payloads through byte for byte (unicode, control characters, 60 KiB)', async () => {
      const [a, b] = await nodes(2)
      const ch = `room:${uniq()}`
      await b.broker.subscribe(ch)
      const payloads = [
        JSON.stringify({ text: '你好，世界 👋🏽 é' + 'e\u0301' + ' עברית 🇨🇳', n: 1 }),
        '',
        ' leading and trailing spaces ',
        'line1\nline2\r\n\ttab \u0000 nul \u2028 sep',
        '\uD83D\uDE00 \uFFFD \u00A0',
        JSON.stringify({ big: 'x'.repeat(60 * 1024), emoji: '😀'.repeat(100) }),
      ]
      for (const p of payloads) await a.broker.publish(ch, p)
      await eventually(() => on(b, ch).length === payloads.length, 5000, 'all payloads')
      const got = on(b, ch)
      expect(got).toEqual(payloads)
      expect(got.map((s) => Buffer.from(s, 'utf8').toString('hex'))).toEqual(payloads.map((s) => Buffer.from(s, 'utf8').toString('hex')))
    })

    it('keeps the order of one publisher on one channel (publishes issued in one tick)', async () => {
      const [a, b] = await nodes(2)
      const ch = `room:${uniq()}`
      await b.broker.subscribe(ch)
      const n = 500
      await Promise.all(Array.from({ length: n }, (_, i) => a.broker.publish(ch, String(i))))
      await eventually(() => on(b, ch).length === n, 10_000, `${n} frames`)
      expect(on(b, ch)).toEqual(Array.from({ length: n }, (_, i) => String(i)))
    })

    it('ends in the state of the last call when subscribe and unsubscribe overlap', async () => {
      const [a, b] = await nodes(2)
      const wantOn = `room:${uniq()}`
      const wantOff = `room:${uniq()}`
      const ops: Array<Promise<void>> = []
      for (let i = 0; i < 10; i++) {
        ops.push(b.broker.subscribe(wantOn), b.broker.unsubscribe(wantOn))
        ops.push(b.broker.unsubscribe(wantOff), b.broker.subscribe(wantOff))
      }
      ops.push(b.broker.subscribe(wantOn), b.broker.unsubscribe(wantOff))
      await Promise.all(ops)
      const marker = `room:${uniq()}`
      await b.broker.subscribe(marker)
      await a.broker.publish(wantOff, 'off')
      await a.broker.publish(wantOn, 'on')
      await a.broker.publish(marker, 'marker')
      await eventually(() => on(b, marker).length === 1 && on(b, wantOn).length === 1, 5000, 'frames')
      expect(on(b, wantOn)).toEqual(['on'])
      expect(on(b, wantOff)).toEqual([])
    })

    it('handles many channels at once (spread over every shard)', async () => {
      const h = harness()
      const [a, b] = await nodes(2)
      const chans = h.spreadChannels?.(24) ?? Array.from({ length: 24 }, () => `room:${uniq()}`)
      await Promise.all(chans.map((c) => b.broker.subscribe(c)))
      await Promise.all(chans.map((c, i) => a.broker.publish(c, `m${i}`)))
      await eventually(() => chans.every((c) => on(b, c).length === 1), 5000, 'a frame on every channel')
      chans.forEach((c, i) => expect(on(b, c)).toEqual([`m${i}`]))
      await Promise.all(chans.slice(0, 12).map((c) => b.broker.unsubscribe(c)))
      await Promise.all(chans.map((c, i) => a.broker.publish(c, `again${i}`)))
      await eventually(() => chans.slice(12).every((c) => on(b, c).length === 2), 5000, 'second round')
      chans.slice(0, 12).forEach((c) => expect(on(b, c)).toHaveLength(1))
    })

    it('releases everything on close: no delivery, publish rejects, connections gone', async () => {
      const h = harness()
      const [a, b] = await nodes(2)
      const ch = `room:${uniq()}`
      await a.broker.subscribe(ch)
      await b.broker.subscribe(ch)
      if (h.multiNode && h.openConnections) expect(await h.openConnections(b.id)).toBeGreaterThan(0)
      await b.broker.close()
      expect(b.broker.healthy()).toBe(false)
      await expect(b.broker.publish(ch, 'x')).rejects.toThrow()
      if (h.multiNode) {
        const marker = `room:${uniq()}`
        await a.broker.subscribe(marker)
        await a.broker.publish(ch, 'after close')
        await a.broker.publish(marker, 'm')
        await eventually(() => on(a, marker).length === 1, 5000, 'marker')
        expect(on(a, ch)).toEqual(['after close'])
        expect(on(b, ch)).toEqual([])
        if (h.openConnections) expect(await h.openConnections(b.id)).toBe(0)
      }
      await b.broker.close() // twice is fine
    })
  })
}
