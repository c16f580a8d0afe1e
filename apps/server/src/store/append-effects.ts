import type { MessageBody, MessageKind } from '@chat/protocol'
import { mentionedIn } from './mentions'

/**
 * What storing one message does to its room besides last_seq, computed once before the
 * append so every dialect's statement applies it in the same transaction as the insert:
 * the room list's last message skips likes and flowers (§B), RoomInfo.stats counts them,
 * and an answer names its question for the questions index (§C).
 */
export interface AppendEffects {
  /** Neither a like nor a flower: it becomes the room's `lastMessage`. */
  text: boolean
  likes: number
  flowers: number
  answerTo: number | null
  /** §D: users to index in `mentions` with the message (store/mentions.ts); the sender never. */
  mentions: string[]
}

export function appendEffects(kind: MessageKind, body: MessageBody, senderId?: string): AppendEffects {
  const b = body as { count?: unknown; question?: unknown }
  return {
    text: kind !== 'like' && kind !== 'flower',
    likes: kind === 'like' ? 1 : 0,
    flowers: kind === 'flower' ? (typeof b.count === 'number' ? b.count : 1) : 0,
    answerTo: kind === 'answer' && typeof b.question === 'number' ? b.question : null,
    mentions: mentionedIn(kind, body, senderId),
  }
}

/** What a recall takes back off the room's totals (the message as stored before it). */
export function recallEffects(kind: string, body: string): { likes: number; flowers: number } {
  if (kind === 'like') return { likes: 1, flowers: 0 }
  if (kind !== 'flower') return { likes: 0, flowers: 0 }
  const count = (JSON.parse(body) as { count?: unknown }).count
  return { likes: 0, flowers: typeof count === 'number' ? count : 1 }
}
