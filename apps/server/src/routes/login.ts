import { checkText, ErrorCode, Limits, type LoginResponse } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { jsonBody } from '../lib/http'
import { randomId } from '../lib/ids'
import { enforce } from '../limits/enforce'
import { publicUser } from '../plugins/app/auth'
import { code2Session } from '../services/wechat'

export function nameField(v: unknown, app: FastifyInstance): string {
  const t = checkText(v, 'name', Limits.nameMax)
  if (!t.ok) return fail(ErrorCode.BadRequest, t.message)
  return app.contentFilter.clean(t.value)
}

/**
 * An avatar is a path on this deployment: an upload (`/uploads/…`) or a file the client
 * bundles (`/static/…`). No absolute URLs: every viewer would fetch them, handing their
 * addresses (and a tracking pixel) to whoever picked the URL.
 */
export function avatarField(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null
  const ok =
    typeof v === 'string' &&
    v.length <= Limits.urlMax &&
    (/^\/uploads\/[A-Za-z0-9._-]+$/.test(v) || (/^\/static\/[A-Za-z0-9._~/-]+$/.test(v) && !v.includes('..')))
  if (!ok) return fail(ErrorCode.BadRequest, 'avatar must be an /uploads/ path of this server or a /static/ path')
  return v as string
}

export default async function login(app: FastifyInstance) {
  const { limits } = app.config
  const limitLogins = (ip: string) =>
    enforce(app, 'login', `login:${ip}`, limits.loginPerMinute, 60_000, 'too many logins, try again in a minute')

  app.post('/api/login', async (req): Promise<LoginResponse> => {
    if (!app.config.guestLogin) {
      app.metrics.refusals.inc({ limit: 'guest_login' })
      return fail(ErrorCode.Forbidden, 'guest login is off on this server; sign in with WeChat')
    }
    const b = jsonBody(req)
    const name = nameField(b.name, app)
    const avatar = avatarField(b.avatar)
    await limitLogins(req.ip)
    const user = await app.store.createUser({ id: randomId('u_'), name, avatar, ts: Date.now() })
    return { token: app.auth.issue(user.id), user: publicUser(user) }
  })

  app.post('/api/login/wechat', async (req): Promise<LoginResponse> => {
    if (!app.config.wechat) fail(ErrorCode.WechatDisabled, 'WeChat login is not configured on this server')
    const b = jsonBody(req)
    if (typeof b.code !== 'string' || b.code.length < 1 || b.code.length > 256)
      fail(ErrorCode.BadRequest, 'code must be the string from wx.login')
    const name = b.name === undefined ? null : nameField(b.name, app)
    const avatar = avatarField(b.avatar)
    await limitLogins(req.ip)
    const { openid } = await code2Session(app.config.wechatApiBase, app.config.wechat!, b.code as string)
    let user = await app.store.getUserByOpenid(openid)
    if (!user) {
      user = await app.store.createUser({ id: randomId('u_'), name: name ?? '微信用户', avatar, openid, ts: Date.now() })
    } else if (name !== null || avatar !== null) {
      await app.store.updateUserProfile(user.id, { ...(name !== null ? { name } : {}), ...(avatar !== null ? { avatar } : {}) })
      user = (await app.store.getUser(user.id))!
    }
    if (user.bannedAt !== null) fail(ErrorCode.Forbidden, 'this account is banned')
    return { token: app.auth.issue(user.id), user: publicUser(user) }
  })

  /** Trades a valid token for a fresh one (tokens expire after TOKEN_TTL_SECONDS). */
  app.post('/api/token/refresh', async (req): Promise<LoginResponse> => {
    const user = await app.auth.fromRequest(req)
    return { token: app.auth.issue(user.id), user: publicUser(user) }
  })
}
