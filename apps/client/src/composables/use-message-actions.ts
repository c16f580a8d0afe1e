// Long-press on a message: copy, recall (own within 2 minutes; hosts: anyone's, any time),
// answer a question (hosts).
import type { Ref } from 'vue'
import { Limits } from '@chat/protocol'
import type { ViewItem } from '../engine/chat-view'
import { t } from '../i18n'
import { useMessagesStore } from '../stores/messages'
import { useRoomsStore } from '../stores/rooms'

export function useMessageActions(room: Ref<string>, answerTo: Ref<ViewItem | null>, toast: (s: string) => void) {
  const messages = useMessagesStore()
  const rooms = useRoomsStore()

  async function recall(item: ViewItem) {
    try {
      await messages.recall(room.value, item.seq)
    } catch (e) {
      const code = (e as { code?: string }).code
      toast(code === 'too_late' ? t('recallTooLate') : t('recallFailed'))
    }
  }

  function onAction(item: ViewItem) {
    if (!item.seq || item.recalled) return
    const actions: Array<{ label: string; run: () => void }> = []
    if (item.text) actions.push({ label: t('copy'), run: () => uni.setClipboardData({ data: item.text }) })
    const host = rooms.isHost(room.value)
    if ((item.mine && Date.now() - item.ts < Limits.recallWindowMs) || (!item.mine && host && rooms.roles[room.value])) {
      actions.push({ label: t('recall'), run: () => void recall(item) })
    }
    if (item.kind === 'question' && !item.quote && host) actions.push({ label: t('answer'), run: () => (answerTo.value = item) })
    if (!actions.length) return
    uni.showActionSheet({
      itemList: actions.map((a) => a.label),
      success: (res) => actions[res.tapIndex]?.run(),
    })
  }

  return { onAction }
}
