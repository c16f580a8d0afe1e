// The network half of the WeChat runtime the compiled mini-program runs against (see
// mp-runtime.ts), all real: `wx.request` and `wx.uploadFile` are HTTP through fetch,
// `wx.connectSocket` a `ws` client behind the SocketTask API.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import WebSocket from 'ws'

export type Callbacks = { success?: (r: unknown) => void; fail?: (e: { errMsg: string }) => void; complete?: (r: unknown) => void }
export const done = (o: Callbacks, r: unknown) => {
  o.success?.(r)
  o.complete?.(r)
}
export const failed = (o: Callbacks, errMsg: string) => {
  o.fail?.({ errMsg })
  o.complete?.({ errMsg })
}

/** The methods wx.request takes; anything else (PATCH) fails as in WeChat. */
const WX_METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT']

function socketTask(url: string, sockets: WebSocket[]) {
  const ws = new WebSocket(url)
  sockets.push(ws)
  ws.on('error', () => {}) // reported through onError
  return {
    send: ({ data }: { data: string }) => ws.send(data),
    close: ({ code, reason }: { code?: number; reason?: string } = {}) =>
      ws.readyState === ws.CONNECTING ? ws.terminate() : ws.close(code ?? 1000, reason),
    onOpen: (cb: (r: object) => void) => void ws.on('open', () => cb({})),
    onMessage: (cb: (r: { data: string }) => void) => void ws.on('message', (d) => cb({ data: d.toString() })),
    onClose: (cb: (r: { code: number; reason: string }) => void) =>
      void ws.on('close', (code, reason) => cb({ code, reason: reason.toString() })),
    onError: (cb: (e: { errMsg: string }) => void) => void ws.on('error', (e) => cb({ errMsg: String(e) })),
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * `to` maps the build's server address to the test's; every request is logged in `requests`
 * (as `METHOD url`) and every socket kept in `sockets`.
 */
export function networkApis(to: (url: string) => string, requests: string[], sockets: WebSocket[]) {
  return {
    request(o: { url: string; method?: string; data?: unknown; header?: Record<string, string> } & Callbacks) {
      const method = o.method ?? 'GET'
      requests.push(`${method} ${o.url}`)
      if (!WX_METHODS.includes(method)) {
        setTimeout(() => failed(o, `request:fail invalid method ${method}`))
        return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} }
      }
      const body = o.data !== undefined && method !== 'GET' ? JSON.stringify(o.data) : undefined
      fetch(to(o.url), { method, headers: o.header, body })
        .then(async (res) => done(o, { statusCode: res.status, data: parseJson(await res.text()), header: {} }))
        .catch((e) => failed(o, `request:fail ${e}`))
      return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} }
    },
    uploadFile(
      o: { url: string; filePath: string; name: string; header?: Record<string, string>; formData?: Record<string, string> } & Callbacks,
    ) {
      const form = new FormData()
      for (const [k, v] of Object.entries(o.formData ?? {})) form.append(k, v)
      form.append(o.name, new Blob([readFileSync(o.filePath)], { type: 'image/png' }), basename(o.filePath))
      fetch(to(o.url), { method: 'POST', headers: o.header, body: form })
        .then(async (res) => done(o, { statusCode: res.status, data: await res.text() }))
        .catch((e) => failed(o, `uploadFile:fail ${e}`))
      return { abort() {}, onProgressUpdate() {} }
    },
    connectSocket: (o: { url: string } & Callbacks) => {
      const task = socketTask(to(o.url), sockets)
      setTimeout(() => done(o, {}))
      return task
    },
  }
}
