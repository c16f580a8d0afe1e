// uni.request behind the engine's HttpClient (JSON in, JSON out, status kept).
import type { HttpClient, HttpRequest } from '../engine/types'

/** WeChat's wx.request has no PATCH: the mini-program sends PUT, which the server takes alike. */
function wireMethod(method: HttpRequest['method']): HttpRequest['method'] {
  // #ifdef MP-WEIXIN
  if (method === 'PATCH') return 'PUT'
  // #endif
  return method
}

export const uniHttp: HttpClient = (req) =>
  new Promise((resolve, reject) => {
    uni.request({
      url: req.url,
      // uni's types omit PATCH; H5 sends it as is.
      method: wireMethod(req.method) as UniApp.RequestOptions['method'],
      ...(req.body === undefined ? {} : { data: req.body as UniApp.RequestOptions['data'] }),
      header: {
        ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(req.token ? { Authorization: `Bearer ${req.token}` } : {}),
      },
      dataType: 'json',
      timeout: 15_000,
      success: (res) => resolve({ status: res.statusCode, data: res.data }),
      fail: (err) => reject(new Error(err.errMsg || 'request failed')),
    })
  })
