import type { ClientFrame, RequestId, ServerFrame } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import type { Connection, Turn } from '../realtime/connection'

export interface HandlerContext {
  app: FastifyInstance
  conn: Connection
  /** The frame's place in the connection's order: a send releases it once its append is queued. */
  turn: Turn
  /** Sends a reply, carrying the request's id when it had one. */
  reply(frame: ServerFrame): void
}

export type Handler<F extends ClientFrame = ClientFrame> = (ctx: HandlerContext, frame: F) => Promise<void>

export function withId<F extends ServerFrame>(frame: F, id: RequestId | undefined): F {
  return id === undefined ? frame : { ...frame, id }
}
