// The compiled mini-program (dist/build/mp-weixin*) running in Node with its real pages:
// WeChat's own component framework (miniprogram-simulate → j-component/exparser) renders
// every page and child component from the compiled WXML (compiled by the official `wcc`),
// into a jsdom document. Around it, just the parts of the WeChat runtime the app uses, real
// where it matters: `wx.connectSocket` is a `ws` client, `wx.request` / `wx.uploadFile` are
// real HTTP, storage is a Map, navigation keeps a page stack and calls the page lifecycle.
// Tests find elements by `data-testid` and fire taps and input events as a user's finger would.
import { readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, sep } from 'node:path'
import { JSDOM } from 'jsdom'
import type WebSocket from 'ws'
import { clientDir } from './builds'
import { type Callbacks, done, failed, networkApis } from './mp-wx-net'

type Instance = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
interface Rendered {
  dom: HTMLElement
  instance: Instance
  attach(parent: Element): void
  detach(): void
}
interface OpenPage {
  route: string
  comp: Rendered
}

export interface ActionSheet {
  items: string[]
  pick(label: string): void
}

export interface Modal {
  title: string
  content: string
  answer(confirm: boolean): void
}

export interface MiniProgram {
  storage: Map<string, unknown>
  /** Every socket the app opened, in order. */
  sockets: WebSocket[]
  toasts: string[]
  /** Action sheets shown (long-press menus), newest last. */
  sheets: ActionSheet[]
  /** Modals shown (confirmations), newest last. */
  modals: Modal[]
  /** Every wx.request, as `METHOD url`. */
  requests: string[]
  /** Every navigation bar title set, in order. */
  titles: string[]
  /** Every wx.requestSubscribeMessage call's template ids, in order (answered "accept"). */
  subscribes: string[][]
  /** The card WeChat would share from the page on top (its onShareAppMessage / onShareTimeline). */
  shareCard(kind?: 'app' | 'timeline'): Record<string, unknown> | undefined
  /** WeChat opening a page from outside (a share card, a notice) while the app runs: reLaunch. */
  relaunch(url: string): void
  /** The route of the page on top, e.g. `pages/chat/chat`. */
  route(): string
  find(testId: string): HTMLElement | null
  findAll(testId: string): HTMLElement[]
  /** Text of every element with that test id, in document order. */
  texts(testId: string): string[]
  /** What the user types: a bound input's `input` event with its new value. */
  type(testId: string, value: string): void
  tap(target: string | Element): void
  /** A switch flipped by the user (its `change` event with `{value}`). */
  toggle(target: string | Element, value: boolean): void
  longpress(target: Element): void
  /** WeChat's avatar picker (`<button open-type="chooseAvatar">`) hands back a temporary file. */
  chooseAvatar(testId: string, file: string): void
  /** The next image picker returns this file. */
  nextImage(path: string): void
  /** The navigation bar's back arrow. */
  back(): void
  /** The user leaves WeChat (app and page `onHide`) / comes back (`onShow`). */
  hide(): void
  show(): void
  /** Unloads every page and closes every socket. */
  close(): void
}

/** Node lacks the DOM the component framework renders into; jsdom's goes on globalThis. */
function installDom(): void {
  if ((globalThis as Record<string, unknown>).__mpDom) return
  const { window } = new JSDOM('<!doctype html><html><body></body></html>')
  const names = 'window document Node Element HTMLElement Event CustomEvent MutationObserver getComputedStyle TouchEvent Touch'.split(' ')
  for (const k of names) {
    const value = k === 'window' ? window : (window as unknown as Record<string, unknown>)[k]
    Object.defineProperty(globalThis, k, { value, configurable: true, writable: true })
  }
  ;(globalThis as Record<string, unknown>).__mpDom = true
}

/**
 * Loads the compiled app in `root`, launches it and opens its first page (as WeChat does).
 * `entry`: the page WeChat opens first (a share card's path; default the login page).
 * `server`: where the build's server address really goes (its origin is swapped), so a test
 * can run its own server on any port. `wechatCode`: what `wx.login` answers (inside WeChat);
 * without it the app is not in WeChat and logs in as a guest.
 */
