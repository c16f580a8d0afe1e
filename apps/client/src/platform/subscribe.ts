// WeChat's subscribe-message consent (v1.1 §E): one-time permission for the server to send
// a notice while the mini-program is closed. Only the mini-program has it.

export const hasSubscribe: boolean = (() => {
  // #ifdef MP-WEIXIN
  return true
  // #endif
  // #ifndef MP-WEIXIN
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  return false
  // #endif
})()

/**
 * Asks the user (WeChat's own dialog). Must run inside a tap's handler: WeChat refuses it
 * otherwise, so the caller has the template ids at hand before the tap.
 */
export function requestSubscribe(templateIds: string[]): Promise<Record<string, string>> {
  // #ifdef MP-WEIXIN
  return new Promise((resolve, reject) => {
    uni.requestSubscribeMessage({
      tmplIds: templateIds,
      success: (res) => {
        const all = res as unknown as Record<string, unknown>
        const out: Record<string, string> = {}
        for (const id of templateIds) if (typeof all[id] === 'string') out[id] = all[id] as string
        resolve(out)
      },
      fail: (err) => {
        const e = err as { errCode?: number; errMsg?: string }
        reject(Object.assign(new Error(e?.errMsg || 'requestSubscribeMessage failed'), { errCode: e?.errCode }))
      },
    })
  })
  // #endif
  // #ifndef MP-WEIXIN
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  return Promise.reject(new Error('subscribe messages exist only in WeChat'))
  // #endif
}
