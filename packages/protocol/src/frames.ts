import type { ErrorCode } from './codes'
import type { Message, MessageBody, MessageKind, PresenceStatus, Role, RoomInfo, RoomStats, User } from './model'

export type RequestId = string | number

export const ClientFrameType = {
  Hello: 'hello',
  Join: 'join',
  Leave: 'leave',
  Send: 'send',
  History: 'history',
  Typing: 'typing',
  Read: 'read',
  Recall: 'recall',
  Ping: 'ping',
  /** v1.1 §B: a like or flowers added to the room's totals (not a message). */
  React: 'react',
} as const
export type ClientFrameType = (typeof ClientFrameType)[keyof typeof ClientFrameType]

interface Req {
  id?: RequestId
}

export interface HelloFrame extends Req {
  type: 'hello'
  token: string
  resume?: Record<string, number>
}
export interface JoinFrame extends Req {
  type: 'join'
  room: string
  after?: number /** v1.1 §A: an invite room's code. */
  invite?: string
}
export interface LeaveFrame extends Req {
  type: 'leave'
  room: string
}
export interface SendFrame extends Req {
  type: 'send'
  room: string
  cid: string
  kind: MessageKind
  body: MessageBody
}
export interface HistoryFrame extends Req {
  type: 'history'
  room: string
  before?: number
  after?: number
  limit: number
}
export interface TypingFrame extends Req {
  type: 'typing'
  room: string
}
export interface ReadFrame extends Req {
  type: 'read'
  room: string
  seq: number
}
export interface RecallFrame extends Req {
  type: 'recall'
  room: string
  seq: number
}
export interface PingFrame extends Req {
  type: 'ping'
}
/** v1.1 §B. `count` (1–99) counts for flowers only; a like's count is ignored (always 1). */
export interface ReactFrame extends Req {
  type: 'react'
  room: string
  kind: ReactionKind
  count?: number
}
export type ReactionKind = 'like' | 'flower'

export type ClientFrame =
  | HelloFrame
  | JoinFrame
  | LeaveFrame
  | SendFrame
  | HistoryFrame
  | TypingFrame
  | ReadFrame
  | RecallFrame
  | PingFrame
  | ReactFrame

export interface WelcomeFrame extends Req {
  type: 'welcome'
  user: User
  node: string
  heartbeat: number
}
export interface JoinedFrame extends Req {
  type: 'joined'
  room: RoomInfo
  lastSeq: number
  online: User[]
  messages: Message[]
  more: boolean
  /** v1.1: the caller's role in the room. */
  role: Role
  /** Addition: until when the caller is muted in this room (ms), if they are. */
  mutedUntil?: number | null
}
export interface LeftFrame extends Req {
  type: 'left'
  room: string
}
export interface AckFrame extends Req {
  type: 'ack'
  room: string
  cid: string
  seq: number
  ts: number
}
export interface HistoryReplyFrame extends Req {
  type: 'history'
  room: string
  messages: Message[]
  more: boolean
}
export interface TypingPush {
  type: 'typing'
  room: string
  user: User
}
export interface ReadPush {
  type: 'read'
  room: string
  user: string
  seq: number
}
export interface RecalledFrame extends Req {
  type: 'recalled'
  room: string
  seq: number
  by: string
}
export interface PongFrame extends Req {
  type: 'pong'
  ts: number
}
export interface MessagePush {
  type: 'message'
  room: string
  msg: Message
}
export interface PresencePush {
  type: 'presence'
  room: string
  user: User
  status: PresenceStatus
}
export interface KickedPush {
  type: 'kicked'
  room: string
}
export interface RoomPush {
  type: 'room'
  room: string
  info: RoomInfo
}
/**
 * v1.1 §B: the room's totals now (reactions + stored like/flower messages, as RoomInfo.stats)
 * and up to 5 of the users who reacted since the previous frame, as User objects (like
 * `presence.user`), most recent first.
 */
export interface ReactionsPush {
  type: 'reactions'
  room: string
  stats: RoomStats
  from: User[]
}
/** Addition: to the muted user's connections joined to the room when a host mutes or unmutes them. */
export interface MutePush {
  type: 'mute'
  room: string
  until: number | null
}
export interface ErrorFrame extends Req {
  type: 'error'
  code: ErrorCode
  message: string
  /** Addition: the room a room-scoped request (or a `hello.resume` entry) named. */
  room?: string
}

export type ServerFrame =
  | WelcomeFrame
  | JoinedFrame
  | LeftFrame
  | AckFrame
  | HistoryReplyFrame
  | TypingPush
  | ReadPush
  | RecalledFrame
  | PongFrame
  | MessagePush
  | PresencePush
  | KickedPush
  | RoomPush
  | ReactionsPush
  | MutePush
  | ErrorFrame

/** Body of the HTTP error responses: `{"error": code, "message": text}`. */
export interface HttpError {
  error: ErrorCode
  message: string
}

export interface LoginResponse {
  token: string
  user: User
}
export interface SendResult {
  room: string
  cid: string
  seq: number
  ts: number
}
export interface HistoryPage {
  messages: Message[]
  more: boolean
}
export interface UploadResult {
  url: string
  width: number
  height: number
}
