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

export interface User {
  id: string
  name: string
  avatar: string | null
}

export interface TextBody { text: string }
export interface ImageBody { url: string; width?: number; height?: number }
export type LikeBody = Record<string, never>
export interface FlowerBody { count?: number }
export interface AnswerBody { question: number; text: string }

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

export interface RoomInfo {
  id: string
  title: string
  kind: RoomKind
}

export interface RoomSummary extends RoomInfo {
  lastSeq: number
  unread: number
  lastMessage: Message | null
}
