/**
 * The operator console at /admin/ (v1.1 §G) in Debian's Chromium against a real server:
 * sign in with ADMIN_TOKEN (kept in sessionStorage only), the overview's figures, a room
 * found by search with its members, online count and last message, an owner set, a user
 * found, banned and unbanned (checked through the API), and the audit entries of those
 * actions. Screenshots of every step go to apps/admin/screenshots/console/.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from '../../server/test/helpers/app'
import { cid, http, login, TestClient } from '../../server/test/helpers/client'

const ADMIN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SHOTS = path.join(ADMIN_DIR, 'screenshots/console')
const TOKEN = 'console-admin-token-0123456789'
const tag = Math.random().toString(36).slice(2, 6)

describe('operator console', () => {
  let s: TestServer
  let browser: Browser
  let page: Page
  let profile = ''
  const people: Record<string, { token: string; user: { id: string; name: string } }> = {}
  const room = `physics-${tag}`
  let step = 0
  const shot = (name: string) =>
    page.screenshot({ path: path.join(SHOTS, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true })
  const api = (p: string) => http(s.url, 'GET', p, undefined, TOKEN)

  beforeAll(async () => {
    // The server serves apps/admin/dist: build it from the sources under test.
    execFileSync('pnpm', ['--filter', '@chat/admin', 'build'], { cwd: path.resolve(ADMIN_DIR, '../..'), stdio: 'pipe', timeout: 120_000 })
    rmSync(SHOTS, { recursive: true, force: true })
    mkdirSync(SHOTS, { recursive: true })
    s = await startServer({ ADMIN_TOKEN: TOKEN, ROOM_CREATE_RATE_LIMIT: '100' })
    for (const name of [`Alice${tag}`, `Bob${tag}`, `Carol${tag}`]) people[name.slice(0, -4)] = await login(s.url, name)
    expect((await http(s.url, 'POST', '/api/rooms', { id: room, title: '物理 101' }, people.Alice.token)).status).toBe(201)
    await http(s.url, 'POST', '/api/rooms', { id: `chem-${tag}`, title: '化学' }, people.Bob.token)
    const a = await TestClient.connect(s.wsUrl, people.Alice.token)
    await a.request({ type: 'join', room })
    const b = await TestClient.connect(s.wsUrl, people.Bob.token)
    await b.request({ type: 'join', room })
    await a.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: '同学们好' } })
    await b.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: '老师好！' } })
    b.close() // Alice stays online: 2 members, 1 online.

    profile = mkdtempSync(path.join(tmpdir(), 'chat-admin-chromium-'))
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
  })
  afterAll(async () => {
    await browser?.close()
    await s?.close()
    if (profile) rmSync(profile, { recursive: true, force: true })
  })

  it('signs in with the admin token (a wrong one is refused) and keeps it in sessionStorage only', async () => {
    await page.goto(`${s.url}/admin/`)
    await page.getByTestId('admin-token').fill('not-the-token')
    await page.getByTestId('admin-signin').click()
    await expect.poll(() => page.locator('.error').textContent()).toContain('令牌不正确')
    await shot('signin-refused')
    await page.getByTestId('admin-token').fill(TOKEN)
    await page.getByTestId('admin-signin').click()
    await page.getByTestId('admin-stats').waitFor()
    expect(await page.evaluate(() => [sessionStorage.getItem('chat-admin-token'), localStorage.length, document.cookie])).toEqual([
      TOKEN,
      0,
      '',
    ])
    // A reload keeps the session (same tab).
    await page.reload()
    await page.getByTestId('admin-stats').waitFor()
  })

  it('shows the overview: nodes, connections, rooms, users and messages per minute', async () => {
    const stats = (await api('/api/admin/stats')).body
    const tile = (k: string) => page.getByTestId('admin-stats').locator(`[data-stat="${k}"]`).textContent()
    await expect.poll(() => tile('users')).toBe(String(stats.users))
    expect(await tile('nodes')).toBe('1')
    expect(await tile('rooms')).toBe(String(stats.rooms))
    expect(await tile('connections')).toBe(String(stats.connections))
    expect(Number(await tile('messagesPerMinute'))).toBeGreaterThanOrEqual(2)
    await shot('overview')
  })

  it('finds a room with its members, online count and last message, and sets its owner', async () => {
    await page.getByRole('link', { name: '房间' }).click()
    await page.getByTestId('admin-room-search').fill(`physics-${tag}`)
    await page.getByTestId('admin-room-search').press('Enter')
    const row = page.getByTestId('admin-room-row')
    await expect.poll(() => row.count()).toBe(1)
    const text = (await row.textContent())!
    expect(text).toContain(room)
    expect(text).toContain('物理 101')
    expect(text).toContain(`Bob${tag}：老师好！`)
    expect(text).toContain('#2')
    const cells = await row.locator('td.num').allTextContents()
    expect(cells).toEqual(['2', '1']) // members, online
    await shot('rooms-search')

    await row.locator('.owner-form input').fill(people.Carol.user.id)
    await row.locator('.owner-form button').click()
    await expect.poll(() => page.locator('.ok').textContent()).toContain(people.Carol.user.id)
    await expect.poll(async () => (await api(`/api/admin/rooms?q=physics-${tag}`)).body.rooms[0].owner).toBe(people.Carol.user.id)
    await expect.poll(() => row.textContent()).toContain(people.Carol.user.id)
    await shot('rooms-owner-set')
  })

  it('finds a user, bans and unbans them', async () => {
    const bob = people.Bob.user
    const banned = async () => (await api(`/api/admin/users?q=${encodeURIComponent(bob.name)}`)).body.users[0].banned
    await page.getByRole('link', { name: '用户' }).click()
    await page.getByTestId('admin-user-search').fill(`bob${tag}`.toUpperCase())
    await page.getByTestId('admin-user-search').press('Enter')
    const row = page.getByTestId('admin-user-row')
    await expect.poll(() => row.count()).toBe(1)
    expect(await row.textContent()).toContain(bob.id)
    await shot('users-search')

    await row.getByTestId('admin-ban').click()
    await row.getByTestId('admin-unban').waitFor()
    expect(await banned()).toBe(true)
    // A banned user's token no longer works.
    expect((await http(s.url, 'GET', '/api/rooms', undefined, people.Bob.token)).status).toBeGreaterThanOrEqual(401)
    await shot('users-banned')

    await row.getByTestId('admin-unban').click()
    await row.getByTestId('admin-ban').waitFor()
    expect(await banned()).toBe(false)
    await shot('users-unbanned')
  })

  it('shows the audit entries of those actions, newest first, and filters by user', async () => {
    await page.getByRole('link', { name: '审计日志' }).click()
    const rows = page.getByTestId('admin-audit-row')
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(3)
    const actions = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))
    expect(actions.slice(0, 3)).toEqual(['unban', 'ban', 'owner.set'])
    expect(await rows.first().textContent()).toContain(people.Bob.user.id)
    expect(await rows.first().textContent()).toContain('运维')
    await shot('audit')

    await page.locator('input[placeholder^="用户 id"]').fill(people.Carol.user.id)
    await page.locator('input[placeholder^="用户 id"]').press('Enter')
    await expect.poll(async () => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).toEqual(['owner.set'])
    expect(await rows.first().textContent()).toContain(room)
    await shot('audit-filtered')
  })
})
