import { CloseCode } from '@chat/protocol'
import fp from 'fastify-plugin'
import { settleWithin } from '../../lib/deadline'
import { SliceClock } from '../../lib/slices'
import { Hub } from '../../realtime/hub'
import { sweepIdle } from '../../realtime/idle-sweep'
import type { SendDeps } from '../../services/messages'
import { createSecCheck } from '../../services/msg-sec-check'

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub
    /** What the send path needs (services/messages.ts); notices add `notify`. */
    chatDeps: SendDeps
  }
}

const SWEEP_SLICES = 10

/**
 * The realtime core of this node. On shutdown it waits for every socket's queued work
 * (an in-flight send finishes its write; its client retries with the same cid and gets
 * the original ack from any node).
 */
export default fp(
  async (app) => {
    const { limits, nodeId } = app.config
    const hub = new Hub({
      nodeId,
      store: app.store,
      broker: app.broker,
      presence: app.presence,
      log: app.log,
      gapFillDelayMs: limits.gapFillDelayMs,
      pushWindowMs: limits.pushWindowMs,
      tailCheckMs: limits.tailCheckMs,
      metrics: {
        delivered: (n) => app.metrics.deliveries.inc(n),
        brokerError: () => app.metrics.brokerErrors.inc(),
        redisError: () => app.metrics.redisErrors.inc(),
        storeError: () => app.metrics.storeErrors.inc(),
        connections: (n) => app.metrics.connections.set(n),
      },
    })
    await hub.start()
    app.decorate('hub', hub)
    const { wechat, secCheck, wechatApiBase, sensitiveMode } = app.config
    const check =
      wechat && secCheck !== 'off'
        ? createSecCheck({
            base: wechatApiBase,
            app: wechat,
            cache: app.sharedCache,
            mode: secCheck,
            onError: (err) => app.log.warn({ err: String(err) }, 'msgSecCheck failed'),
          })
        : null
    app.decorate('chatDeps', {
      store: app.store,
      limiter: app.limiter,
      filter: app.contentFilter,
      uploadExists: (url: string) => app.uploads.exists(url),
      checkText: check ?? undefined,
      sensitiveMode,
      limits,
      publish: (message) => {
        hub.message(message)
        app.metrics.stored.inc()
      },
    } satisfies SendDeps)

    // Dead peers (no frame, no pong) are dropped; a ping keeps NAT mappings alive. Each
    // socket once per period, a tenth of them per tick: 5000 pings in one go were a stall.
    const tickMs = Math.min(limits.idleTimeoutMs / 3, 25_000) / SWEEP_SLICES
    const slices = new SliceClock(SWEEP_SLICES, tickMs)
    const sweep = setInterval(() => {
      app.metrics.connections.set(hub.conns.size)
      sweepIdle(hub.conns, slices, Date.now() - limits.idleTimeoutMs)
    }, tickMs)
    sweep.unref()

    app.addHook('preClose', async () => {
      clearInterval(sweep)
      // Through ws, not conn.close: the connection counts as closed only once its client answers.
      for (const conn of hub.conns) {
        conn.flushHeld()
        conn.socket.close(CloseCode.Restart, 'server shutting down')
      }
      // Every socket has just been sent 1012. A socket's close (and with it
      // its presence removal, queued behind its in-flight work) runs when its client
      // answers; until then the user still counts as online here, and a reconnect to another
      // node would not be announced. So wait for the answers and that work, within the
      // drain time, then end the subscriptions of clients that never answered.
      const all = [...hub.conns]
      const closedAndIdle = (c: (typeof all)[number]) =>
        (c.closed ? Promise.resolve() : new Promise((r) => c.socket.once('close', r))).then(() => c.idle())
      await settleWithin(Promise.all(all.map(closedAndIdle)), limits.drainMs)
      await Promise.all(
        all
          .filter((c) => !c.closed)
          .map((c) => {
            c.closed = true
            return hub.remove(c).catch((err) => app.log.warn({ err: String(err) }, 'presence cleanup at shutdown failed'))
          }),
      )
    })
    app.addHook('onClose', async () => {
      await hub.stop()
    })
  },
  { name: 'hub', dependencies: ['config', 'db', 'broker', 'presence', 'limits', 'metrics', 'content', 'uploads'] },
)