export function launchMiniProgram(
  root: string,
  opts: { language?: string; entry?: string; server?: string; wechatCode?: string } = {},
): MiniProgram {
  installDom()
  const req = createRequire(join(clientDir, 'package.json'))
  const stack: OpenPage[] = []
  const storage = new Map<string, unknown>()
  const sockets: WebSocket[] = []
  const toasts: string[] = []
  const sheets: ActionSheet[] = []
  const modals: Modal[] = []
  const requests: string[] = []
  const titles: string[] = []
  const subscribes: string[][] = []
  const built = opts.server ? (JSON.parse(readFileSync(`${root}.json`, 'utf8')).serverUrl as string) : ''
  const to = (url: string) =>
    opts.server && built ? url.replace(built, opts.server).replace(built.replace('http', 'ws'), opts.server.replace('http', 'ws')) : url
  let image: string | null = null
  let app: Instance | null = null
  const g = globalThis as Record<string, unknown>
  g.App = (o: Instance) => void (app = o)
  g.getApp = () => app
  g.getCurrentPages = () => stack.map((p) => p.comp.instance)
  g.Page = () => {
    throw new Error('uni pages are Components; Page() is never called')
  }
  // Defines Component() and a mocked wx.* (every API, answering success) before vendor.js
  // captures them; the calls that matter are replaced below with real ones.
  const simulate = req('miniprogram-simulate') as { load(path: string, o: object): string; render(id: string): Rendered }
  const exparser = req(req.resolve('miniprogram-exparser', { paths: [req.resolve('j-component')] }))
  // A fresh wx per launch: an earlier launch's vendor.js still holds (and calls through) its own.
  const wx = { ...(g.wx as object) } as Record<string, unknown>
  g.wx = wx
  const top = () => stack[stack.length - 1]

  const loaded = new Map<string, string>()
  /** Compiles a page and its components once; simulate's wxss step calls the deprecated postcss.plugin each time. */
  function load(route: string): string {
    let id = loaded.get(route)
    if (id) return id
    const warn = console.warn
    console.warn = (...a: unknown[]) => void (String(a[0]).includes('postcss.plugin was deprecated') || warn(...a))
    try {
      id = simulate.load(join(root, route), { compiler: 'official', rootPath: root })
    } finally {
      console.warn = warn
    }
    loaded.set(route, id)
    return id
  }

  function openPage(url: string): void {
    const [route, qs = ''] = url.replace(/^\//, '').split('?')
    const comp = simulate.render(load(route))
    comp.instance.route = route // what makes uni treat the component as a page
    comp.attach(document.createElement('page-wrapper'))
    stack.push({ route, comp })
    comp.instance.onLoad(Object.fromEntries(new URLSearchParams(qs)))
    comp.instance.onShow()
    comp.instance.onReady?.()
  }
  function closePage(p: OpenPage | undefined): void {
    if (!p) return
    p.comp.instance.onUnload?.()
    p.comp.detach()
  }
  // Navigation completes asynchronously, as in WeChat.
  const navigate = (o: { url?: string; delta?: number } & Callbacks, run: () => void) =>
    void setTimeout(() => {
      run()
      done(o, {})
    })

  // WeChat's own language setting (`zh_CN`, `en`), which the app follows.
  const withLanguage = (f: unknown) => () => ({ ...((typeof f === 'function' ? f() : {}) as object), language: opts.language ?? 'zh_CN' })
  Object.assign(wx, {
    getAppBaseInfo: withLanguage(wx.getAppBaseInfo),
    getSystemInfoSync: withLanguage(wx.getSystemInfoSync),
    setNavigationBarTitle: (o: { title: string } & Callbacks) => {
      titles.push(o.title)
      done(o, {})
    },
    requestSubscribeMessage: (o: { tmplIds: string[] } & Callbacks) => {
      subscribes.push([...o.tmplIds])
      setTimeout(() => done(o, { errMsg: 'requestSubscribeMessage:ok', ...Object.fromEntries(o.tmplIds.map((id) => [id, 'accept'])) }))
    },
    reLaunch: (o: { url: string } & Callbacks) =>
      navigate(o, () => {
        while (stack.length) closePage(stack.pop())
        openPage(o.url)
      }),
    redirectTo: (o: { url: string } & Callbacks) =>
      navigate(o, () => {
        closePage(stack.pop())
        openPage(o.url)
      }),
    navigateTo: (o: { url: string } & Callbacks) =>
      navigate(o, () => {
        top()?.comp.instance.onHide()
        openPage(o.url)
      }),
    navigateBack: (o: { delta?: number } & Callbacks = {}) =>
      navigate(o, () => {
        for (let i = 0; i < (o.delta ?? 1) && stack.length > 1; i++) closePage(stack.pop())
        top()?.comp.instance.onShow()
      }),
    getStorageSync: (k: string) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k: string, v: unknown) => void storage.set(k, v),
    removeStorageSync: (k: string) => void storage.delete(k),
    showToast: (o: { title: string } & Callbacks) => {
      toasts.push(o.title)
      done(o, {})
    },
    showActionSheet: (o: { itemList: string[] } & Callbacks) =>
      sheets.push({ items: o.itemList, pick: (label) => done(o, { tapIndex: o.itemList.indexOf(label) }) }),
    showModal: (o: { title?: string; content?: string } & Callbacks) =>
      modals.push({ title: o.title ?? '', content: o.content ?? '', answer: (confirm) => done(o, { confirm, cancel: !confirm }) }),
    // Not inside WeChat (no `wechatCode`): no login code, so the app logs in as a guest.
    login: (o: Callbacks) => (opts.wechatCode ? done(o, { code: opts.wechatCode }) : failed(o, 'login:fail not in WeChat')),
    onNetworkStatusChange: () => {},
    chooseImage: (o: Callbacks) => {
      const p = image
      image = null
      if (!p) return failed(o, 'chooseImage:fail cancel')
      done(o, { tempFilePaths: [p], tempFiles: [{ path: p, size: statSync(p).size }] })
    },
    chooseMedia: (o: Callbacks) => {
      const p = image
      image = null
      if (!p) return failed(o, 'chooseMedia:fail cancel')
      done(o, { type: 'image', tempFiles: [{ tempFilePath: p, size: statSync(p).size, fileType: 'image' }] })
    },
    ...networkApis(to, requests, sockets),
  })

  // Launched again in the same process: run the app's code afresh (a new Vue app, new stores).
  for (const k of Object.keys(req.cache)) if (k.startsWith(root + sep)) delete req.cache[k]
  req(join(root, 'app.js'))
  if (!app) throw new Error(`${root}/app.js did not call App()`)
  const launched: Instance = app
  const entry = opts.entry ?? '/pages/login/login'
  const [entryPath, entryQuery = ''] = entry.replace(/^\//, '').split('?')
  const options = { path: entryPath, query: Object.fromEntries(new URLSearchParams(entryQuery)), scene: opts.entry ? 1007 : 1001 }
  launched.onLaunch(options)
  launched.onShow(options)
  openPage(entry)

  const findAll = (id: string) => (top() ? [...top().comp.dom.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)] : [])
  const find = (id: string) => findAll(id)[0] ?? null
  function fire(target: string | Element, type: string, detail: object = {}): void {
    const el = typeof target === 'string' ? find(target) : target
    if (!el) throw new Error(`no element [data-testid="${String(target)}"] on ${top()?.route}`)
    const node = (el as unknown as { __wxElement?: unknown }).__wxElement
    if (!node) throw new Error('not a rendered mini-program element')
    const extraFields = { touches: [], changedTouches: [] }
    exparser.Event.dispatchEvent(
      node,
      exparser.Event.create(type, detail, { bubbles: true, composed: true, capturePhase: true, extraFields }),
    )
  }

  return {
    storage,
    sockets,
    toasts,
    sheets,
    modals,
    requests,
    titles,
    subscribes,
    shareCard: (kind = 'app') => top()?.comp.instance[kind === 'app' ? 'onShareAppMessage' : 'onShareTimeline']?.({ from: 'menu' }),
    relaunch: (url) => void (wx.reLaunch as (o: object) => void)({ url }),
    route: () => top()?.route ?? '',
    find,
    findAll,
    texts: (id) => findAll(id).map((e) => e.textContent ?? ''),
    type: (id, value) => fire(id, 'input', { value, cursor: value.length }),
    tap: (t) => fire(t, 'tap', { x: 0, y: 0 }),
    toggle: (t, value) => fire(t, 'change', { value }),
    longpress: (t) => fire(t, 'longpress', { x: 0, y: 0 }),
    chooseAvatar: (t, file) => fire(t, 'chooseavatar', { avatarUrl: file }),
    nextImage: (p) => void (image = p),
    back: () => void (wx.navigateBack as (o: object) => void)({}),
    hide() {
      top()?.comp.instance.onHide()
      launched.onHide()
    },
    show() {
      launched.onShow({ ...options, path: top()?.route ?? options.path })
      top()?.comp.instance.onShow()
    },
    close() {
      // Backgrounded first, so the engine closes its socket and never reconnects from here on.
      top()?.comp.instance.onHide()
      launched.onHide()
      while (stack.length) closePage(stack.pop())
      for (const s of sockets) s.terminate()
    },
  }
}
