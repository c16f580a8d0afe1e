// One-line previews of a message (rooms list, quotes).
import type { Message } from '@chat/protocol'
import type { StringKey } from '../i18n'

type T = (key: StringKey, params?: Record<string, string | number>) => string

export function previewOf(m: Message, t: T): string {
  if (m.recalled) return t('recalled')
  const body = m.body as { text?: string; count?: number }
  const who = m.from?.name ?? ''
  switch (m.kind) {
    case 'text':
      return `${who}: ${body.text ?? ''}`
    case 'question':
      return `${who}: [${t('question')}] ${body.text ?? ''}`
    case 'answer':
      return `${who}: [${t('answer')}] ${body.text ?? ''}`
    case 'image':
      return `${who}: [${t('image')}]`
    case 'like':
      return t('likeNotice', { name: who })
    case 'flower':
      return t('flowerNotice', { name: who, n: body.count ?? 1 })
    default:
      return ''
  }
}
