// One-line previews of a message (rooms list, quotes).
import type { Message } from '@chat/protocol'
import type { StringKey } from '../i18n'

type T = (key: StringKey, params?: Record<string, string | number>) => string

/** `named`: prefix the sender's name (a group; in a dm, as in WeChat, only the message). */
export function previewOf(m: Message, t: T, named = true): string {
  if (m.recalled) return t('recalled')
  const body = m.body as { text?: string; count?: number }
  const who = m.from?.name ?? ''
  const by = named ? `${who}: ` : ''
  switch (m.kind) {
    case 'text':
      return `${by}${body.text ?? ''}`
    case 'question':
      return `${by}[${t('question')}] ${body.text ?? ''}`
    case 'answer':
      return `${by}[${t('answer')}] ${body.text ?? ''}`
    case 'image':
      return `${by}[${t('image')}]`
    case 'like':
      return t('likeNotice', { name: who })
    case 'flower':
      return t('flowerNotice', { name: who, n: body.count ?? 1 })
    default:
      return ''
  }
}
