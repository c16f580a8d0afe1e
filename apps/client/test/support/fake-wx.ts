// Just enough of the WeChat mini-program runtime to load the compiled mp-weixin app in Node
// and drive its engine: wx.request on fetch, wx.connectSocket on `ws` (a SocketTask),
// storage in a Map, App() capturing the app. Pages are not rendered.
import WebSocket from 'ws'

import { type Callbacks, done, failed } from './mp-wx-net'

export interface FakeWx {
  storage: Map<string, unknown>
  sockets: WebSocket[]
  toasts: string[]
  app: Record<string, (...args: unknown[]) => unknown> | null
}

function socketTask(url: string, sockets: WebSocket[]) {
  const ws = new WebSocket(url)
  sockets.push(ws)
  ws.on('error', () => {})
  return {
    send: ({ data }: { data: string }) => ws.send(data),
    close: ({ code, reason }: { code?: number; reason?: string } = {}) => ws.close(code ?? 1000, reason),
    onOpen: (cb: () => void) => ws.on('open', () => cb()),
    onMessage: (cb: (r: { data: string }) => void) => ws.on('message', (d) => cb({ data: d.toString() })),
    onClose: (cb: (r: { code: number; reason: string }) => void) =>
      ws.on('close', (code, reason) => cb({ code, reason: reason.toString() })),
    onError: (cb: (e: { errMsg: string }) => void) => ws.on('error', (e) => cb({ errMsg: String(e) })),
  }
}

export function installFakeWx(): FakeWx {
  const state: FakeWx = { storage: new Map(), sockets: [], toasts: [], app: null }
  const info = {
    platform: 'devtools',
    windowWidth: 375,
    windowHeight: 700,
    pixelRatio: 2,
    language: 'zh_CN',
    SDKVersion: '3.5.0',
    version: '8.0.50',
    system: 'iOS 17',
    model: 'iPhone',
    brand: 'Apple',
    screenHeight: 812,
    safeArea: { top: 44, bottom: 778, right: 375 },
  }
  const api: Record<string, unknown> = {
    getSystemInfoSync: () => info,
    getWindowInfo: () => info,
    getDeviceInfo: () => info,
    getAppBaseInfo: () => info,
    getStorageSync: (k: string) => (state.storage.has(k) ? state.storage.get(k) : ''),
    setStorageSync: (k: string, v: unknown) => void state.storage.set(k, v),
    removeStorageSync: (k: string) => void state.storage.delete(k),
    setStorage: (o: { key: string; data: unknown } & Callbacks) => {
      state.storage.set(o.key, o.data)
      done(o, {})
    },
    request(o: { url: string; method?: string; data?: unknown; header?: Record<string, string> } & Callbacks) {
      const hasBody = o.data !== undefined && o.method !== 'GET'
      fetch(o.url, { method: o.method ?? 'GET', headers: o.header, body: hasBody ? JSON.stringify(o.data) : undefined })
        .then(async (res) => {
          const text = await res.text()
          let data: unknown = text
          try {
            data = JSON.parse(text)
          } catch {
            // not JSON
          }
          done(o, { statusCode: res.status, data, header: {} })
        })
        .catch((e) => failed(o, `request:fail ${e}`))
      return { abort() {} }
    },
    connectSocket: (o: { url: string } & Callbacks) => {
      const task = socketTask(o.url, state.sockets)
      done(o, {})
      return task
    },
    login: (o: Callbacks) => failed(o, 'login:fail not in WeChat'),
    onNetworkStatusChange: () => {},
    showToast: (o: { title: string }) => void state.toasts.push(o.title),
    canIUse: () => true,
  }
  // Navigation and UI calls succeed and do nothing (no pages are rendered here).
  for (const k of [
    'reLaunch',
    'navigateTo',
    'navigateBack',
    'redirectTo',
    'showLoading',
    'hideLoading',
    'setNavigationBarTitle',
    'showActionSheet',
    'previewImage',
    'stopPullDownRefresh',
    'setClipboardData',
  ]) {
    api[k] = (o: Callbacks = {}) => done(o, {})
  }
  const wx = new Proxy(api, {
    get: (t, k: string) => (k in t ? t[k] : () => ({})),
  })
  const g = globalThis as Record<string, unknown>
  g.wx = wx
  g.App = (opts: FakeWx['app']) => void (state.app = opts)
  g.getApp = () => state.app ?? {}
  g.Page = () => {}
  g.Component = () => {}
  g.getCurrentPages = () => []
  return state
}
