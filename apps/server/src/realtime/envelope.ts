import type { Message, PresencePush, ReactionsPush, ReadPush, RecalledFrame, RoomPush, TypingPush } from '@chat/protocol'

/** The frames a room's members get through `Hub.emit`, on every node. */
export type RoomEvent = TypingPush | ReadPush | RecalledFrame | PresencePush | RoomPush | ReactionsPush

/** What travels between nodes. `o` is the origin node, so a node skips its own echo. */
export type Envelope =
  | { o: string; k: 'm'; m: Message }
  /** Several messages of one room, published together (outbox.ts). */
  | { o: string; k: 'ms'; ms: Message[] }
  | { o: string; k: 'e'; room: string; e: RoomEvent; x?: Exclude }
  | { o: string; k: 'kick'; room: string; user: string }
  | { o: string; k: 'mute'; room: string; user: string; until: number | null }
  | { o: string; k: 'ban'; user: string }

/** Who must not get an event: the requesting connection, or all of a user's. */
export interface Exclude {
  conn?: string
  user?: string
}

export const CONTROL_CHANNEL = 'ctl'
export const roomChannel = (room: string) => `room:${room}`

export function encodeMessage(origin: string, m: Message): string {
  return JSON.stringify({ o: origin, k: 'm', m })
}

export function encodeMessages(origin: string, ms: Message[]): string {
  return ms.length === 1 ? encodeMessage(origin, ms[0]) : JSON.stringify({ o: origin, k: 'ms', ms })
}

export function encodeEvent(origin: string, room: string, frame: RoomEvent, x: Exclude): string {
  return JSON.stringify({ o: origin, k: 'e', room, e: frame, x })
}

/** Envelopes come from our own nodes, but a bad one must not take a node down. */
export function decodeEnvelope(data: string): Envelope | null {
  try {
    const v = JSON.parse(data) as Envelope
    return v && typeof v === 'object' && typeof v.o === 'string' && typeof v.k === 'string' ? v : null
  } catch {
    return null
  }
}
