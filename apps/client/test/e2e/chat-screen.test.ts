// The everyday chat screen (issue 17) in Chromium on two server nodes: a multi-line message
// typed with Shift+Enter and sent with Enter, an image upload's progress and ✕ (the upload
// throttled by Chromium's network emulation), an upload the server refuses, a message the
// server refuses for good (written while cut off, the room muted meanwhile), 已读 when the
// other user opens the dm, and the three pages dark and in English (screenshots in
// screenshots/e2e-chat-screen/) with an axe-core scan of each.
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBrowser } from '../support/browser'
import { axeSerious } from '../support/axe'
import { field, live, screenshots, sessionOf, startTwoNodes, texts, type Browser, type TwoNodeStage } from '../support/h5-stage'
import { png } from '../support/png'
import type { H5Site } from '../support/static-proxy'

let snap: ReturnType<typeof screenshots>['snap']

async function login(page: Page, site: H5Site, name: string) {
  await page.goto(site.url + '/')
  await field(page, 'login-name').fill(name)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('room-id-input').waitFor()
}

async function enter(page: Page, room: string) {
  await field(page, 'room-id-input').fill(room)
  await page.getByTestId('room-join').click()
  await live(page)
}

describe('the chat screen in Chromium on two server nodes', { timeout: 90_000 }, () => {
  let stage: TwoNodeStage
  let siteA: H5Site
  let siteB: H5Site
  let alice: Browser
  let bob: Browser
  const ROOM = 'c17-class'
  /** Bob's socket goes through this switch: cut, it closes and refuses to reconnect. */
  let bobCut = false
  const bobSockets: Array<{ close(): Promise<void> }> = []

  beforeAll(async () => {
    snap = screenshots('e2e-chat-screen').snap
    stage = await startTwoNodes()
    ;({ siteA, siteB, a: alice, b: bob } = stage)
    // A pass-through to the real node; only the switch is the test's.
    await bob.page.routeWebSocket(/\/ws$/, (ws) => {
      if (bobCut) return void ws.close({ code: 4500, reason: 'cut' })
      ws.connectToServer()
      bobSockets.push(ws)
    })
    await login(alice.page, siteA, '小爱')
    await login(bob.page, siteB, '小博')
    // Alice owns the room (so she can mute it later); both are in it.
    const { token } = await sessionOf(alice.page)
    const res = await fetch(`${stage.cluster.nodes[0].url}/api/rooms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: ROOM, title: '物理课' }),
    })
    expect(res.status).toBe(201)
    await enter(alice.page, ROOM)
    await enter(bob.page, ROOM)
  }, 120_000)

  afterAll(async () => {
    await stage?.stop()
  })

  it('types three lines with Shift+Enter, sends with Enter, and the other user sees them whole', async () => {
    const box = field(alice.page, 'message-input')
    await box.click()
    await alice.page.keyboard.type('第一行：F = ma')
    await alice.page.keyboard.press('Shift+Enter')
    await alice.page.keyboard.type('second line')
    await alice.page.keyboard.press('Shift+Enter')
    await alice.page.keyboard.type('第三行 end')
    expect(await box.inputValue()).toBe('第一行：F = ma\nsecond line\n第三行 end')
    // The box grew to show the three lines.
    const h = await box.evaluate((el) => el.closest('uni-textarea')!.getBoundingClientRect().height)
    expect(h).toBeGreaterThan(55)
    await alice.page.keyboard.press('Enter')
    await expect.poll(() => texts(bob.page)).toContain('第一行：F = ma\nsecond line\n第三行 end')
    await expect.poll(() => box.inputValue()).toBe('')
    // Focus stays in the box after sending, by Enter and by the send button.
    expect(await alice.page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA')
    await alice.page.keyboard.type('按钮发送')
    await alice.page.getByTestId('send-button').click()
    await expect.poll(() => texts(bob.page)).toContain('按钮发送')
    await expect.poll(() => alice.page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA')
    // Shown whole: the bubble is three lines tall, nothing clipped.
    const bubble = bob.page.getByTestId('message-text').filter({ hasText: 'second line' })
    const box3 = await bubble.evaluate((el) => ({
      h: el.getBoundingClientRect().height,
      sh: el.scrollHeight,
      lh: parseFloat(getComputedStyle(el).lineHeight),
    }))
    expect(box3.h).toBeGreaterThanOrEqual(3 * box3.lh - 1)
    expect(box3.sh).toBeLessThanOrEqual(box3.h + 1)
    await snap(bob.page, 'multi-line-received')
  })

  it('keeps the draft of a room when leaving it', async () => {
    await field(bob.page, 'message-input').fill('还没写完的问题')
    await bob.page.goBack()
    await bob.page.getByTestId('room-id-input').waitFor()
    await enter(bob.page, ROOM)
    await expect.poll(() => field(bob.page, 'message-input').inputValue()).toBe('还没写完的问题')
    await field(bob.page, 'message-input').fill('')
  })

  it('shows an upload’s progress in its bubble, and ✕ stops it: nothing is sent', async () => {
    const before = await bob.page.getByTestId('message-item').count()
    // A real PNG header and 600 KB that do not compress, uploaded at 60 KB/s.
    const file = join(tmpdir(), `c17-big-${process.pid}.png`)
    writeFileSync(
      file,
      Buffer.concat([png(20, 20), Buffer.from(Array.from({ length: 600 * 1024 }, () => Math.floor(Math.random() * 256)))]),
    )
    const cdp = await alice.page.context().newCDPSession(alice.page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 60 * 1024 })
    const chooser = alice.page.waitForEvent('filechooser')
    await alice.page.getByTestId('image-button').click()
    await (await chooser).setFiles(file)
    const item = alice.page.getByTestId('upload-item')
    await item.waitFor()
    const progress = async () => Number(await item.getAttribute('data-progress'))
    await expect.poll(progress, { timeout: 15_000 }).toBeGreaterThan(5)
    expect(await progress()).toBeLessThan(100)
    const width = await alice.page.getByTestId('upload-progress').evaluate((el) => el.getBoundingClientRect().width)
    expect(width).toBeGreaterThan(0)
    await snap(alice.page, 'upload-progress')
    await alice.page.getByTestId('upload-cancel').click()
    await expect.poll(() => item.count()).toBe(0)
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
    await cdp.detach()
    await bob.page.waitForTimeout(1500)
    expect(await bob.page.getByTestId('message-item').count()).toBe(before)
  })

  it('an upload the server refuses says why and offers no retry', async () => {
    const file = join(tmpdir(), `c17-fake-${process.pid}.png`)
    writeFileSync(file, 'this is not an image at all')
    const chooser = alice.page.waitForEvent('filechooser')
    await alice.page.getByTestId('image-button').click()
    await (await chooser).setFiles(file)
    await expect.poll(() => alice.page.getByTestId('upload-failed').innerText(), { timeout: 10_000 }).toBe('只能发送图片')
    expect(await alice.page.getByTestId('upload-retry').count()).toBe(0)
    await snap(alice.page, 'upload-refused')
    await alice.page.getByTestId('upload-cancel').click()
    await expect.poll(() => alice.page.getByTestId('upload-item').count()).toBe(0)
  })

  it('a message refused for good shows the reason in plain words and no retry', async () => {
    // Bob writes while his connection is down; meanwhile the owner mutes the room.
    bobCut = true
    for (const ws of bobSockets.splice(0)) await ws.close()
    await bob.page.getByTestId('conn-status').waitFor()
    await field(bob.page, 'message-input').fill('断线时写的消息')
    await bob.page.getByTestId('send-button').click()
    const mine = bob.page.getByTestId('message-item').filter({ hasText: '断线时写的消息' })
    await mine.waitFor()
    const { token } = await sessionOf(alice.page)
    const res = await fetch(`${stage.cluster.nodes[0].url}/api/rooms/${ROOM}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mutedAll: true }),
    })
    expect(res.status).toBeLessThan(300)
    bobCut = false
    await bob.page
      .getByTestId('conn-status')
      .getByText('立即重连')
      .click()
      .catch(() => undefined)
    // Back online the outbox resends with the same cid and the server says `muted`.
    await expect.poll(() => mine.getAttribute('data-status'), { timeout: 20_000 }).toBe('failed')
    await expect.poll(() => mine.getByTestId('message-failed').innerText()).toBe('未发送：你已被禁言')
    expect(await mine.innerText()).not.toContain('重试')
    await snap(bob.page, 'refused-muted')
    // A tap does not resend.
    const sends: string[] = []
    bob.page.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) => void (String(payload).includes('"send"') && sends.push(String(payload)))),
    )
    await mine.getByTestId('message-failed').click()
    await bob.page.waitForTimeout(800)
    expect(sends).toEqual([])
    expect(await mine.getAttribute('data-status')).toBe('failed')
    await fetch(`${stage.cluster.nodes[0].url}/api/rooms/${ROOM}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mutedAll: false }),
    })
  })

  it('shows 已读 under my last message once the other user opens the dm', async () => {
    const a = await sessionOf(alice.page)
    const b = await sessionOf(bob.page)
    const dm = `dm:${[a.user.id, b.user.id].sort().join(':')}`
    await alice.page.goto(`${siteA.url}/#/pages/chat/chat?room=${encodeURIComponent(dm)}`)
    await alice.page.getByTestId('message-input').waitFor()
    await alice.page.getByTestId('conn-status').waitFor({ state: 'detached', timeout: 10_000 })
    // A private chat has no live-room tools (likes, flowers, questions), only pictures.
    expect(await alice.page.getByTestId('like-button').count()).toBe(0)
    expect(await alice.page.getByTestId('questions-button').count()).toBe(0)
    expect(await alice.page.getByTestId('image-button').count()).toBe(1)
    await field(alice.page, 'message-input').fill('小博，在吗？')
    await alice.page.keyboard.press('Enter')
    const mine = alice.page.getByTestId('message-item').filter({ hasText: '小博，在吗？' })
    await expect.poll(() => mine.getAttribute('data-seq')).not.toBe('0')
    await alice.page.waitForTimeout(800)
    expect(await alice.page.getByTestId('message-read').count()).toBe(0)
    await bob.page.goto(`${siteB.url}/#/pages/chat/chat?room=${encodeURIComponent(dm)}`)
    await expect.poll(() => texts(bob.page), { timeout: 10_000 }).toContain('小博，在吗？')
    await expect
      .poll(
        () =>
          mine
            .getByTestId('message-read')
            .innerText()
            .catch(() => ''),
        { timeout: 10_000 },
      )
      .toBe('已读')
    await snap(alice.page, 'dm-read')
    // On the rooms list a dm's last message has no name in front of it (a group's has).
    await bob.page.goto(`${siteB.url}/#/pages/rooms/rooms`)
    const dmRow = bob.page.locator(`[data-testid=room-item][data-room="${dm}"]`)
    await expect.poll(() => dmRow.innerText()).toContain('小博，在吗？')
    expect(await dmRow.innerText()).not.toContain(': 小博，在吗？')
    await bob.page.goto(`${siteB.url}/#/pages/chat/chat?room=${encodeURIComponent(dm)}`)
    // A reload forgets the pushes: the marks come back with the join's snapshot.
    await alice.page.reload()
    await alice.page.getByTestId('conn-status').waitFor({ state: 'detached', timeout: 10_000 })
    await expect
      .poll(
        () =>
          alice.page
            .getByTestId('message-item')
            .filter({ hasText: '小博，在吗？' })
            .getByTestId('message-read')
            .innerText()
            .catch(() => ''),
        { timeout: 10_000 },
      )
      .toBe('已读')
  })

  it('login, rooms and chat pass an axe-core scan (no serious or critical violations)', async () => {
    const fresh = await openBrowser()
    try {
      await fresh.page.goto(siteA.url + '/')
      await fresh.page.getByTestId('login-submit').waitFor()
      expect(await axeSerious(fresh.page)).toEqual([])
      await field(fresh.page, 'login-name').fill('无障碍')
      await fresh.page.getByTestId('login-submit').click()
      await fresh.page.getByTestId('room-id-input').waitFor()
      expect(await axeSerious(fresh.page)).toEqual([])
      await enter(fresh.page, ROOM)
      await expect.poll(() => fresh.page.getByTestId('message-item').count()).toBeGreaterThan(1)
      expect(await fresh.page.locator('[role=log][aria-live=polite]').count()).toBe(1)
      expect(await axeSerious(fresh.page)).toEqual([])
    } finally {
      await fresh.close()
    }
  })

  for (const scheme of ['dark', 'light'] as const) {
    it(`English and ${scheme}: login, rooms and chat (screenshots), axe-clean`, async () => {
      const en = await openBrowser({ locale: 'en-US', colorScheme: scheme })
      try {
        const p = en.page
        await p.goto(siteB.url + '/')
        await p.getByTestId('login-submit').waitFor()
        expect(await p.getByTestId('login-submit').innerText()).toBe('Start chatting')
        expect(await p.evaluate(() => document.documentElement.lang)).toBe('en')
        await snap(p, `${scheme}-en-login`)
        const bg = await p.evaluate(() => getComputedStyle(document.querySelector('uni-page-body') ?? document.body).backgroundColor)
        expect(bg).toBe(scheme === 'dark' ? 'rgb(17, 17, 17)' : 'rgb(237, 237, 237)')
        await field(p, 'login-name').fill('Eve')
        await p.getByTestId('login-submit').click()
        await p.getByTestId('room-id-input').waitFor()
        await p.getByText('Join', { exact: true }).waitFor()
        await enter(p, ROOM)
        await expect.poll(() => p.getByTestId('message-item').count()).toBeGreaterThan(1)
        expect(await p.getByTestId('send-button').innerText()).toBe('Send')
        await expect.poll(() => p.title()).toBe('物理课')
        await snap(p, `${scheme}-en-chat`)
        expect(await axeSerious(p)).toEqual([])
        await p.goBack()
        await p.getByTestId('room-item').first().waitFor()
        await expect.poll(() => p.title()).toBe('Chat rooms')
        await snap(p, `${scheme}-en-rooms`)
        expect(await axeSerious(p)).toEqual([])
        // The switch on the rooms page: 中文 at once, and it sticks.
        await p.getByTestId('locale-switch').click()
        await expect.poll(() => p.getByTestId('room-join').innerText()).toBe('加入')
        await expect.poll(() => p.title()).toBe('聊天室')
        await p.reload()
        await expect.poll(() => p.getByTestId('room-join').innerText()).toBe('加入')
        await p.getByTestId('locale-switch').click()
      } finally {
        await en.close()
      }
    })
  }
})
