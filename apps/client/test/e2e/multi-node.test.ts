// The H5 build in Chromium against a real two-node deployment (Redis + Postgres): Alice's
// browser talks to node A, Bob's to node B, each through its own origin serving the app with
// /api and /ws on it (like a load balancer's sticky route). They chat, like, send flowers, ask
// and answer, recall, see each other online and unread badges; Bob reloads and finds the whole
// history; then node B shuts down: Bob sees the reconnect banner, lands on node A and ends up
// with every message exactly once. A screenshot of each step goes to
// screenshots/e2e-multi-node/ (printed at the start).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { longPress } from '../support/browser'
import { serverHistory, type NodeProcess } from '../support/cluster'
import { field, screenshots, send, startTwoNodes, texts, type Browser, type TwoNodeStage } from '../support/h5-stage'
import type { H5Site } from '../support/static-proxy'

const ROOM = 'physics-live'
let shotsDir = ''
let snap: ReturnType<typeof screenshots>['snap']

/** The node named in each `welcome` the page's socket received. */
function trackNodes(page: Page): string[] {
  const nodes: string[] = []
  page.on('websocket', (ws) =>
    ws.on('framereceived', ({ payload }) => {
      const m = /^\{"type":"welcome".*"node":"([^"]+)"/.exec(String(payload))
      if (m) nodes.push(m[1])
    }),
  )
  return nodes
}

/** The seq of every rendered message row, in order. */
const seqs = (page: Page) => page.getByTestId('message-item').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))))
/** Whether the newest row is scrolled into view (the list follows new messages). */
const newestInView = (page: Page) =>
  page.locator('.scroll').evaluate((scroll) => {
    const rows = scroll.querySelectorAll('[data-testid=message-item]')
    const last = rows[rows.length - 1]
    return !!last && last.getBoundingClientRect().bottom <= scroll.getBoundingClientRect().bottom + 2
  })

async function login(page: Page, site: H5Site, name: string, shot?: string) {
  await page.goto(site.url + '/')
  await field(page, 'login-name').fill(name)
  if (shot) await snap(page, shot)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('room-id-input').waitFor()
}

async function live(page: Page, timeout = 10_000) {
  await page.getByTestId('conn-status').waitFor({ state: 'detached', timeout })
}

/** Long-presses a message until its action menu (which offers `expect`) opens. */
async function menu(page: Page, target: ReturnType<Page['locator']>, expectItem: string) {
  for (let i = 0; ; i++) {
    await page.waitForTimeout(400) // the list may still be scrolling to a new message
    await longPress(page, target)
    const ok = await page
      .getByText(expectItem, { exact: true })
      .waitFor({ timeout: 2000 })
      .then(
        () => true,
        () => false,
      )
    if (ok) return
    if (i === 2) {
      await page.screenshot({ path: join(shotsDir, 'failed-long-press.png') })
      throw new Error(`no "${expectItem}" in the long-press menu`)
    }
  }
}

/** Screenshots side by side with captions, at 1x: the overview docs/images/ shows. */
async function overview(browser: Browser, panels: Array<[file: string, caption: string]>, out: string) {
  const page = await browser.context.newPage()
  const img = (f: string) => `data:image/png;base64,${readFileSync(join(shotsDir, `${f}.png`)).toString('base64')}`
  const cells = panels.map(([f, c]) => `<figure><img src="${img(f)}"><figcaption>${c}</figcaption></figure>`).join('')
  await page.setViewportSize({ width: panels.length * 300 + 40, height: 630 })
  const body = "margin:0;background:#dfe3e8;font:14px 'Noto Sans CJK SC',sans-serif;display:flex;justify-content:center;padding:16px 8px"
  const style =
    'figure{margin:0 6px;text-align:center}img{width:288px;border-radius:14px;box-shadow:0 2px 10px rgba(0,0,0,.18)}' +
    'figcaption{margin-top:8px;color:#444}'
  await page.setContent(`<body style="${body}"><style>${style}</style>${cells}</body>`)
  await page.screenshot({ path: join(shotsDir, out), fullPage: true, scale: 'css' })
  await page.close()
}

