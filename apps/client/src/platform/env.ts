// Everything that differs between H5 and the WeChat mini-program, in one place.
import { chatPath, h5ChatUrl } from '../engine/invite-link'

/** The server base: VITE_SERVER_URL when built with one, else (H5) the page's own origin. */
export function serverBase(): string {
  const configured = import.meta.env.VITE_SERVER_URL
  if (configured) return configured
  // #ifdef H5
  return window.location.origin
  // #endif
  // #ifndef H5
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  return 'http://127.0.0.1:3000'
  // #endif
}

/** Mini-programs are frozen ~5 s after hiding; H5 tabs keep running. */
export const pauseInBackground: boolean = (() => {
  // #ifdef MP-WEIXIN
  return true
  // #endif
  // #ifndef MP-WEIXIN
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  return false
  // #endif
})()

/** A WeChat login code, or null outside WeChat. */
export function wechatCode(): Promise<string | null> {
  // #ifdef MP-WEIXIN
  return new Promise((resolve) => {
    uni.login({
      provider: 'weixin',
      success: (res) => resolve(res.code || null),
      fail: () => resolve(null),
    })
  })
  // #endif
  // #ifndef MP-WEIXIN
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  return Promise.resolve(null)
  // #endif
}

export const hasWechatLogin: boolean = (() => {
  // #ifdef MP-WEIXIN
  return true
  // #endif
  // #ifndef MP-WEIXIN
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  return false
  // #endif
})()

/** The link that opens a room (and joins an invite room): the H5 URL on H5, the page path in WeChat. */
export function roomLink(room: string, invite?: string | null): string {
  // #ifdef H5
  return h5ChatUrl(window.location.href, room, invite)
  // #endif
  // #ifndef H5
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  return chatPath(room, invite)
  // #endif
}

/** Only WeChat has share cards (`<button open-type="share">`, onShareAppMessage). */
export const canShare: boolean = (() => {
  // #ifdef MP-WEIXIN
  return true
  // #endif
  // #ifndef MP-WEIXIN
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  return false
  // #endif
})()

/** H5 has a hardware keyboard: Enter sends and Shift+Enter breaks the line. In WeChat the
 *  keyboard's own send key (confirm-type="send") sends. */
export const enterSends: boolean = (() => {
  // #ifdef H5
  return true
  // #endif
  // #ifndef H5
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  return false
  // #endif
})()
