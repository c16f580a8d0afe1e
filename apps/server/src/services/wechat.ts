import { ErrorCode } from '@chat/protocol'
import { AppError } from '../lib/errors'

/**
 * code2Session: the `code` from wx.login → the user's openid. The session_key in the
 * answer never leaves this function (nothing here needs it, and it must not leak).
 */
export async function code2Session(base: string, app: { appId: string; secret: string }, code: string): Promise<{ openid: string }> {
  const url = new URL('/sns/jscode2session', base)
  url.search = new URLSearchParams({ appid: app.appId, secret: app.secret, js_code: code, grant_type: 'authorization_code' }).toString()
  let data: { openid?: unknown; errcode?: number; errmsg?: string }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
    data = (await res.json()) as typeof data
  } catch {
    throw new AppError(ErrorCode.Unavailable, 'WeChat did not answer, try again')
  }
  if (data.errcode) throw wechatError(data.errcode)
  if (typeof data.openid !== 'string' || data.openid.length === 0) throw new AppError(ErrorCode.Unavailable, 'WeChat gave no openid')
  return { openid: data.openid }
}

function wechatError(errcode: number): AppError {
  switch (errcode) {
    case 40029:
    case 40163:
      return new AppError(ErrorCode.Unauthorized, 'the WeChat login code is invalid or used; call wx.login again')
    case 45011:
      return new AppError(ErrorCode.RateLimited, 'WeChat login is rate limited, try again in a minute')
    case 40226:
      return new AppError(ErrorCode.Forbidden, 'WeChat marks this user as high risk')
    case -1:
      return new AppError(ErrorCode.Unavailable, 'WeChat is busy, try again')
    default:
      return new AppError(ErrorCode.Unavailable, `WeChat login failed (errcode ${errcode})`)
  }
}
