// The compiled WeChat mini-program, pages and all, against real server nodes: the build made
// with VITE_SERVER_URL pointing at node A runs under WeChat's component framework (see
// support/mp-runtime.ts) while another user, on node B, uses the app's stores over `ws`.
// The test only does what a user does — types, taps, long-presses, leaves WeChat and comes
// back — and reads what the pages render. The whole flow runs once per language WeChat can
// report (zh-CN, en): every word it checks comes from the client's own string tables.
import { existsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mpE2eDir, mpE2eServerUrl } from '../support/builds'
import { addNodeOnPort, RELAXED_LIMITS, serverHistory, startCluster, type NodeProcess, type TestCluster } from '../support/cluster'
import { LOCALES, otherLocale, patternOf, stringsOf, wechatLanguage } from '../support/locale-strings'
import { launchMiniProgram, type MiniProgram } from '../support/mp-runtime'
import { png } from '../support/png'
import { createClient, sleep, until, type Client } from '../support/real-server'

const HIDDEN_MS = 10_000
const NAMES = { 'zh-CN': { me: '小程序同学', web: '网页同学' }, en: { me: 'WeChat Student', web: 'Web Teacher' } }
// Two lines: the message goes out and is shown whole, line break included.
const FIRST = '老师好，我在小程序里\nsecond line'

