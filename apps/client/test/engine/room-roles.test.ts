import { describe, expect, it } from 'vitest'
import { formatUntil, isHostRole, memberActions, muteState, roleIn, untilFromMessage } from '../../src/engine/room-roles'
import { chatPath, h5ChatUrl, parseChatQuery, safeRedirect } from '../../src/engine/invite-link'

const date = (m: number, d: number) => `${m}月${d}日`

describe('room roles', () => {
  it('reads a role from RoomInfo: owner, admins, everyone else a member', () => {
    const info = { owner: 'u_t', admins: ['u_a'] }
    expect([roleIn(info, 'u_t'), roleIn(info, 'u_a'), roleIn(info, 'u_s')]).toEqual(['owner', 'admin', 'member'])
    expect(roleIn({ owner: null, admins: [] }, 'u_s')).toBe('member')
    expect([isHostRole('owner'), isHostRole('admin'), isHostRole('member'), isHostRole(undefined)]).toEqual([true, true, false, false])
  })

  it('says why a user cannot send: their own mute first, then 全员禁言 (never for hosts)', () => {
    const now = 1_000_000
    expect(muteState({ mutedAll: false }, 'member', 0, now)).toBeNull()
    expect(muteState({ mutedAll: false }, 'member', now + 60_000, now)).toEqual({ kind: 'personal', until: now + 60_000 })
    expect(muteState({ mutedAll: false }, 'member', now - 1, now)).toBeNull() // ran out
    expect(muteState({ mutedAll: true }, 'member', 0, now)).toEqual({ kind: 'all' })
    expect(muteState({ mutedAll: true }, 'admin', 0, now)).toBeNull()
    expect(muteState({ mutedAll: true }, 'owner', 0, now)).toBeNull()
    expect(muteState({ mutedAll: true }, 'member', Infinity, now)).toEqual({ kind: 'personal', until: Infinity })
    expect(muteState(undefined, undefined, 0, now)).toBeNull()
  })

  it("takes a mute's end from the server's refusal message when it names one", () => {
    expect(untilFromMessage('muted in this room until 2026-12-04T23:23:10.123Z')).toBe(Date.parse('2026-12-04T23:23:10.123Z'))
    expect(untilFromMessage('the room is muted')).toBeNull()
    expect(untilFromMessage('until 2026-13-45T99:99Z')).toBeNull()
  })

  it('formats the end: a time today, a date otherwise, nothing when unknown', () => {
    const now = new Date(2026, 11, 4, 10, 0).getTime()
    expect(formatUntil(new Date(2026, 11, 4, 14, 5).getTime(), now, date)).toBe('14:05')
    expect(formatUntil(new Date(2026, 11, 5, 9, 0).getTime(), now, date)).toBe('12月5日 09:00')
    expect(formatUntil(Infinity, now, date)).toBe('')
  })

  it('offers a host only what the role allows: admins moderate members, the owner also admins and roles', () => {
    const none = { mute: false, kick: false, admin: false, owner: false }
    expect(memberActions('member', 'member', false)).toEqual(none)
    expect(memberActions('owner', 'owner', true)).toEqual(none) // myself
    expect(memberActions('admin', 'owner', false)).toEqual(none)
    expect(memberActions('admin', 'member', false)).toEqual({ mute: true, kick: true, admin: false, owner: false })
    expect(memberActions('admin', 'admin', false)).toEqual(none)
    expect(memberActions('owner', 'admin', false)).toEqual({ mute: true, kick: true, admin: true, owner: true })
    expect(memberActions('owner', 'member', false)).toEqual({ mute: true, kick: true, admin: true, owner: true })
  })
})

describe('invite links', () => {
  it('builds the chat page path and the H5 hash URL, with the code only when there is one', () => {
    expect(chatPath('physics-101')).toBe('/pages/chat/chat?room=physics-101')
    expect(chatPath('r_AbC', 'k3y+/=')).toBe('/pages/chat/chat?room=r_AbC&invite=k3y%2B%2F%3D')
    expect(h5ChatUrl('https://chat.example/app/#/pages/rooms/rooms', 'r1', 'CODE1234')).toBe(
      'https://chat.example/app/#/pages/chat/chat?room=r1&invite=CODE1234',
    )
  })

  it("parses the chat page's query (encoded or not) and accepts only chat paths as a login redirect", () => {
    expect(parseChatQuery({ room: 'r1', invite: 'CODE%2B1' })).toEqual({ room: 'r1', invite: 'CODE+1' })
    expect(parseChatQuery({ room: 'dm%3Au_a%3Au_b' })).toEqual({ room: 'dm:u_a:u_b', invite: null })
    expect(parseChatQuery(undefined)).toEqual({ room: '', invite: null })
    expect(safeRedirect(encodeURIComponent('/pages/chat/chat?room=r1&invite=CODE1234'))).toBe('/pages/chat/chat?room=r1&invite=CODE1234')
    expect(safeRedirect('/pages/chat/chat?room=r1')).toBe('/pages/chat/chat?room=r1')
    expect(safeRedirect('https://evil.example/')).toBeNull()
    expect(safeRedirect('/pages/rooms/rooms')).toBeNull()
    expect(safeRedirect(undefined)).toBeNull()
  })
})
