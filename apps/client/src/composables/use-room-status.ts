// What the chat page shows about the room itself: its RoomInfo, whether I host it, why I
// cannot send (my mute or 全员禁言), why I am not in it (kicked: a toast and back to the
// rooms list), and the code a share card or link carries (an invite room's).
import { computed, ref, watch, type Ref } from 'vue'
import { formatUntil } from '../engine/room-roles'
import { dateLabels, errorText, t } from '../i18n'
import { useHostStore } from '../stores/host'
import { useMessagesStore } from '../stores/messages'
import { useRoomsStore } from '../stores/rooms'
import { toast } from './use-confirm'

export function useRoomStatus(room: Ref<string>, invite: Ref<string | null>, onKicked: () => void) {
  const host = useHostStore()
  const rooms = useRoomsStore()
  const messages = useMessagesStore()

  const info = computed(() => rooms.info[room.value])
  const hosting = computed(() => host.isHost(room.value))
  const mutedText = computed(() => {
    const m = room.value ? host.muteOf(room.value) : null
    if (!m) return ''
    if (m.kind === 'all') return t('mutedAll')
    const until = formatUntil(m.until, Date.now(), dateLabels.date)
    return (until ? t('mutedPersonalUntil', { until }) : t('mutedPersonal')) + t('mutedTapToCheck')
  })
  const joinError = computed(() => messages.joinError[room.value] ?? '')
  const joinErrorText = computed(() => {
    const code = joinError.value
    if (code === 'kicked') return t('kicked')
    // A group room refuses a join without (or with a wrong) invite code, or after a kick.
    if (code === 'forbidden' && !room.value.startsWith('dm:')) return t('inviteRequired')
    return t('joinForbidden', { code: errorText(code) })
  })

  watch(joinError, (code) => {
    if (code !== 'kicked') return
    toast(t('kickedToast'))
    onKicked()
    setTimeout(() => uni.reLaunch({ url: '/pages/rooms/rooms' }), 1200)
  })

  // Hosts may read the code; others share the one their own link carried.
  const hostCode = ref('')
  watch([info, hosting], ([i, h]) => {
    if (i?.access === 'invite' && h && !hostCode.value)
      void host.inviteCode(room.value).then(
        (c) => (hostCode.value = c),
        () => undefined,
      )
  })
  /** The code a shared link carries: only an invite room's (v1.1 §F). The page's share hooks use it. */
  const shareCode = computed(() => (info.value?.access === 'invite' ? hostCode.value || invite.value || '' : ''))

  return { info, hosting, mutedText, joinError, joinErrorText, shareCode }
}
