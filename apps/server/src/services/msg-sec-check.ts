import { ErrorCode } from '@chat/protocol'
import { AppError } from '../lib/errors'
import type { SharedCache } from '../plugins/external/redis'

export type SecCheckMode = 'off' | 'fail-open' | 'fail-closed'

export interface SecCheckDeps {
  base: string
  app: { appId: string; secret: string }
  cache: SharedCache
  mode: SecCheckMode
  onError?(err: unknown): void
}

/**
 * WeChat's msgSecCheck v2 for users who came through WeChat login (it needs their
 * openid). The access token comes from getStableAccessToken — which hands every caller
 * the same token while it is valid, so nodes never invalidate each other's — and is
 * cached in the shared cache; force_refresh is never used.
 */
export function createSecCheck(d: SecCheckDeps) {
  async function accessToken(): Promise<string> {
    const cached = await d.cache.get('wechat:access_token').catch(() => null)
    if (cached) return cached
    const res = await fetch(new URL('/cgi-bin/stable_token', d.base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credential', appid: d.app.appId, secret: d.app.secret, force_refresh: false }),
      signal: AbortSignal.timeout(5000),
    })
    const data = (await res.json()) as { access_token?: string; expires_in?: number; errcode?: number }
    if (!data.access_token) throw new Error(`getStableAccessToken failed (errcode ${data.errcode})`)
    const ttl = Math.max(60, (data.expires_in ?? 7200) - 300) * 1000
    await d.cache.set('wechat:access_token', data.access_token, ttl).catch(() => {})
    return data.access_token
  }

  /** Throws `forbidden` for risky content; on WeChat failure obeys fail-open/closed. */
  return async function check(text: string, openid: string | null): Promise<void> {
    if (d.mode === 'off' || !openid) return
    let suggest: string | undefined
    try {
      const token = await accessToken()
      const url = new URL('/wxa/msg_sec_check', d.base)
      url.searchParams.set('access_token', token)
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: text, version: 2, scene: 2, openid }),
        signal: AbortSignal.timeout(3000),
      })
      const data = (await res.json()) as { errcode?: number; result?: { suggest?: string } }
      if (data.errcode) throw new Error(`msgSecCheck errcode ${data.errcode}`)
      suggest = data.result?.suggest
    } catch (err) {
      d.onError?.(err)
      if (d.mode === 'fail-closed') throw new AppError(ErrorCode.Unavailable, 'content check unavailable, try again')
      return
    }
    if (suggest === 'risky') throw new AppError(ErrorCode.Forbidden, '内容含有违规信息，无法发送')
  }
}

export type SecCheck = ReturnType<typeof createSecCheck>
