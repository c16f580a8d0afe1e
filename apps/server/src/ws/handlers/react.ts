import { ErrorCode, type ReactFrame } from '@chat/protocol'
import { fail } from '../../lib/errors'
import { isModerator } from '../../services/rooms'
import type { HandlerContext } from '../context'
import { joinedMember } from './joined-member'

/**
 * react (v1.1 §B): adds to the room's totals in this node's memory — no store write, no
 * reply. Refusals get an `error` with the request's id: `not_joined`, `muted` (the user's
 * mute, or 全员禁言 for anyone but the hosts), `rate_limited` (REACT_RATE_LIMIT a second, a
 * bucket of its own: reactions never use up the send rate).
 */
export async function react(ctx: HandlerContext, f: ReactFrame): Promise<void> {
  const { app, conn } = ctx
  if (!conn.rooms.has(f.room)) return fail(ErrorCode.NotJoined, 'join the room first')
  // The rate-limit hit and the membership read go out together, as a send's do.
  const allowed = app.limiter.hit(`react:${conn.user.id}`, app.config.limits.reactPerSec, 1000)
  allowed.catch(() => {}) // awaited below unless the membership read fails first
  // Cached a few seconds (dropped at once by mutes, kicks and room changes): taps come in storms.
  const member = await app.reactMembers.get(f.room, conn.user.id, () => joinedMember(ctx, f.room))
  if (member.mutedUntil !== null && member.mutedUntil > Date.now()) {
    return fail(ErrorCode.Muted, `muted in this room until ${new Date(member.mutedUntil).toISOString()}`)
  }
  if (member.mutedAll && !isModerator(member)) return fail(ErrorCode.Muted, 'the room is muted: only its hosts can react')
  if (!(await allowed)) return fail(ErrorCode.RateLimited, `at most ${app.config.limits.reactPerSec} reactions a second`)
  if (f.kind === 'like') app.reactions.add(f.room, conn.user, 1, 0)
  else app.reactions.add(f.room, conn.user, 0, f.count ?? 1)
}
