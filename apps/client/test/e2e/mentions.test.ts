// Reach and continuity in Chromium (issue 12, v1.1 §D/§F), the H5 build served by the real
// server as `pnpm start` does: 小王 @-mentions 小李 through the member picker; 小李 sees the
// mention highlighted, and [有人@我] on the rooms list (live, and after a reload from
// /api/rooms); 复制链接 gives the room's deep link, which a signed-out browser opens: log in,
// land in the room. Screenshots in screenshots/e2e-mentions/ (printed at the start).
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBrowser } from '../support/browser'
import { field, live, screenshots, sessionOf, texts, type Browser } from '../support/h5-stage'
import { startServer, type RunningServer } from '../support/real-server'

const ROOM = 'class-mentions'
const userId = async (page: Page) => (await sessionOf(page)).user?.id
let snap: ReturnType<typeof screenshots>['snap']

async function login(page: Page, url: string, name: string) {
  await page.goto(url + '/')
  await field(page, 'login-name').fill(name)
  await page.getByTestId('login-submit').click()
}

async function joinRoom(page: Page, room: string) {
  await field(page, 'room-id-input').fill(room)
  await page.getByTestId('room-join').click()
  await live(page)
}

describe('mentions and deep links in Chromium', { timeout: 60_000 }, () => {
  let server: RunningServer
  let wang: Browser
  let li: Browser
  let guest: Browser
  let link = ''

  beforeAll(async () => {
    snap = screenshots('e2e-mentions').snap
    server = await startServer({ SEND_RATE_LIMIT: '10000', FRAME_RATE_LIMIT: '10000', LOGIN_RATE_LIMIT: '10000' })
    wang = await openBrowser()
    li = await openBrowser()
    guest = await openBrowser()
  }, 120_000)

  afterAll(async () => {
    await wang?.close()
    await li?.close()
    await guest?.close()
    await server?.stop()
  })

  it('@ opens the member picker; searching and picking puts "@name " in the box; the message carries the mention', async () => {
    await login(li.page, server.base, '小李')
    await joinRoom(li.page, ROOM)
    await login(wang.page, server.base, '小王')
    await joinRoom(wang.page, ROOM)
    const page = wang.page
    await expect.poll(() => page.getByTestId('online-count').innerText()).toBe('2')
    await field(page, 'message-input').pressSequentially('下课 @')
    await page.getByTestId('mention-picker').waitFor()
    await expect.poll(() => page.getByTestId('mention-option').allInnerTexts()).toEqual(['小李'])
    await field(page, 'mention-search').fill('王')
    await expect.poll(() => page.getByTestId('mention-option').count()).toBe(0) // I am not offered
    await field(page, 'mention-search').fill('李')
    await expect.poll(() => page.getByTestId('mention-option').allInnerTexts()).toEqual(['小李'])
    await snap(page, '01-mention-picker')
    await page.getByTestId('mention-option').click()
    await page.getByTestId('mention-picker').waitFor({ state: 'detached' })
    await expect.poll(() => field(page, 'message-input').inputValue()).toBe('下课 @小李 ')
    await field(page, 'message-input').pressSequentially('来办公室')
    await page.getByTestId('send-button').click()
    await expect.poll(() => texts(li.page)).toContain('下课 @小李 来办公室')
    const stored = await fetch(`${server.base}/api/rooms/${ROOM}/messages?after=0&limit=10`, {
      headers: { authorization: `Bearer ${JSON.parse((await page.evaluate(() => localStorage.getItem('chat.session')))!).token}` },
    }).then((r) => r.json() as Promise<{ messages: Array<{ body: { text: string; mentions?: string[] } }> }>)
    expect(stored.messages.at(-1)!.body).toEqual({ text: '下课 @小李 来办公室', mentions: [await userId(li.page)] })
    await snap(page, '02-mention-sent')
  })

  it('the mentioned user sees it highlighted (and the sender does not)', async () => {
    await li.page.getByTestId('mention-me').waitFor()
    expect(await li.page.getByTestId('mention-me').count()).toBe(1)
    expect(await wang.page.getByTestId('mention-me').count()).toBe(0)
    await snap(li.page, '03-mention-highlighted')
  })

  it('[有人@我] on the rooms list: live, and after a reload (from /api/rooms)', async () => {
    await li.page.goBack()
    await li.page.getByTestId('room-item').waitFor()
    expect(await li.page.getByTestId('room-mentioned').count()).toBe(0) // read while in the room
    await field(wang.page, 'message-input').pressSequentially('@')
    await wang.page.getByTestId('mention-option').click()
    await expect.poll(() => field(wang.page, 'message-input').inputValue()).toBe('@小李 ')
    await field(wang.page, 'message-input').pressSequentially('作业交了吗')
    await wang.page.getByTestId('send-button').click()
    await li.page.getByTestId('room-mentioned').waitFor()
    expect(await li.page.getByTestId('room-mentioned').innerText()).toBe('[有人@我]')
    await li.page.reload()
    await li.page.getByTestId('room-mentioned').waitFor()
    await snap(li.page, '04-rooms-list-mentioned')
    // Opening the room reads it: the mark goes.
    await li.page.getByTestId('room-item').click()
    await live(li.page)
    await li.page.goBack()
    await li.page.getByTestId('room-item').waitFor()
    await expect.poll(() => li.page.getByTestId('room-mentioned').count()).toBe(0)
  })

  it('复制链接 gives the deep link; a signed-out browser opens it, logs in and lands in the room', async () => {
    await wang.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base })
    await wang.page.getByTestId('room-share').click()
    await expect.poll(() => wang.page.evaluate(() => navigator.clipboard.readText())).toContain('#/pages/chat/chat?room=')
    link = await wang.page.evaluate(() => navigator.clipboard.readText())
    expect(link).toBe(`${server.base}/#/pages/chat/chat?room=${ROOM}`)
    await snap(wang.page, '05-link-copied')
    const before = Number(await wang.page.getByTestId('online-count').innerText())
    await guest.page.goto(link)
    await field(guest.page, 'login-name').fill('旁听生')
    await snap(guest.page, '06-link-opened-signed-out')
    await guest.page.getByTestId('login-submit').click()
    await live(guest.page)
    await expect.poll(() => texts(guest.page)).toContain('下课 @小李 来办公室')
    await expect.poll(async () => Number(await wang.page.getByTestId('online-count').innerText())).toBe(before + 1)
    await snap(guest.page, '07-landed-in-room')
  })
})
