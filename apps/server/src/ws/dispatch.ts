import type { ClientFrame } from '@chat/protocol'
import type { Handler } from './context'
import { history } from './handlers/history'
import { join } from './handlers/join'
import { leave } from './handlers/leave'
import { ping } from './handlers/ping'
import { react } from './handlers/react'
import { read } from './handlers/read'
import { recall } from './handlers/recall'
import { send } from './handlers/send'
import { typing } from './handlers/typing'

/** Frame type → handler, for every request allowed after `welcome`. */
export const handlers: { [T in Exclude<ClientFrame['type'], 'hello'>]: Handler<Extract<ClientFrame, { type: T }>> } = {
  join,
  leave,
  send,
  history,
  typing,
  read,
  recall,
  ping,
  react,
}
