import type { FastifyInstance } from 'fastify'
import { ErrorCode } from '@chat/protocol'
import { fail } from '../lib/errors'
import { handleSocket } from '../ws/socket'

export default async function ws(app: FastifyInstance) {
  const allowed = app.config.allowedOrigins
  app.get(
    '/ws',
    {
      websocket: true,
      // Browsers send Origin; the mini-program sends none it can vouch for, so the token
      // stays the authority and this only stops other sites' pages.
      preValidation: async (req) => {
        const origin = req.headers.origin
        if (allowed && origin && !allowed.includes(origin)) fail(ErrorCode.Forbidden, 'origin not allowed')
      },
    },
    (socket, req) => handleSocket(app, socket, req),
  )
}
