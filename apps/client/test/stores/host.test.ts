import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RoomInfo } from '@chat/protocol'
import type { HttpRequest } from '../../src/engine/types'
import { useHostStore } from '../../src/stores/host'
import { alice, advance, bob, bootStores } from '../support/store-setup'

const info = (patch: Partial<RoomInfo> = {}): RoomInfo => ({
  id: 'class',
  title: '物理',
  kind: 'group',
  owner: bob.id,
  admins: [],
  access: 'open',
  mutedAll: false,
  announcement: null,
  stats: { likes: 0, flowers: 0 },
  ...patch,
})

/** Boots the stores as Alice in room `class`, owned by Bob; `http` answers the REST calls. */
async function inClass(http?: (req: HttpRequest) => { status: number; data: unknown } | undefined) {
  const calls: HttpRequest[] = []
  const env = bootStores({
    http: async (req) => {
      calls.push(req)
      return http?.(req) ?? { status: 404, data: { error: 'not_found', message: 'no route' } }
    },
  })
  env.server.setInfo('class', { owner: bob.id })
  await advance(1)
  await env.messages.join('class')
  return { ...env, host: useHostStore(), calls }
}

describe('host store', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('knows my mute from joined.mutedUntil, and lifts it when it runs out', async () => {
    const env = bootStores()
    env.server.mutedUntil.set(alice.id, Date.now() + 60_000)
    await advance(1)
    await env.messages.join('class')
    const host = useHostStore()
    expect(host.muteOf('class')).toEqual({ kind: 'personal', until: env.server.mutedUntil.get(alice.id) })
    await advance(60_001)
    expect(host.muteOf('class')).toBeNull()
  })

  it('follows the mute push: muted until its end, then unmuted at once', async () => {
    const env = await inClass()
    const until = Date.now() + 3_600_000
    env.server.last.push({ type: 'mute', room: 'class', until })
    expect(env.host.muteOf('class')).toEqual({ kind: 'personal', until })
    env.server.last.push({ type: 'mute', room: 'other', until })
    expect(env.host.muteOf('other')).toEqual({ kind: 'personal', until })
    env.server.last.push({ type: 'mute', room: 'class', until: null })
    expect(env.host.muteOf('class')).toBeNull()
  })

  it('learns a mute from a refused send (its end from the message); the send stays failed', async () => {
    const env = await inClass()
    const until = Date.now() + 600_000
    env.server.mutedUntil.set(alice.id, until)
    env.messages.send('class', 'text', { text: 'hi' })
    await advance(1)
    expect(env.host.muteOf('class')).toEqual({ kind: 'personal', until })
    expect(env.messages.timeline('class')!.pending[0]).toMatchObject({ status: 'failed', error: 'muted' })
    expect(env.server.rooms.get('class')!.messages).toHaveLength(0)
  })

  it('follows 全员禁言 and my role from the room push, live', async () => {
    const env = await inClass()
    expect(env.host.isHost('class')).toBe(false)
    expect(env.host.muteOf('class')).toBeNull()
    env.server.setInfo('class', { mutedAll: true })
    expect(env.host.muteOf('class')).toEqual({ kind: 'all' })
    // Made an admin: 全员禁言 no longer holds me.
    env.server.setInfo('class', { admins: [alice.id] })
    expect(env.rooms.roles.class).toBe('admin')
    expect(env.host.isHost('class')).toBe(true)
    expect(env.host.muteOf('class')).toBeNull()
    env.server.setInfo('class', { owner: alice.id, admins: [bob.id] })
    expect(env.host.isOwner('class')).toBe(true)
    env.server.setInfo('class', { owner: bob.id, admins: [] })
    expect(env.rooms.roles.class).toBe('member')
    expect(env.host.muteOf('class')).toEqual({ kind: 'all' })
  })

  it('re-checks with a fresh join: a lifted mute opens the input again', async () => {
    const env = await inClass()
    env.server.muted.add(alice.id) // refused without an end named
    env.messages.send('class', 'text', { text: 'hi' })
    await advance(1)
    expect(env.host.muteOf('class')).toEqual({ kind: 'personal', until: Infinity })
    env.server.muted.delete(alice.id)
    await env.host.recheck('class')
    await advance(1)
    expect(env.host.muteOf('class')).toBeNull()
    expect(env.server.joins.filter((j) => j.room === 'class')).toHaveLength(2)
  })

  it("sends settings with PATCH and keeps the reply; a refusal comes back with the server's message", async () => {
    const env = await inClass((req) => {
      if (req.method === 'PATCH' && req.url.endsWith('/api/rooms/class')) {
        const body = req.body as { announcement?: string }
        if (body.announcement === 'x')
          return { status: 403, data: { error: 'forbidden', message: "only the room's owner or admins can do this" } }
        return { status: 200, data: info({ announcement: { text: body.announcement!, by: alice.id, ts: 1 } }) }
      }
      if (req.method === 'DELETE' && req.url.endsWith('/api/rooms/class/admins/u_carol')) return { status: 204, data: '' }
      if (req.method === 'POST' && req.url.endsWith('/api/rooms/class/mutes')) return { status: 204, data: '' }
      return { status: 404, data: { error: 'not_found', message: 'no route' } }
    })
    await env.host.update('class', { announcement: '明天考试' })
    expect(env.rooms.info.class.announcement?.text).toBe('明天考试')
    await expect(env.host.update('class', { announcement: 'x' })).rejects.toMatchObject({
      code: 'forbidden',
      message: "only the room's owner or admins can do this",
    })
    await env.host.setAdmin('class', 'u_carol', false)
    await env.host.mute('class', bob.id, 600)
    const rest = env.calls.filter((c) => c.url.includes('/api/rooms/'))
    expect(rest.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual([
      'PATCH /api/rooms/class',
      'PATCH /api/rooms/class',
      'DELETE /api/rooms/class/admins/u_carol',
      'POST /api/rooms/class/mutes',
    ])
    expect(rest[3].body).toEqual({ userId: bob.id, seconds: 600 })
  })
})

describe('joining an invite room', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('sends the code from the link with the join; without it the join is refused', async () => {
    const env = bootStores()
    env.server.setInfo('secret', { access: 'invite' })
    await advance(1)
    await env.messages.join('secret')
    expect(env.messages.joinError.secret).toBe('forbidden')
    await env.messages.join('secret', { invite: 'invite-secret' })
    expect(env.messages.joinError.secret).toBeUndefined()
    expect(env.messages.isJoined('secret')).toBe(true)
    expect(env.server.joins).toEqual([{ room: 'secret', invite: 'invite-secret' }])
  })

  it('a kick forgets the code (coming back needs one again)', async () => {
    const env = bootStores()
    await advance(1)
    await env.messages.join('r', { invite: 'CODE1234' })
    env.server.last.push({ type: 'kicked', room: 'r' })
    env.server.last.rooms.delete('r')
    await env.messages.join('r')
    expect(env.server.joins.map((j) => j.invite)).toEqual(['CODE1234', undefined])
  })
})
