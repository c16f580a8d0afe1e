import type { FastifyInstance } from 'fastify'

/**
 * v1.1 §E: what the client needs before signing in — whether WeChat login works, and the
 * subscribe-message templates to ask the user for (`wx.requestSubscribeMessage`). No
 * token; `templates` is `{}` when WeChat is not configured.
 */
export default async function config(app: FastifyInstance) {
  const { wechat, wechatTemplates } = app.config
  const body = { wechat: { login: wechat !== null, templates: wechat ? { ...wechatTemplates } : {} } }
  app.get('/api/config', async (_req, reply) => {
    reply.header('cache-control', 'no-cache')
    return body
  })
}
