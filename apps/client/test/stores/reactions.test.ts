// The reactions store against the fake server: react frames out (string ids, no reply on
// success), reactions pushes in — totals, bounded sprites, the names line — and refusals.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ReactFrame, User } from '@chat/protocol'
import { HOLD_MS, MAX_SPRITES } from '../../src/engine/reactions'
import { LINE_MS, SPRITE_MS, useReactionsStore } from '../../src/stores/reactions'
import { advance, alice, bob, bootStores } from '../support/store-setup'

const carol: User = { id: 'u_carol', name: 'Carol', avatar: null }
const dave: User = { id: 'u_dave', name: 'Dave', avatar: null }
const erin: User = { id: 'u_erin', name: 'Erin', avatar: null }

async function inClass(stats = { likes: 7, flowers: 2 }) {
  const env = bootStores()
  env.server.room('class').info.stats = stats
  await advance(1)
  const reactions = useReactionsStore()
  await env.messages.join('class')
  const push = (likes: number, flowers: number, from: User[]) =>
    env.server.last.push({ type: 'reactions', room: 'class', stats: { likes, flowers }, from })
  const reacts = () => env.server.last.sent.filter((f): f is ReactFrame => f.type === 'react')
  return { ...env, reactions, push, reacts }
}

describe('reactions store', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('starts from joined.room.stats, without any animation', async () => {
    const { reactions } = await inClass()
    expect(reactions.stats.class).toEqual({ likes: 7, flowers: 2 })
    expect(reactions.sprites.class ?? []).toEqual([])
    expect(reactions.lines.class).toBeUndefined()
  })

  it('sends a like and flowers at once as react frames (string ids, a like without count) and counts them at once', async () => {
    const { reactions, reacts } = await inClass()
    expect(reactions.react('class', 'like')).toBeNull()
    expect(reactions.react('class', 'like')).toBeNull()
    expect(reactions.react('class', 'flower', 5)).toBeNull()
    expect(reactions.stats.class).toEqual({ likes: 9, flowers: 7 })
    await advance(1)
    const sent = reacts()
    expect(sent.map(({ id: _, ...f }) => f)).toEqual([
      { type: 'react', room: 'class', kind: 'like' },
      { type: 'react', room: 'class', kind: 'like' },
      { type: 'react', room: 'class', kind: 'flower', count: 5 },
    ])
    expect(sent.every((f) => typeof f.id === 'string')).toBe(true)
    expect(new Set(sent.map((f) => f.id)).size).toBe(3)
    // No reply comes; the count stays until the push carries it.
    await advance(1000)
    expect(reactions.stats.class).toEqual({ likes: 9, flowers: 7 })
  })

  it('follows the pushes: my taps stay counted until merged, then the server has the last word', async () => {
    const { reactions, push } = await inClass({ likes: 0, flowers: 0 })
    reactions.react('class', 'like')
    // A push from before my tap was merged does not take it back.
    push(0, 3, [bob])
    expect(reactions.stats.class).toEqual({ likes: 1, flowers: 3 })
    push(40, 3, [alice, bob])
    expect(reactions.stats.class).toEqual({ likes: 40, flowers: 3 })
    // My next tap counts on top; a recalled like message lowers the totals before it is
    // merged: the tap stays shown while held, then the server's totals are final.
    reactions.react('class', 'like')
    expect(reactions.stats.class.likes).toBe(41)
    push(39, 3, [])
    expect(reactions.stats.class.likes).toBe(41)
    await advance(HOLD_MS)
    expect(reactions.stats.class).toEqual({ likes: 39, flowers: 3 })
  })

  it('animates a rise with a few sprites, 1000 taps with at most MAX_SPRITES, and removes them after their rise', async () => {
    const { reactions, push } = await inClass({ likes: 0, flowers: 0 })
    push(3, 0, [bob])
    expect(reactions.sprites.class.map((s) => s.kind)).toEqual(['like', 'like', 'like'])
    push(1003, 500, [bob, carol])
    expect(reactions.sprites.class).toHaveLength(MAX_SPRITES)
    expect(reactions.sprites.class.some((s) => s.kind === 'flower')).toBe(true)
    push(2003, 900, [bob])
    expect(reactions.sprites.class).toHaveLength(MAX_SPRITES)
    await advance(SPRITE_MS + 2000)
    expect(reactions.sprites.class).toEqual([])
    // A fall (recall) animates nothing.
    push(2000, 900, [])
    expect(reactions.sprites.class).toEqual([])
  })

  it('shows who reacted as one line that grows while pushes come, then fades away', async () => {
    const { reactions, push } = await inClass({ likes: 0, flowers: 0 })
    push(2, 0, [bob, carol])
    expect(reactions.lines.class.text).toBe('Bob、Carol 点了赞')
    const key = reactions.lines.class.key
    await advance(LINE_MS - 500)
    push(38, 0, [dave, erin, bob])
    expect(reactions.lines.class.text).toBe('Dave、Erin、Bob 等 4 人点了赞')
    expect(reactions.lines.class.key).not.toBe(key)
    await advance(LINE_MS - 500)
    expect(reactions.lines.class).toBeDefined()
    push(38, 4, [alice])
    expect(reactions.lines.class.text).toBe('我、Dave、Erin 等 5 人点赞送花')
    await advance(LINE_MS)
    expect(reactions.lines.class).toBeUndefined()
    // A new burst starts from nobody.
    push(38, 5, [carol])
    expect(reactions.lines.class.text).toBe('Carol 送了花')
  })

  it('a refused reaction (muted, rate_limited) is taken back and reported once, with no retry', async () => {
    const env = await inClass({ likes: 0, flowers: 0 })
    const refused: Array<[string, string]> = []
    env.reactions.onRefused((room, code) => refused.push([room, code]))
    const stop = env.reactions.onRefused(() => refused.push(['gone', '']))
    stop() // a page that went away hears nothing
    env.reactions.react('class', 'flower', 10)
    env.reactions.react('class', 'like')
    await advance(1)
    const [flower, like] = env.reacts()
    env.server.last.push({ type: 'error', id: flower.id, code: 'muted', message: 'muted in this room' })
    expect(env.reactions.stats.class).toEqual({ likes: 1, flowers: 0 })
    env.server.last.push({ type: 'error', id: like.id, code: 'rate_limited', message: 'slow down' })
    expect(env.reactions.stats.class).toEqual({ likes: 0, flowers: 0 })
    expect(refused).toEqual([
      ['class', 'muted'],
      ['class', 'rate_limited'],
    ])
    // The same error again (or one for someone else's id) changes nothing.
    env.server.last.push({ type: 'error', id: like.id, code: 'rate_limited', message: 'slow down' })
    env.server.last.push({ type: 'error', id: 'rx999', code: 'muted', message: '' })
    expect(refused).toHaveLength(2)
    await advance(15_000)
    expect(env.reacts()).toHaveLength(2)
  })

  it('offline: nothing is counted and the caller hears why', async () => {
    const env = await inClass({ likes: 4, flowers: 0 })
    env.server.down = true
    env.server.last.kill(1006)
    await advance(1)
    expect(env.reactions.react('class', 'like')).toBe('offline')
    expect(env.reactions.stats.class).toEqual({ likes: 4, flowers: 0 })
  })

  it('a rejoin (resume) resets the baseline without animating the difference', async () => {
    const env = await inClass({ likes: 1, flowers: 0 })
    env.server.room('class').info.stats = { likes: 500, flowers: 20 }
    env.server.last.kill(1006)
    await advance(40_000)
    expect(env.reactions.stats.class).toEqual({ likes: 500, flowers: 20 })
    expect(env.reactions.sprites.class ?? []).toEqual([])
  })
})
