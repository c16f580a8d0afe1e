import type { ClientFrame, RequestId, ServerFrame } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import type { Connection } from '../realtime/connection'

export interface HandlerContext {
  app: FastifyInstance
  conn: Connection
  /** Sends a reply, carrying the request's id when it had one. */
  reply(frame: ServerFrame): void
}

export type Handler<F extends ClientFrame = ClientFrame> = (ctx: HandlerContext, frame: F) => Promise<void>

export function withId<F extends ServerFrame>(frame: F, id: RequestId | undefined): F {
  return id === undefined ? frame : { ...frame, id }
}
