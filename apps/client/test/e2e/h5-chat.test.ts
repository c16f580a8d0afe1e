// The H5 build in a real browser against the real server, opened from the server itself as
// `pnpm start` serves it (the app at `/`, /api and /ws on the same origin): two users log
// in, join a room by id, chat, like, send flowers, see each other online, get unread badges;
// a room with hundreds of messages renders only a window of them. Screenshots go to
// screenshots/.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { longPress, openBrowser } from '../support/browser'
import { clientDir } from '../support/builds'
import { field, live, send, texts, type Browser } from '../support/h5-stage'
import { createClient, serverMain, startServer, until, type RunningServer } from '../support/real-server'
import { png } from '../support/png'

const shots = join(clientDir, 'screenshots')
const ROOM = 'course101'

async function login(page: Page, url: string, name: string) {
  await page.goto(url + '/')
  await field(page, 'login-name').fill(name)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('room-id-input').waitFor()
}

async function joinRoom(page: Page, room: string) {
  await field(page, 'room-id-input').fill(room)
  await page.getByTestId('room-join').click()
  await live(page)
}

describe('H5 build in Chromium', { timeout: 60_000 }, () => {
  let server: RunningServer
  let site: { url: string }
  let alice: Browser
  let bob: Browser

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true })
    expect(existsSync(serverMain)).toBe(true) // built by the globalSetup
    server = await startServer({ SEND_RATE_LIMIT: '10000', FRAME_RATE_LIMIT: '10000' })
    // The server finds the workspace's H5 build by itself, as with `pnpm start`.
    site = { url: server.base }
    const index = await fetch(`${site.url}/`).then((r) => r.text())
    expect(index).toContain('<title>聊天室</title>')
    alice = await openBrowser()
    bob = await openBrowser()
  }, 240_000)

  afterAll(async () => {
    await alice?.close()
    await bob?.close()
    await server?.stop()
  })

  it('logs in with a nickname and lands on the rooms page', async () => {
    await alice.page.goto(site.url + '/')
    await alice.page.getByTestId('login-name').waitFor()
    await alice.page.screenshot({ path: join(shots, 'h5-login.png') })
    await login(alice.page, site.url, 'Alice')
    await alice.page.screenshot({ path: join(shots, 'h5-rooms-empty.png') })
    await login(bob.page, site.url, 'Bob')
  })

  it('joins a room by id, shows the banner until live, and counts who is online', async () => {
    await joinRoom(alice.page, ROOM)
    await expect.poll(() => alice.page.getByTestId('online-count').innerText()).toBe('1')
    await joinRoom(bob.page, ROOM)
    await expect.poll(() => alice.page.getByTestId('online-count').innerText()).toBe('2')
    await expect.poll(() => bob.page.getByTestId('online-count').innerText()).toBe('2')
  })

  it('refuses an empty message with a toast', async () => {
    await alice.page.getByTestId('send-button').click()
    await alice.page.getByText('消息不能为空').waitFor()
    expect(await alice.page.getByTestId('message-item').count()).toBe(0)
  })

  it('two users chat: each message shows once on both sides', async () => {
    await send(alice.page, '你好，Bob！今天的课讲到哪里了？')
    await expect.poll(() => texts(bob.page)).toEqual(['你好，Bob！今天的课讲到哪里了？'])
    await send(bob.page, '第三章，微积分基本定理 📚')
    await expect.poll(() => texts(alice.page)).toEqual(['你好，Bob！今天的课讲到哪里了？', '第三章，微积分基本定理 📚'])
    expect(await alice.page.getByTestId('message-item').count()).toBe(2)
    expect(await bob.page.getByTestId('message-item').count()).toBe(2)
    // The input is cleared after sending.
    await expect.poll(() => alice.page.locator('[data-testid=message-input] textarea').inputValue()).toBe('')
  })

  it('likes and flowers bump the counters as reactions, not messages (v1.1 §B)', async () => {
    await bob.page.getByTestId('like-button').click()
    await bob.page.getByTestId('flower-button').click()
    await bob.page.getByText('送 1 朵', { exact: true }).click()
    await expect.poll(() => alice.page.getByTestId('like-button').innerText()).toContain('点赞 1')
    await expect.poll(() => alice.page.getByTestId('flower-button').innerText()).toContain('送花 1')
    expect(await alice.page.getByTestId('message-item').count()).toBe(2)
    await alice.page.waitForTimeout(600)
    await alice.page.screenshot({ path: join(shots, 'h5-chat-alice.png') })
    await bob.page.screenshot({ path: join(shots, 'h5-chat-bob.png') })
  })

  it('sends an image', async () => {
    const file = join(tmpdir(), `chat-e2e-${process.pid}.png`)
    writeFileSync(file, png(160, 100))
    const before = await bob.page.getByTestId('message-item').count()
    const chooser = alice.page.waitForEvent('filechooser')
    await alice.page.getByTestId('image-button').click()
    await (await chooser).setFiles(file)
    await expect.poll(() => bob.page.getByTestId('message-item').count(), { timeout: 10_000 }).toBe(before + 1)
    const img = bob.page.getByTestId('message-item').last().locator('.img img')
    await expect.poll(() => img.getAttribute('src')).toMatch(/\/uploads\/[\w-]+\.png$/)
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(160)
  })

  it('recalls my own message with a long press', async () => {
    const mine = alice.page.getByTestId('message-text').first()
    await longPress(alice.page, mine)
    await alice.page.getByText('撤回', { exact: true }).click()
    await expect.poll(() => bob.page.getByText('消息已撤回').count()).toBe(1)
    expect(await texts(bob.page)).not.toContain('你好，Bob！今天的课讲到哪里了？')
    // Still exactly one message-item for the recalled message.
    await expect.poll(() => alice.page.getByText('消息已撤回').count()).toBe(1)
  })

  it('sends every keystroke typed just before a quick tap on send, and keeps the box empty after', async () => {
    // uni's H5 input reports keystrokes at most every 100 ms; typing and tapping faster than
    // that used to send only the first characters, then refill the box with the rest.
    const box = bob.page.locator('[data-testid=message-input] textarea')
    for (const text of ['快速输入测试 one', '快速输入测试 two']) {
      await box.click()
      await bob.page.keyboard.type(text) // no delay between keys
      await bob.page.getByTestId('send-button').click()
      await expect.poll(() => box.inputValue()).toBe('') // what a user waits for before typing on
    }
    await expect.poll(() => texts(alice.page)).toContain('快速输入测试 two')
    expect((await texts(alice.page)).slice(-2)).toEqual(['快速输入测试 one', '快速输入测试 two'])
    await bob.page.waitForTimeout(400) // past the input's throttle: nothing comes back
    expect(await box.inputValue()).toBe('')
  })

  it("the host answers a viewer's question and both show together", async () => {
    await alice.page.goBack()
    await alice.page.locator('[data-testid=room-id-input] input').fill('liveqa')
    await alice.page.getByTestId('room-create-button').click()
    await alice.page.getByTestId('room-create-submit').click()
    await alice.page.getByTestId('room-create-enter').click()
    await alice.page.getByTestId('message-input').waitFor()
    await bob.page.goBack()
    await joinRoom(bob.page, 'liveqa')
    await bob.page.getByText('提问', { exact: true }).click()
    await send(bob.page, '期末考试考哪几章？')
    const question = alice.page.getByTestId('message-text').filter({ hasText: '期末考试考哪几章？' })
    await question.waitFor()
    await longPress(alice.page, question)
    await alice.page.getByText('回答', { exact: true }).click()
    await send(alice.page, '第一到第五章')
    await bob.page.getByText('主持人回答：第一到第五章').waitFor()
    await bob.page.waitForTimeout(300)
    await bob.page.screenshot({ path: join(shots, 'h5-question-answer.png') })
    await bob.page.getByTestId('online-count').click()
    await bob.page.getByText('私聊', { exact: true }).first().waitFor()
    await bob.page.screenshot({ path: join(shots, 'h5-members.png') })
    await bob.page.getByText('私聊', { exact: true }).first().click()
    await bob.page.getByTestId('message-input').waitFor()
    await send(bob.page, '老师，私下问个问题')
    await expect.poll(() => texts(bob.page)).toEqual(['老师，私下问个问题'])
    await bob.page.goBack()
    await bob.page.goBack()
  })

  it('shows unread badges on the rooms page and reopens there after a reload', async () => {
    // Bob is back on the rooms page; Alice is in "liveqa".
    await bob.page.getByTestId('room-item').first().waitFor()
    await send(alice.page, '大家记得交作业')
    const liveqa = bob.page.locator('[data-testid=room-item][data-room=liveqa]')
    await expect.poll(() => liveqa.getByTestId('room-unread').innerText(), { timeout: 10_000 }).toBe('1')
    expect(await bob.page.getByTestId('room-unread').count()).toBe(1)
    await bob.page.screenshot({ path: join(shots, 'h5-rooms-unread.png') })
    // A valid saved token opens the app on the rooms page.
    await bob.page.goto(site.url + '/')
    await bob.page.reload()
    await bob.page.getByTestId('room-item').first().waitFor()
    expect(await bob.page.getByTestId('login-submit').count()).toBe(0)
  })

  it('a busy room renders only a window of its messages', async () => {
    const bot = await createClient(server.base, '助教机器人')
    await bot.messages.join('liveqa') // the room on Alice's screen
    for (let i = 1; i <= 400; i++) bot.messages.send('liveqa', 'text', { text: `第 ${i} 条消息` })
    await until(() => bot.messages.timeline('liveqa')!.pending.length === 0, 'bot acked', 30_000)
    bot.chat.logout()
    await expect.poll(() => alice.page.getByTestId('message-text').last().innerText(), { timeout: 15_000 }).toBe('第 400 条消息')
    const rendered = await alice.page.getByTestId('message-item').count()
    expect(rendered).toBeGreaterThan(50)
    expect(rendered).toBeLessThanOrEqual(200)
    await alice.page.screenshot({ path: join(shots, 'h5-chat-busy.png') })

    // Scrolling up shows older messages (a bigger window, never past 200 rows)...
    const scrollTop = (to: number) =>
      alice.page.locator('.scroll').evaluate((root, y) => {
        const el = [root, ...root.querySelectorAll('div')].find((d) => d.scrollHeight > d.clientHeight + 10) as HTMLElement
        el.scrollTop = y
        el.dispatchEvent(new Event('scroll'))
      }, to)
    await scrollTop(0)
    await expect.poll(() => alice.page.getByTestId('message-item').count()).toBeGreaterThan(rendered)
    expect(await alice.page.getByTestId('message-item').count()).toBeLessThanOrEqual(200)
    // ...and a message arriving meanwhile does not yank the reader down: a pill says so.
    await scrollTop(200)
    const bot2 = await createClient(server.base, '助教机器人')
    await bot2.messages.join('liveqa')
    bot2.messages.send('liveqa', 'text', { text: '新消息来了' })
    await alice.page.getByText('1 条新消息').waitFor()
    await alice.page.screenshot({ path: join(shots, 'h5-new-messages-pill.png') })
    await alice.page.getByText('1 条新消息').click()
    await expect.poll(() => alice.page.getByTestId('message-text').last().innerText()).toBe('新消息来了')
    await expect.poll(() => alice.page.getByText('1 条新消息').count()).toBe(0)
    bot2.chat.logout()
  })

  it('rides out a server restart: banner while down, then every message, once', async () => {
    await bob.page.getByTestId('room-item').first().click()
    await bob.page.getByTestId('message-input').waitFor()
    const before = await texts(bob.page)
    await server.halt()
    await alice.page.getByTestId('conn-status').waitFor()
    // No stale head count while nobody's comings and goings can reach the page.
    await expect.poll(() => alice.page.getByTestId('online-count').innerText()).toBe('–')
    await alice.page.screenshot({ path: join(shots, 'h5-reconnecting.png') })
    await server.restart()
    // Someone writes the moment the server is back, before the browsers have reconnected.
    const bot = await createClient(server.base, '助教机器人')
    await bot.messages.join('liveqa')
    for (let i = 1; i <= 3; i++) bot.messages.send('liveqa', 'text', { text: `重启后第 ${i} 条` })
    await until(() => bot.messages.timeline('liveqa')!.pending.length === 0, 'bot acked')
    bot.chat.logout()
    await alice.page.getByTestId('conn-status').waitFor({ state: 'detached', timeout: 40_000 })
    await expect.poll(() => alice.page.getByTestId('online-count').innerText()).toMatch(/^\d+$/)
    await expect.poll(() => texts(alice.page), { timeout: 15_000 }).toContain('重启后第 3 条')
    await expect
      .poll(async () => (await texts(bob.page)).slice(-3), { timeout: 40_000 })
      .toEqual(['重启后第 1 条', '重启后第 2 条', '重启后第 3 条'])
    const after = await texts(bob.page)
    expect(after.filter((t) => t === '重启后第 1 条')).toHaveLength(1)
    expect(after.length).toBeGreaterThanOrEqual(Math.min(before.length, 100))
  })
})
