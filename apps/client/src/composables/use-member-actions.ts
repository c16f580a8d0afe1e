// A host's actions on a member (from the member list) and the owner transfer (also from the
// settings sheet): each asks first, then shows what the server said.
import type { Ref } from 'vue'
import type { User } from '@chat/protocol'
import { MUTE_CHOICES, roleIn, type MemberAction } from '../engine/room-roles'
import { t } from '../i18n'
import { useHostStore } from '../stores/host'
import { useRoomsStore } from '../stores/rooms'
import { attempt, confirmModal, pickAction, toast } from './use-confirm'

/** How long 移出房间 keeps someone out (v1 kicks take `seconds`; 0 would let them straight back). */
export const KICK_SECONDS = 86_400

export function useMemberActions(room: Ref<string>, me: Ref<string>) {
  const host = useHostStore()
  const rooms = useRoomsStore()
  const muteLabels = () => [t('mute10m'), t('mute1h'), t('mute1d'), t('unmute')]

  async function transferTo(user: User): Promise<void> {
    if (!(await confirmModal(t('transferConfirm', { name: user.name })))) return
    await attempt(() => host.transferOwner(room.value, user.id))
  }

  async function act(action: MemberAction, user: User): Promise<void> {
    const r = room.value
    if (action === 'mute') {
      const i = await pickAction(muteLabels())
      if (i < 0 || i >= MUTE_CHOICES.length) return
      const label = muteLabels()[i]
      if (!(await confirmModal(t('muteConfirm', { action: label, name: user.name })))) return
      return void (await attempt(() => host.mute(r, user.id, MUTE_CHOICES[i])))
    }
    if (action === 'kick') {
      if (!(await confirmModal(t('kickConfirm', { name: user.name })))) return
      return void (await attempt(() => host.kick(r, user.id, KICK_SECONDS)))
    }
    if (action === 'admin') {
      const info = rooms.info[r]
      const isAdmin = !!info && roleIn(info, user.id) === 'admin'
      const label = isAdmin ? t('removeAdmin') : t('makeAdmin')
      if (!(await confirmModal(t('adminConfirm', { action: label, name: user.name })))) return
      return void (await attempt(() => host.setAdmin(r, user.id, !isAdmin)))
    }
    return transferTo(user)
  }

  /** The settings sheet's 转让房主: pick one of the members online now. */
  async function pickNewOwner(): Promise<void> {
    // WeChat's action sheet holds at most 6 entries.
    const others = (rooms.online[room.value] ?? []).filter((u) => u.id !== me.value).slice(0, 6)
    if (!others.length) return toast(t('transferNobody'))
    const i = await pickAction(others.map((u) => u.name))
    if (others[i]) await transferTo(others[i])
  }

  return { act, pickNewOwner }
}
