// The objects the contract sends around: users, rooms, messages and their bodies.

export const MessageKind = {
  Text: 'text',
  Image: 'image',
  Like: 'like',
  Flower: 'flower',
  Question: 'question',
  Answer: 'answer',
} as const
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind]

export const RoomKind = { Group: 'group', Dm: 'dm' } as const
export type RoomKind = (typeof RoomKind)[keyof typeof RoomKind]

export const PresenceStatus = { Online: 'online', Offline: 'offline' } as const
export type PresenceStatus = (typeof PresenceStatus)[keyof typeof PresenceStatus]

/** A user's role in a room: it belongs to the user, so it outlives leave/join (v1.1 §A). */
export const Role = { Owner: 'owner', Admin: 'admin', Member: 'member' } as const
export type Role = (typeof Role)[keyof typeof Role]

export const RoomAccess = { Open: 'open', Invite: 'invite' } as const
export type RoomAccess = (typeof RoomAccess)[keyof typeof RoomAccess]

export interface User {
  id: string
  name: string
  avatar: string | null
}

export interface TextBody {
  text: string
  /** v1.1 §D: ids of mentioned members, in the order written; absent when none. */
  mentions?: string[]
}
export interface ImageBody {
  url: string
  width?: number
  height?: number
}
export type LikeBody = Record<string, never>
export interface FlowerBody {
  count?: number
}
export interface AnswerBody {
  question: number
  text: string
}

export interface BodyOf {
  text: TextBody
  image: ImageBody
  like: LikeBody
  flower: FlowerBody
  question: TextBody
  answer: AnswerBody
}
export type MessageBody = BodyOf[MessageKind] | Record<string, never>

export interface Message {
  room: string
  seq: number
  cid: string
  from: User
  kind: MessageKind
  body: MessageBody
  ts: number
  recalled?: true
}

/** v1's three fields of a room: what `GET /api/rooms` entries start with. */
export interface RoomBase {
  id: string
  title: string
  kind: RoomKind
}

export interface Announcement {
  text: string
  /** User id of who set it. */
  by: string
  ts: number
}

export interface RoomStats {
  likes: number
  flowers: number
}

/** v1.1 §A: the one shape of a room's state (`joined.room`, `GET /api/rooms/:id`, the `room` push). */
export interface RoomInfo extends RoomBase {
  owner: string | null
  admins: string[]
  access: RoomAccess
  mutedAll: boolean
  announcement: Announcement | null
  stats: RoomStats
}

export interface RoomSummary extends RoomBase {
  lastSeq: number
  unread: number
  lastMessage: Message | null
  /** v1.1 §D: a message above the read mark, not recalled, mentions the user. */
  mentioned?: boolean
}

/** v1.1 §C: a question with the seqs of the (not recalled) answers to it. */
export type QuestionItem = Message & { answers: number[] }

export interface QuestionsPage {
  questions: QuestionItem[]
  more: boolean
}

/** A member's read mark (an addition: `GET /api/rooms/:id/reads`, the `read` pushes' snapshot). */
export interface ReadMark {
  user: string
  seq: number
}
export interface ReadMarks {
  reads: ReadMark[]
}

export const QuestionState = { Open: 'open', All: 'all' } as const
export type QuestionState = (typeof QuestionState)[keyof typeof QuestionState]
