import fp from 'fastify-plugin'
import { createNoticeLimit } from '../../services/notice-limit'
import { Notices } from '../../services/notices'
import { createWechatSubscribe } from '../../services/wechat-subscribe'

declare module 'fastify' {
  interface FastifyInstance {
    /** v1.1 §E offline notices (WeChat subscribe messages); off without WeChat and templates. */
    notices: Notices
  }
}

/**
 * Wires offline notices into the send path: every stored message reaches `notices` after
 * its ack. "Offline" is no open socket on any node (the per-user connection counter that
 * the connection caps keep across nodes); the 60-s interval is shared through Redis.
 */
export default fp(
  async (app) => {
    const { wechat, wechatApiBase, wechatTemplates, limits } = app.config
    const closing = new AbortController()
    const templates = wechat ? wechatTemplates : {}
    const subscribe = wechat
      ? createWechatSubscribe({
          base: wechatApiBase,
          app: wechat,
          cache: app.sharedCache,
          timeoutMs: limits.wechatTimeoutMs,
          signal: closing.signal,
        })
      : null
    if (!wechat && Object.keys(wechatTemplates).length)
      app.log.warn('WECHAT_TEMPLATE_* are set but WECHAT_APPID is not: offline notices are off')
    const limit = createNoticeLimit({ redis: app.redis, intervalMs: limits.noticeIntervalMs, onError: () => app.metrics.redisErrors.inc() })
    const notices = new Notices({
      templates,
      store: app.store,
      isOnline: async (userId) => app.hub.userConnections(userId) > 0 || (await app.connLimits.userConnections(userId)) > 0,
      claim: (userId, room) => limit.claim(userId, room),
      send: (msg) => subscribe!.send(msg),
      log: app.log,
    })
    app.decorate('notices', notices)
    if (notices.enabled) app.chatDeps.notify = (m) => notices.afterSend(m)
    app.addHook('preClose', () => {
      // WeChat calls still under way are cut short rather than holding the shutdown.
      closing.abort()
    })
  },
  { name: 'notices', dependencies: ['config', 'db', 'redis', 'metrics', 'hub'] },
)
