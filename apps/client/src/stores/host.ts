// Running a live room: the host's actions (settings, invite codes, mutes, kicks, roles — all
// HTTP, the server's refusal passed on as an ApiError) and, for everyone, whether they may
// send right now (their own mute from `joined.mutedUntil`, the `mute` push or a `muted`
// refusal, or 全员禁言 from RoomInfo).
import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import type { ServerFrame } from '@chat/protocol'
import type { RoomPatch } from '../engine/api'
import { isHostRole, muteState, untilFromMessage, type MuteState } from '../engine/room-roles'
import { useConnectionStore } from './connection'
import { useMessagesStore } from './messages'
import { useRoomsStore } from './rooms'
import { useSessionStore } from './session'

export const useHostStore = defineStore('host', () => {
  const session = useSessionStore()
  const rooms = useRoomsStore()
  const messages = useMessagesStore()
  const { conn } = useConnectionStore()
  /** room → end of my own mute (ms; Infinity when the server did not say; absent: not muted). */
  const mutedUntil = reactive<Record<string, number>>({})
  /** Bumped when a mute runs out, so views re-evaluate without a ticking clock. */
  const clock = ref(0)
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  const api = () => session.api

  function setMutedUntil(room: string, until: number | null): void {
    clearTimeout(timers.get(room))
    timers.delete(room)
    if (!until || until <= Date.now()) return void delete mutedUntil[room]
    mutedUntil[room] = until
    // setTimeout holds at most ~24.8 days; a longer (or unknown) mute is re-read on the next join.
    const left = until - Date.now()
    if (left < 2 ** 31 - 1)
      timers.set(
        room,
        setTimeout(() => {
          timers.delete(room)
          delete mutedUntil[room]
          clock.value++
        }, left),
      )
  }

  conn.on('frame', (f: ServerFrame) => {
    if (f.type === 'joined' && f.mutedUntil !== undefined) setMutedUntil(f.room.id, f.mutedUntil)
    // A host muted or unmuted me (an addition of this server; others only tell on the next send).
    if (f.type === 'mute') setMutedUntil(f.room, f.until)
    if (f.type === 'kicked') setMutedUntil(f.room, null)
  })

  messages.onRefused((room, code, message) => {
    if (code !== 'muted') return
    const until = untilFromMessage(message)
    if (until) return setMutedUntil(room, until)
    // No end named: 全员禁言 if the room says so, else a mute of unknown length.
    if (!rooms.info[room]?.mutedAll || isHost(room)) setMutedUntil(room, Infinity)
  })

  /** Owner or admin, as the server last said (`joined.role`, RoomInfo). */
  const isHost = (room: string) => isHostRole(rooms.roles[room])
  const isOwner = (room: string) => rooms.roles[room] === 'owner'

  function muteOf(room: string): MuteState | null {
    void clock.value
    return muteState(rooms.info[room], rooms.roles[room], mutedUntil[room] ?? 0, Date.now())
  }

  /**
   * Asks the server again (a fresh `joined`): a host may have lifted my mute. Forgets what a
   * refusal told us; `joined.mutedUntil` or the next refusal says it again if it still holds.
   */
  async function recheck(room: string): Promise<void> {
    setMutedUntil(room, null)
    await messages.refresh(room)
  }

  async function update(room: string, patch: RoomPatch) {
    const info = await api().updateRoom(room, patch)
    rooms.setInfo(info)
    return info
  }

  async function transferOwner(room: string, userId: string): Promise<void> {
    await api().transferOwner(room, userId)
    // The `room` push follows; until then show the new owner at once.
    const info = rooms.info[room]
    if (info) rooms.setInfo({ ...info, owner: userId, admins: [...info.admins.filter((a) => a !== userId), session.user?.id ?? ''] })
  }

  async function setAdmin(room: string, userId: string, admin: boolean): Promise<void> {
    await api().setAdmin(room, userId, admin)
    const info = rooms.info[room]
    if (info) rooms.setInfo({ ...info, admins: admin ? [...new Set([...info.admins, userId])] : info.admins.filter((a) => a !== userId) })
  }

  return {
    mutedUntil,
    isHost,
    isOwner,
    muteOf,
    recheck,
    update,
    transferOwner,
    setAdmin,
    inviteCode: (room: string) =>
      api()
        .inviteCode(room)
        .then((r) => r.code),
    resetInvite: (room: string) =>
      api()
        .resetInvite(room)
        .then((r) => r.code),
    mute: (room: string, userId: string, seconds: number) => api().mute(room, userId, seconds),
    kick: (room: string, userId: string, seconds?: number) => api().kick(room, userId, seconds),
    /** For tests and the page: what a refusal looked like. */
    setMutedUntil,
  }
})
