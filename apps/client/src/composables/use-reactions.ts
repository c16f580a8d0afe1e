// The toolbar's 点赞 / 送花 (v1.1 §B): each tap is a `react` sent at once, the count beside the
// button live from the room's totals. A refusal (muted, too fast…) is a brief toast; a
// reaction is never retried — the next tap is the retry.
import { computed, onScopeDispose, type Ref } from 'vue'
import { Limits } from '@chat/protocol'
import { errorText, t } from '../i18n'
import { useMessagesStore } from '../stores/messages'
import { useReactionsStore } from '../stores/reactions'

/** The choices 送花 offers (all within 1–Limits.flowerMax). */
export const FLOWER_CHOICES = [1, 3, 5, 10, Limits.flowerMax]

export function useReactions(room: Ref<string>, mutedText: Ref<string>, toast: (text: string) => void) {
  const reactions = useReactionsStore()
  const messages = useMessagesStore()

  onScopeDispose(reactions.onRefused((r, code) => r === room.value && toast(t('notSent', { reason: errorText(code) }))))

  /** The room's totals; before the server has said, what the loaded like/flower messages add up to. */
  const counts = computed(() => {
    const s = reactions.stats[room.value]
    if (s) return s
    void messages.versions[room.value] // the timeline is not reactive: its version is
    const tl = messages.timeline(room.value)
    return { likes: tl?.likes ?? 0, flowers: tl?.flowers ?? 0 }
  })

  function send(kind: 'like' | 'flower', count: number): void {
    if (mutedText.value) return toast(mutedText.value)
    const error = reactions.react(room.value, kind, count)
    if (error) toast(errorText(error))
  }

  function like(): void {
    send('like', 1)
  }

  /** Asks how many (WeChat's action sheet on both builds), then sends them as one reaction. */
  function flower(): void {
    if (mutedText.value) return toast(mutedText.value)
    uni.showActionSheet({
      itemList: FLOWER_CHOICES.map((n) => t('flowerPick', { n })),
      success: ({ tapIndex }) => {
        const n = FLOWER_CHOICES[tapIndex]
        if (n) send('flower', n)
      },
    })
  }

  return { counts, like, flower }
}
