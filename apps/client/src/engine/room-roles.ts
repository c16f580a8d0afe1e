// Who may do what in a room, and why the input bar is closed, from the room's RoomInfo,
// the user's role and their own mute. Pure functions: the stores feed them reactive state.
import type { RoomInfo, Role } from '@chat/protocol'

export const isHostRole = (role: Role | undefined): boolean => role === 'owner' || role === 'admin'

/** The role RoomInfo gives a user (it is what the `room` push carries after a change). */
export function roleIn(info: Pick<RoomInfo, 'owner' | 'admins'>, userId: string): Role {
  if (info.owner === userId) return 'owner'
  return info.admins.includes(userId) ? 'admin' : 'member'
}

export type MuteState = { kind: 'personal'; until: number } | { kind: 'all' }

/**
 * Why this user cannot send now, or null. `until` is ms since the epoch, Infinity when the
 * server did not say. Hosts are never held by 全员禁言 (the server lets them send).
 */
export function muteState(
  info: Pick<RoomInfo, 'mutedAll'> | undefined,
  role: Role | undefined,
  mutedUntil: number,
  now: number,
): MuteState | null {
  if (mutedUntil > now) return { kind: 'personal', until: mutedUntil }
  if (info?.mutedAll && !isHostRole(role)) return { kind: 'all' }
  return null
}

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})/

/** A `muted` refusal's end time when its message names one ("muted … until 2026-…Z"). */
export function untilFromMessage(message: string): number | null {
  const m = ISO.exec(message)
  const t = m ? Date.parse(m[0]) : NaN
  return Number.isFinite(t) ? t : null
}

const pad = (n: number) => (n < 10 ? '0' + n : String(n))

/** "14:05" today, "3月2日 14:05" on another day; '' for an unknown end. */
export function formatUntil(until: number, now: number, date: (m: number, d: number) => string): string {
  if (!Number.isFinite(until)) return ''
  const d = new Date(until)
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  return new Date(now).toDateString() === d.toDateString() ? hm : `${date(d.getMonth() + 1, d.getDate())} ${hm}`
}

export type MemberAction = 'mute' | 'kick' | 'admin' | 'owner'

/** What a host may do to another member (the server has the last word and says why not). */
export function memberActions(myRole: Role | undefined, target: Role, self: boolean): Record<MemberAction, boolean> {
  const none = { mute: false, kick: false, admin: false, owner: false }
  if (self || !isHostRole(myRole) || target === 'owner') return none
  const owner = myRole === 'owner'
  // Admins moderate members; only the owner moderates admins and hands out roles.
  const moderate = owner || target === 'member'
  return { mute: moderate, kick: moderate, admin: owner, owner }
}

/** Durations the mute menu offers, in seconds (0 lifts a mute). */
export const MUTE_CHOICES = [600, 3600, 86_400, 0] as const
