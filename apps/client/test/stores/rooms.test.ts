import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TYPING_SHOW_MS } from '../../src/stores/rooms'
import { alice, advance, bob, bootStores } from '../support/store-setup'

const carol = { id: 'u_carol', name: 'Carol', avatar: null }

describe('rooms store', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('lists the rooms from /api/rooms', async () => {
    const env = bootStores({
      http: async (req) =>
        req.url.endsWith('/api/rooms')
          ? { status: 200, data: [{ id: 'c101', title: '高数', kind: 'group', lastSeq: 3, unread: 2, lastMessage: null }] }
          : { status: 200, data: alice },
    })
    await env.rooms.refresh()
    expect(env.rooms.list).toMatchObject([{ id: 'c101', unread: 2 }])
    expect(env.rooms.titleOf('c101')).toBe('高数')
  })

  it('keeps the private chats from the list live (joins them), not the group rooms', async () => {
    const dm = 'dm:u_alice:u_bob'
    const env = bootStores({
      http: async (req) =>
        req.url.endsWith('/api/rooms')
          ? {
              status: 200,
              data: [
                { id: dm, title: dm, kind: 'dm', lastSeq: 0, unread: 0, lastMessage: null },
                { id: 'bigroom', title: 'big', kind: 'group', lastSeq: 9, unread: 0, lastMessage: null },
              ],
            }
          : { status: 200, data: alice },
    })
    await advance(1)
    await env.rooms.refresh()
    await advance(1)
    const joins = env.server.last.sent.filter((f) => f.type === 'join').map((f) => (f as { room: string }).room)
    expect(joins).toEqual([dm])
    env.server.inject(dm, bob, '在吗？')
    expect(env.rooms.list.find((r) => r.id === dm)?.unread).toBe(1)
  })

  it('counts unread messages from others in rooms not on screen, and moves them up', async () => {
    const env = bootStores()
    await advance(1)
    await env.messages.join('a')
    await env.messages.join('b')
    env.rooms.setActive('a')
    env.server.inject('b', bob, 'hi b')
    env.server.inject('a', bob, 'hi a')
    env.server.inject('b', bob, 'again b')
    expect(env.rooms.list.map((r) => [r.id, r.unread])).toEqual([
      ['b', 2],
      ['a', 0],
    ])
    expect(env.rooms.list[0].lastMessage?.body).toEqual({ text: 'again b' })
    env.messages.send('b', 'text', { text: 'mine' })
    await advance(1)
    expect(env.rooms.list[0].unread).toBe(2)
    env.rooms.setActive('b')
    expect(env.rooms.list.find((r) => r.id === 'b')?.unread).toBe(0)
  })

  it('tracks who is online from joined and presence', async () => {
    const env = bootStores()
    await advance(1)
    await env.messages.join('lobby')
    expect(env.rooms.online.lobby.map((u) => u.id)).toEqual([alice.id])
    env.server.last.push({ type: 'presence', room: 'lobby', user: bob, status: 'online' })
    env.server.last.push({ type: 'presence', room: 'lobby', user: carol, status: 'online' })
    env.server.last.push({ type: 'presence', room: 'lobby', user: bob, status: 'online' })
    expect(env.rooms.online.lobby.map((u) => u.id)).toEqual([alice.id, carol.id, bob.id])
    env.server.last.push({ type: 'presence', room: 'lobby', user: carol, status: 'offline' })
    expect(env.rooms.online.lobby).toHaveLength(2)
  })

  it('shows others typing for a few seconds, until they send', async () => {
    const env = bootStores()
    await advance(1)
    await env.messages.join('lobby')
    env.server.last.push({ type: 'typing', room: 'lobby', user: bob })
    env.server.last.push({ type: 'typing', room: 'lobby', user: alice })
    expect(env.rooms.typing.lobby).toEqual([bob])
    await advance(TYPING_SHOW_MS + 1)
    expect(env.rooms.typing.lobby).toEqual([])
    env.server.last.push({ type: 'typing', room: 'lobby', user: bob })
    env.server.inject('lobby', bob, 'done typing')
    expect(env.rooms.typing.lobby).toEqual([])
  })

  it("titles a dm with the other person's name once it is known", async () => {
    const env = bootStores()
    await advance(1)
    const dm = 'dm:u_alice:u_bob'
    expect(env.rooms.titleOf(dm)).toBe('u_bob')
    await env.messages.join(dm)
    env.server.inject(dm, bob, 'psst')
    expect(env.rooms.titleOf(dm)).toBe('Bob')
  })

  it('drops a room from the list when kicked', async () => {
    const env = bootStores()
    await advance(1)
    await env.messages.join('lobby')
    expect(env.rooms.list.map((r) => r.id)).toEqual(['lobby'])
    env.server.last.push({ type: 'kicked', room: 'lobby' })
    expect(env.rooms.list).toEqual([])
  })

  it('knows from joined.role whether I host a room (only hosts get to answer questions)', async () => {
    const env = bootStores()
    await advance(1)
    expect(env.rooms.isHost('class')).toBe(true) // unknown: the server decides
    const joined = (role?: string) => ({
      type: 'joined',
      room: { id: 'class', title: 'class', kind: 'group' },
      lastSeq: 0,
      online: [alice],
      messages: [],
      more: false,
      ...(role ? { role } : {}),
    })
    env.server.last.push(joined('member'))
    expect(env.rooms.isHost('class')).toBe(false)
    env.server.last.push(joined('admin'))
    expect(env.rooms.isHost('class')).toBe(true)
    env.server.last.push(joined('owner'))
    expect(env.rooms.roles.class).toBe('owner')
    expect(env.rooms.isHost('class')).toBe(true)
  })
})

describe('rooms store: RoomInfo', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it("keeps each room's RoomInfo from joined and from the room push (title, announcement, roles) live", async () => {
    const env = bootStores()
    await advance(1)
    await env.messages.join('class')
    expect(env.rooms.info.class).toMatchObject({ id: 'class', owner: null, mutedAll: false, announcement: null })
    expect(env.rooms.roles.class).toBe('member')
    env.server.setInfo('class', { title: '物理 101', announcement: { text: '明天停课', by: bob.id, ts: 1 }, owner: alice.id })
    expect(env.rooms.info.class.announcement?.text).toBe('明天停课')
    expect(env.rooms.titleOf('class')).toBe('物理 101')
    expect(env.rooms.list.find((r) => r.id === 'class')?.title).toBe('物理 101')
    expect(env.rooms.roles.class).toBe('owner')
  })

  it('creates a room with a generated id (no id sent) and keeps the RoomInfo it gets back', async () => {
    const sent: unknown[] = []
    const env = bootStores({
      http: async (req) => {
        if (req.method === 'POST' && req.url.endsWith('/api/rooms')) {
          sent.push(req.body)
          return {
            status: 201,
            data: {
              id: 'r_Zx81kQ0aa2',
              title: '直播课',
              kind: 'group',
              owner: alice.id,
              admins: [],
              access: 'invite',
              mutedAll: false,
              announcement: null,
              stats: { likes: 0, flowers: 0 },
            },
          }
        }
        return { status: 200, data: alice }
      },
    })
    const room = await env.rooms.create({ title: '直播课', access: 'invite' })
    expect(sent).toEqual([{ title: '直播课', access: 'invite' }])
    expect(room.id).toBe('r_Zx81kQ0aa2')
    expect(env.rooms.info[room.id].access).toBe('invite')
    expect(env.rooms.roles[room.id]).toBe('owner')
  })
})
