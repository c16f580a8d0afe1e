import type { ClientFrame, RequestId } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import type { Connection } from '../realtime/connection'

export interface HandlerContext {
  app: FastifyInstance
  conn: Connection
  /** Sends a reply, carrying the request's id when it had one. */
  reply(frame: object): void
}

export type Handler<F extends ClientFrame = ClientFrame> = (ctx: HandlerContext, frame: F) => Promise<void>

export function withId(frame: object, id: RequestId | undefined): object {
  return id === undefined ? frame : { ...frame, id }
}