describe.each(LOCALES)('mini-program pages against two server nodes (%s)', { timeout: 60_000 }, (locale) => {
  const s = stringsOf(locale)
  const { me, web: webName } = NAMES[locale]
  const ROOM = `mp-live-101-${locale}`
  let cluster: TestCluster
  let nodeA: NodeProcess
  let web: Client
  let mp: MiniProgram
  let serverUrl = ''

  /** What the chat page shows: [seq, text] per rendered message row. */
  const rows = () => mp.findAll('message-item').map((el) => [Number(el.dataset.seq), el.textContent?.trim() ?? ''] as const)
  const webTexts = () => web.messages.timeline(ROOM)?.messages.map((m) => (m.body as { text?: string }).text ?? m.kind) ?? []

  beforeAll(async () => {
    expect(existsSync(join(mpE2eDir, 'app.js'))).toBe(true) // built by the globalSetup
    serverUrl = mpE2eServerUrl()
    cluster = await startCluster({ nodes: 1, env: RELAXED_LIMITS })
    nodeA = await addNodeOnPort(cluster, 'mp-node-a', Number(new URL(serverUrl).port))
    web = await createClient(cluster.nodes[0].url, webName)
    await web.messages.join(ROOM)
    mp = launchMiniProgram(mpE2eDir, { language: wechatLanguage(locale) })
  }, 120_000)

  afterAll(async () => {
    mp?.close()
    web?.chat.logout()
    await cluster?.stop()
  })

  it('opens on the login page and logs in as a guest with a nickname', async () => {
    await until(() => mp.route() === 'pages/login/login' && mp.find('login-submit'), 'login page')
    expect(mp.find('login-submit')?.textContent?.trim()).toBe(s('loginSubmit'))
    expect(mp.titles).toContain(s('pageLogin'))
    mp.tap('login-submit')
    await until(() => mp.toasts.includes(s('loginNameEmpty')), 'empty nickname refused')
    mp.type('login-name', me)
    await sleep(50)
    mp.tap('login-submit')
    await until(() => mp.route() === 'pages/rooms/rooms' && mp.find('room-id-input'), 'rooms page', 10_000)
    expect(String(mp.storage.get('chat.session'))).toContain(me)
    expect(mp.find('room-join')?.textContent?.trim()).toBe(s('roomJoin'))
    await until(() => mp.titles.includes(s('pageRooms')), 'rooms title')
    // The socket goes where the build was told to (VITE_SERVER_URL), i.e. node A.
    await until(() => mp.sockets.length > 0, 'socket opened')
    expect(mp.sockets[0].url).toBe(`${serverUrl.replace('http', 'ws')}/ws`)
    expect(mp.sockets[0].url).toBe(nodeA.wsUrl)
  })

  it('joins a room from the rooms page and sends a message the other node delivers', async () => {
    mp.type('room-id-input', ROOM)
    await sleep(50)
    mp.tap('room-join')
    await until(() => mp.route() === 'pages/chat/chat' && mp.find('message-input'), 'chat page')
    await until(() => !mp.find('conn-status'), 'connected banner gone', 10_000)
    // Presence crosses nodes: the web user (node B) and me (node A).
    await until(() => mp.find('online-count')?.textContent === '2', 'two online')
    expect(mp.find('send-button')?.textContent?.trim()).toBe(s('send'))
    mp.type('message-input', FIRST)
    await sleep(50)
    mp.tap('send-button')
    await until(() => rows().some(([seq, t]) => seq === 1 && t.includes(FIRST)), 'my message stored (seq 1)')
    expect(mp.find('message-item')?.dataset.status).toBe('')
    await until(() => webTexts().includes(FIRST), 'web user receives it, both lines')
  })

  it('shows what the web user sends, likes and flowers included, in order and once', async () => {
    web.messages.send(ROOM, 'text', { text: '欢迎！今天讲第三章' })
    web.messages.send(ROOM, 'flower', { count: 3 })
    web.messages.send(ROOM, 'like', {})
    await until(() => rows().length === 4, 'four rows')
    expect(rows().map(([seq]) => seq)).toEqual([1, 2, 3, 4])
    expect(mp.texts('message-text')).toEqual([FIRST, '欢迎！今天讲第三章'])
    expect(rows()[2][1]).toContain(s('flowerNotice', { name: webName, n: 3 }))
    // The counters are the room's totals (v1.1 §B): like/flower messages count, told by the
    // next `reactions` push (at most a second later).
    await until(() => mp.find('flower-button')?.textContent?.includes(`${s('flower')} 3`), 'flower total')
    await until(() => mp.find('like-button')?.textContent?.includes(`${s('like')} 1`), 'like total')
  })

  it('like (点赞) and flower (送花) are reactions: a tap sends `react`, the counts follow the totals, no rows (issue 11)', async () => {
    const pushes: Array<{ stats: { likes: number; flowers: number }; from: Array<{ name: string }> }> = []
    web.conn.conn.on('frame', (f) => void (f.type === 'reactions' && f.room === ROOM && pushes.push(f)))
    const label = new RegExp(`(?:${patternOf(locale, 'like', {})}|${patternOf(locale, 'flower', {})}) (\\d+)`)
    const count = (id: string) => Number(label.exec(mp.find(id)?.textContent ?? '')?.[1])
    for (let i = 0; i < 3; i++) mp.tap('like-button')
    // Shown at once, before any reply (there is none on success).
    await until(() => count('like-button') === 4, 'my likes counted at once', 2000)
    await until(() => pushes.some((p) => p.stats.likes === 4), 'the web user gets the new totals')
    expect(pushes.at(-1)!.from.map((u) => u.name)).toContain(me)
    // 送花 asks how many first.
    mp.tap('flower-button')
    await until(() => mp.sheets.at(-1)?.items.includes(s('flowerPick', { n: 5 })), 'how many flowers?')
    expect(mp.sheets.at(-1)!.items).toEqual([1, 3, 5, 10, 99].map((n) => s('flowerPick', { n })))
    mp.sheets.at(-1)!.pick(s('flowerPick', { n: 5 }))
    await until(() => count('flower-button') === 8, 'my flowers counted at once', 2000)
    await until(() => pushes.some((p) => p.stats.flowers === 8), 'the web user gets the flowers')
    // The push comes back to me too: sprites (bounded) and the names line, with me in it.
    await until(() => mp.findAll('reaction-sprite').length > 0, 'sprites rising')
    expect(mp.findAll('reaction-sprite').length).toBeLessThanOrEqual(12)
    await until(() => mp.find('reaction-line')?.textContent?.includes(s('reactYou')), 'names line')
    expect((await web.session.api.room(ROOM)).stats).toEqual({ likes: 4, flowers: 8 })
    await sleep(2600) // past the hold on my own taps: the server's totals, the same
    expect([count('like-button'), count('flower-button')]).toEqual([4, 8])
    expect(rows()).toHaveLength(4)
    await until(() => mp.findAll('reaction-sprite').length === 0, 'sprites removed after their rise')
    mp.sheets.length = 0 // the next tests count action sheets from the first
  })

  it('recalls my own message from the long-press menu', async () => {
    const mine = mp.findAll('message-text').find((e) => e.textContent === FIRST)!
    mp.longpress(mine.closest('[data-testid=message-item]')!.querySelector('.chat-message-item--bubble') ?? mine)
    await until(() => mp.sheets.length === 1, 'action sheet')
    expect(mp.sheets[0].items).toContain(s('recall'))
    mp.sheets[0].pick(s('recall'))
    await until(() => rows()[0]?.[1] === s('recalled'), 'recalled on the mini-program')
    await until(() => web.messages.timeline(ROOM)?.get(1)?.recalled === true, 'recalled for the web user')
    expect(rows().map(([seq]) => seq)).toEqual([1, 2, 3, 4])
  })

  it('sends an image through wx.uploadFile', async () => {
    const file = join(tmpdir(), `chat-mp-${process.pid}.png`)
    writeFileSync(file, png(120, 80))
    await until(() => mp.find('image-button')?.textContent?.includes(s('image')), 'uploads available')
    mp.nextImage(file)
    mp.tap('image-button')
    await until(() => web.messages.timeline(ROOM)?.messages.some((m) => m.kind === 'image'), 'web user gets the image', 10_000)
    const img = web.messages.timeline(ROOM)!.messages.find((m) => m.kind === 'image')!
    expect(img.body).toMatchObject({ url: expect.stringMatching(/^\/uploads\/[\w-]+\.png$/), width: 120, height: 80 })
    await until(() => rows().length === 5, 'image row shown')
  })

  it('hidden for 10 s: no socket while in the background, and every missed message once on return', async () => {
    const before = mp.sockets.length
    mp.hide()
    await until(() => mp.sockets.every((s) => s.readyState === s.CLOSED), 'socket closed on hide')
    const missed = Array.from({ length: 6 }, (_, i) => `后台时的第 ${i + 1} 条`)
    const start = Date.now()
    for (const text of missed) {
      web.messages.send(ROOM, 'text', { text })
      await sleep(HIDDEN_MS / (missed.length + 1))
    }
    await until(() => web.messages.timeline(ROOM)!.pending.length === 0, 'web sends acked')
    await sleep(Math.max(0, HIDDEN_MS - (Date.now() - start)))
    // Nothing reconnected behind the user's back.
    expect(mp.sockets.length).toBe(before)
    expect(mp.texts('message-text')).not.toContain(missed[0])

    mp.show()
    await until(() => mp.texts('message-text').includes(missed[5]), 'missed messages arrive', 15_000)
    await sleep(500) // anything duplicated would show up by now
    const history = await serverHistory(nodeA.url, web.session.token!, ROOM)
    expect(history.map((m) => m.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1))
    expect(rows().map(([seq]) => seq)).toEqual(history.map((m) => m.seq))
    expect(mp.texts('message-text').slice(-6)).toEqual(missed)
    expect(mp.sockets.filter((s) => s.readyState === s.OPEN)).toHaveLength(1)
  })

  it('back on the rooms page, a new message shows as an unread badge', async () => {
    mp.back()
    await until(() => mp.route() === 'pages/rooms/rooms' && mp.find('room-item'), 'rooms page again')
    expect(mp.find('room-unread')).toBeNull()
    web.messages.send(ROOM, 'text', { text: '下课前交作业' })
    await until(() => mp.find('room-unread')?.textContent === '1', 'unread badge 1')
    expect(mp.find('room-item')?.textContent).toContain('下课前交作业')
  })

  // Host control (v1.1 §A, §C): the same pages a teacher and a student use in WeChat.
  let classRoom = ''
  let inviteCode = ''

  it('创建 opens the create sheet; an invite-only room comes back with its code and its page path to share', async () => {
    mp.tap('room-create-button')
    await until(() => mp.find('room-create-submit'), 'create sheet')
    mp.type('room-create-title', '小程序直播课')
    mp.toggle('room-create-invite-switch', true)
    await sleep(50)
    mp.tap('room-create-submit')
    await until(() => mp.find('room-invite-code'), 'room created', 10_000)
    classRoom = mp.find('room-created-id')!.textContent!.trim()
    inviteCode = mp.find('room-invite-code')!.textContent!.trim()
    expect(classRoom).toMatch(/^[A-Za-z0-9_-]{10,}$/)
    expect(inviteCode.length).toBeGreaterThanOrEqual(8)
    // In WeChat the link is the chat page's path (a share card's path), and 分享 is offered.
    expect(mp.find('room-invite-link')?.textContent?.trim()).toBe(`/pages/chat/chat?room=${classRoom}&invite=${inviteCode}`)
    expect(mp.find('room-invite-share')).not.toBeNull()
    mp.tap('room-create-enter')
    await until(() => mp.route() === 'pages/chat/chat' && mp.find('message-input'), 'in the new room')
    await until(() => !mp.find('conn-status'), 'connected', 10_000)
  })

  it("the owner's ⚙ settings sheet saves an announcement the other user gets live (PUT: WeChat has no PATCH)", async () => {
    await web.messages.join(classRoom, { invite: inviteCode })
    await until(() => web.messages.isJoined(classRoom), 'web user joined the invite room with its code')
    await until(() => mp.find('room-settings-button'), 'the owner sees ⚙')
    mp.tap('room-settings-button')
    await until(() => mp.find('announcement-input'), 'settings sheet')
    mp.type('announcement-input', '今天讲第四章，请带课本')
    await sleep(50)
    mp.tap('announcement-save')
    await until(
      () => web.rooms.info[classRoom]?.announcement?.text === '今天讲第四章，请带课本',
      'the room push reaches the web user',
      10_000,
    )
    await until(() => mp.find('announcement-bar')?.textContent?.includes('今天讲第四章'), 'pinned on the mini-program')
    expect(
      mp.requests.filter((r) => r.includes(`/api/rooms/${classRoom}`) && !r.includes('/invite')).map((r) => r.split(' ')[0]),
    ).toContain('PUT')
    expect(mp.requests.some((r) => r.startsWith('PATCH'))).toBe(false)
  })

  it("in someone else's room there is no ⚙; muted by its host, the input bar says why and until when; 全员禁言 too", async () => {
    const theirs = await web.rooms.create({ title: '网页老师的课' })
    await web.messages.join(theirs.id)
    mp.back()
    await until(() => mp.route() === 'pages/rooms/rooms' && mp.find('room-id-input'), 'rooms page')
    mp.type('room-id-input', theirs.id)
    await sleep(50)
    mp.tap('room-join')
    await until(() => mp.route() === 'pages/chat/chat' && mp.find('message-input'), 'their room')
    await until(() => web.rooms.online[theirs.id]?.length === 2, 'both in the room', 10_000)
    expect(mp.find('room-settings-button')).toBeNull() // hosts only
    const mpUser = JSON.parse(String(mp.storage.get('chat.session'))).user.id as string
    await web.session.api.mute(theirs.id, mpUser, 600)
    await until(() => mp.find('input-muted-hint'), 'muted hint (the mute push)', 10_000)
    const day = patternOf(locale, 'date', { m: '\\d{1,2}', d: '\\d{1,2}' })
    const hint = patternOf(locale, 'mutedPersonalUntil', { until: `(${day} )?\\d{2}:\\d{2}` })
    expect(mp.find('input-muted-hint')!.textContent).toMatch(new RegExp(hint))
    expect(mp.find('send-button')).toBeNull()
    // Lifted, then 全员禁言 closes the input again, live.
    await web.session.api.mute(theirs.id, mpUser, 0)
    await until(() => mp.find('message-input'), 'input back after the mute is lifted', 10_000)
    await web.session.api.updateRoom(theirs.id, { mutedAll: true })
    await until(() => mp.find('input-muted-hint')?.textContent?.includes(s('mutedAll')), '全员禁言 hint', 10_000)
    await web.session.api.updateRoom(theirs.id, { mutedAll: false })
    await until(() => mp.find('message-input'), 'input back after 全员禁言', 10_000)
  })

  it('the rooms page switch goes to the other language, titles included, and is remembered', async () => {
    const other = otherLocale(locale)
    mp.back()
    await until(() => mp.route() === 'pages/rooms/rooms' && mp.find('locale-switch'), 'rooms page')
    expect(mp.find('locale-switch')?.textContent?.trim()).toBe(s('switchLanguage'))
    mp.tap('locale-switch')
    await until(() => mp.find('room-join')?.textContent?.trim() === stringsOf(other)('roomJoin'), 'switched')
    await until(() => mp.titles.at(-1) === stringsOf(other)('pageRooms'), 'title switched')
    expect(mp.storage.get('chat.locale')).toBe(other)
  })
})
