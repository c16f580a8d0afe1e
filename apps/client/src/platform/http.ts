// uni.request behind the engine's HttpClient (JSON in, JSON out, status kept).
import type { HttpClient } from '../engine/types'

export const uniHttp: HttpClient = (req) =>
  new Promise((resolve, reject) => {
    uni.request({
      url: req.url,
      method: req.method,
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
