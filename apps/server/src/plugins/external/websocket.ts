import websocket from '@fastify/websocket'
import { CloseCode, Limits } from '@chat/protocol'
import fp from 'fastify-plugin'

/**
 * The socket server. Frames over 64 KiB are refused by ws itself (close 1009); shutdown
 * closes every socket with 1012 so clients reconnect, with jitter, to another node.
 */
export default fp(
  async (app) => {
    await app.register(websocket, {
      options: { maxPayload: Limits.frameBytes, perMessageDeflate: false },
      preClose(done) {
        for (const client of this.websocketServer.clients) {
          client.close(CloseCode.Restart, 'server shutting down')
        }
        done()
      },
    })
  },
  { name: 'websocket', dependencies: ['config'] },
)