describe('H5 in Chromium on two server nodes', { timeout: 60_000 }, () => {
  let stage: TwoNodeStage
  let nodeA: NodeProcess
  let nodeB: NodeProcess
  let siteA: H5Site
  let siteB: H5Site
  let alice: Browser
  let bob: Browser
  let aliceNodes: string[]
  let bobNodes: string[]
  let aliceToken = ''
  const presence: unknown[] = []

  beforeAll(async () => {
    ;({ dir: shotsDir, snap } = screenshots('e2e-multi-node', 350))
    stage = await startTwoNodes()
    ;({ siteA, siteB, a: alice, b: bob } = stage)
    ;[nodeA, nodeB] = stage.cluster.nodes
    aliceNodes = trackNodes(alice.page)
    alice.page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        if (String(payload).includes('"presence"')) presence.push([Date.now(), String(payload)])
      }),
    )
    bobNodes = trackNodes(bob.page)
  }, 120_000)

  afterAll(async () => {
    await stage?.stop()
  })

  it('Alice (node A) opens a live room; Bob (node B) joins it by id; both see each other online', async () => {
    await login(alice.page, siteA, 'Alice 老师', '01-login')
    await snap(alice.page, '02-rooms-empty')
    await field(alice.page, 'room-id-input').fill(ROOM)
    // 创建 with an id typed in: the create sheet makes that room; she owns it, she is the host.
    await alice.page.getByTestId('room-create-button').click()
    await alice.page.getByTestId('room-create-submit').click()
    await alice.page.getByTestId('room-create-enter').click()
    await alice.page.getByTestId('message-input').waitFor()
    await live(alice.page)
    aliceToken = JSON.parse((await alice.page.evaluate(() => localStorage.getItem('chat.session'))) ?? '{}').token

    await login(bob.page, siteB, 'Bob 同学')
    await field(bob.page, 'room-id-input').fill(ROOM)
    await bob.page.getByTestId('room-join').click()
    await live(bob.page)
    expect(aliceNodes).toEqual([nodeA.id])
    expect(bobNodes).toEqual([nodeB.id])
    // Presence crosses nodes both ways.
    await expect.poll(() => alice.page.getByTestId('online-count').innerText()).toBe('2')
    await expect.poll(() => bob.page.getByTestId('online-count').innerText()).toBe('2')
    await bob.page.getByTestId('online-count').click()
    await bob.page.getByText('私聊', { exact: true }).waitFor()
    expect(await bob.page.getByText('Alice 老师', { exact: true }).count()).toBe(1)
    await snap(bob.page, '03-members-online')
    await bob.page.getByText('关闭', { exact: true }).click()
  })

  it('text both ways across nodes, each message once and in order on both screens', async () => {
    await send(alice.page, '同学们好，今天讲牛顿第二定律 F = ma')
    await expect.poll(() => texts(bob.page)).toEqual(['同学们好，今天讲牛顿第二定律 F = ma'])
    await send(bob.page, '老师好！我准备好了 ✍️')
    const both = ['同学们好，今天讲牛顿第二定律 F = ma', '老师好！我准备好了 ✍️']
    await expect.poll(() => texts(alice.page)).toEqual(both)
    await expect.poll(() => texts(bob.page)).toEqual(both)
    expect(await seqs(alice.page)).toEqual([1, 2])
    expect(await seqs(bob.page)).toEqual([1, 2])
  })

  it('likes, flowers, and a question that only the host may answer', async () => {
    // Likes and flowers are reactions (v1.1 §B): live counters across nodes, no chat rows.
    await bob.page.getByTestId('like-button').click()
    await bob.page.getByTestId('flower-button').click()
    await bob.page.getByText('送 1 朵', { exact: true }).click()
    await alice.page.getByTestId('flower-button').click()
    await alice.page.getByText('送 1 朵', { exact: true }).click()
    for (const p of [alice.page, bob.page]) {
      await expect.poll(() => p.getByTestId('like-button').innerText(), { timeout: 5000 }).toContain('点赞 1')
      // Reactions merge across nodes once a second: more than expect.poll's default second.
      await expect.poll(() => p.getByTestId('flower-button').innerText(), { timeout: 5000 }).toContain('送花 2')
      expect(await p.getByTestId('message-item').count()).toBe(2)
    }

    await bob.page.getByText('提问', { exact: true }).click()
    await send(bob.page, '老师，质量变大时加速度怎么变？')
    const question = (p: Page) => p.getByTestId('message-text').filter({ hasText: '质量变大时加速度怎么变' })
    await question(alice.page).waitFor()
    // Bob is a member: his long-press menu has no "answer" (joined.role says so).
    await menu(bob.page, question(bob.page), '撤回')
    expect(await bob.page.getByText('回答', { exact: true }).count()).toBe(0)
    await bob.page.getByText('取消', { exact: true }).click()
    // Alice owns the room.
    await menu(alice.page, question(alice.page), '回答')
    await alice.page.getByText('回答', { exact: true }).click()
    await send(alice.page, '力不变时，质量越大加速度越小')
    await bob.page.getByText('主持人回答：力不变时，质量越大加速度越小').waitFor()
    await snap(alice.page, '04-host-view')
    await snap(bob.page, '05-question-answered')
  })

  it('recalls a message on both screens, keeping its place', async () => {
    await send(alice.page, '这条发错了，请忽略')
    await expect.poll(() => texts(bob.page)).toContain('这条发错了，请忽略')
    await expect.poll(() => newestInView(alice.page)).toBe(true) // my own message scrolled into view
    await menu(alice.page, alice.page.getByTestId('message-text').filter({ hasText: '这条发错了' }), '撤回')
    await alice.page.getByText('撤回', { exact: true }).click()
    for (const p of [alice.page, bob.page]) {
      await expect.poll(() => p.getByText('消息已撤回').count()).toBe(1)
      expect(await texts(p)).not.toContain('这条发错了，请忽略')
      expect(await seqs(p)).toEqual([1, 2, 3, 4, 5])
    }
    await snap(bob.page, '06-recalled')
  })

  it('counts unread messages on the rooms page, then clears them when the room is opened', async () => {
    await bob.page.goBack()
    const item = bob.page.locator(`[data-testid=room-item][data-room="${ROOM}"]`)
    await item.waitFor()
    await send(alice.page, '作业：课本第 42 页第 1–3 题')
    await send(alice.page, '明天上课前交')
    await expect.poll(() => item.getByTestId('room-unread').innerText(), { timeout: 10_000 }).toBe('2')
    await expect.poll(() => item.innerText()).toContain('明天上课前交')
    await snap(bob.page, '07-rooms-unread')
    await item.click()
    await live(bob.page)
    await expect.poll(() => texts(bob.page)).toContain('明天上课前交')
    await bob.page.goBack()
    await expect.poll(() => item.getByTestId('room-unread').count()).toBe(0)
    await item.click()
    await live(bob.page)
  })

  it('after a reload the whole history is there, once', async () => {
    await bob.page.reload()
    await live(bob.page)
    const history = await serverHistory(nodeA.url, aliceToken, ROOM)
    expect(history.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    await expect.poll(() => seqs(bob.page)).toEqual(history.map((m) => m.seq))
    expect(await texts(bob.page)).toEqual(await texts(alice.page))
    await snap(bob.page, '08-after-reload')
  })

  it('node B shuts down: Bob sees the banner, reconnects to node A, and has every message exactly once', async () => {
    expect(new Set(bobNodes)).toEqual(new Set([nodeB.id])) // (the reload connected again, to B)
    presence.push([Date.now(), 'STOP'])
    const stopped = nodeB.stop() // SIGTERM: drain, close sockets with 1012
    await bob.page.getByTestId('conn-status').waitFor({ timeout: 10_000 })
    expect(await stopped).toBe(0)
    await snap(bob.page, '09-reconnecting')
    // While Bob is cut off, Alice keeps teaching and Bob writes a message too.
    const whileDown = ['大家注意，下面是例题', '例题：m = 2 kg，F = 10 N，求 a', '答案 a = 5 m/s²']
    for (const t of whileDown) await send(alice.page, t)
    await send(bob.page, '我刚才掉线了，老师能重复一下吗？')
    await expect.poll(() => bob.page.getByTestId('message-item').last().getAttribute('data-status')).toBe('sending')
    await snap(bob.page, '10-offline-sending')
    // The load balancer notices node B is gone and sends Bob's origin to node A.
    siteB.setUpstream(nodeA.url)
    presence.push([Date.now(), 'SWITCH'])
    await live(bob.page, 40_000)
    expect(bobNodes.at(-1)).toBe(nodeA.id)

    await expect.poll(() => texts(bob.page), { timeout: 15_000 }).toContain('答案 a = 5 m/s²')
    await expect.poll(() => texts(alice.page)).toContain('我刚才掉线了，老师能重复一下吗？')
    await expect.poll(() => bob.page.locator('[data-testid=message-item][data-status=sending]').count()).toBe(0)
    await bob.page.waitForTimeout(1000) // a duplicate would have arrived by now
    const history = await serverHistory(nodeA.url, aliceToken, ROOM)
    expect(history.map((m) => m.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1))
    expect(history.filter((m) => m.body.text === '我刚才掉线了，老师能重复一下吗？')).toHaveLength(1)
    for (const p of [alice.page, bob.page]) {
      expect(await seqs(p)).toEqual(history.map((m) => m.seq))
      const shown = await texts(p)
      for (const t of [...whileDown, '我刚才掉线了，老师能重复一下吗？']) expect(shown.filter((x) => x === t)).toHaveLength(1)
    }
    expect(await texts(bob.page)).toEqual(await texts(alice.page))
    await expect.poll(() => bob.page.getByTestId('online-count').innerText()).toBe('2')
    await expect
      .poll(() => alice.page.getByTestId('online-count').innerText(), { message: `presence frames Alice got: ${JSON.stringify(presence)}` })
      .toBe('2')
    // Bob was reading the newest messages: he still is, no "N new messages" pill.
    await expect.poll(() => newestInView(bob.page)).toBe(true)
    expect(await bob.page.getByText(/条新消息/).count()).toBe(0)
    await snap(bob.page, '11-bob-back-on-node-a')
    await snap(alice.page, '12-alice-final')
    await overview(
      alice,
      [
        ['01-login', '1. 取个昵称登录'],
        ['05-question-answered', '2. Bob（节点 B）提问，老师回答'],
        ['12-alice-final', '3. 节点 B 停机后，消息一条不少、不重'],
      ],
      'overview.png',
    )
  })
})
