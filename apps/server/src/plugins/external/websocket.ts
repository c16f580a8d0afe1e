import websocket, { type WebsocketPluginOptions } from '@fastify/websocket'
import { Limits } from '@chat/protocol'
import fp from 'fastify-plugin'
import { ChatWebSocket } from '../../ws/socket'

/**
 * The socket server. Frames over 64 KiB are refused by ws itself (close 1009); shutdown
 * closes every socket with 1012 so clients reconnect, with jitter, to another node.
 * ws's own set of clients is off (the hub knows every socket; a second set and a 'close'
 * listener per socket were memory for nothing), so the hub's preClose sends the 1012.
 */
export default fp(
  async (app) => {
    await app.register(websocket, {
      options: {
        maxPayload: Limits.frameBytes,
        perMessageDeflate: false,
        clientTracking: false,
        // The plugin's @types/ws asks for the module's type (with its static members).
        WebSocket: ChatWebSocket as unknown as NonNullable<WebsocketPluginOptions['options']>['WebSocket'],
      },
      preClose(done) {
        done()
      },
    })
  },
  { name: 'websocket', dependencies: ['config'] },
)
