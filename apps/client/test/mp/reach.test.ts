// Reach and continuity (issue 12, v1.1 §D/§E/§F) in the compiled mini-program, rendered by
// WeChat's component framework (support/mp-runtime.ts) against a real server that has
// WeChat's subscribe templates configured: a share card's path opened cold by a logged-out
// user lands in the room; the chat page's own share card; "notify me when answered" after a
// question; the @ picker; a mention of me highlighted and [有人@我] on the rooms list; a card
// opened while in another room; 退出登录 asks first.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mpE2eDir } from '../support/builds'
import { RELAXED_LIMITS } from '../support/cluster'
import { launchMiniProgram, type MiniProgram } from '../support/mp-runtime'
import { createClient, sleep, startServer, until, type Client, type RunningServer } from '../support/real-server'

const TEMPLATES = { WECHAT_TEMPLATE_ANSWER: 'T-ANSWER-1', WECHAT_TEMPLATE_DM: 'T-DM-1', WECHAT_TEMPLATE_MENTION: 'T-MENTION-1' }

describe('mini-program: share links, notices, mentions', { timeout: 60_000 }, () => {
  let server: RunningServer
  let teacher: Client
  let mp: MiniProgram
  let room = ''
  let code = ''
  let mpUser = ''

  const teacherTexts = () => teacher.messages.timeline(room)?.messages ?? []

  beforeAll(async () => {
    expect(existsSync(join(mpE2eDir, 'app.js'))).toBe(true) // built by the globalSetup
    server = await startServer({
      ...RELAXED_LIMITS,
      ...TEMPLATES,
      WECHAT_APPID: 'wx0123456789abcdef',
      WECHAT_SECRET: 'test-secret',
      // Nothing listens there: notices fail and are dropped, as the server promises.
      WECHAT_API_BASE: 'http://127.0.0.1:9',
    })
    teacher = await createClient(server.base, '王老师')
    const info = await teacher.rooms.create({ title: '分享的课', access: 'invite' })
    room = info.id
    code = (await teacher.session.api.inviteCode(room)).code
    await teacher.messages.join(room)
  }, 120_000)

  afterAll(async () => {
    mp?.close()
    teacher?.chat.logout()
    await server?.stop()
  })

  it('a share card opened cold by a logged-out user: log in, then land in the (invite) room', async () => {
    mp = launchMiniProgram(mpE2eDir, { entry: `/pages/chat/chat?room=${room}&invite=${code}`, server: server.base })
    await until(() => mp.route() === 'pages/login/login' && mp.find('login-submit'), 'sent to the login page first')
    mp.type('login-name', '小程序同学')
    await sleep(50)
    mp.tap('login-submit')
    await until(() => mp.route() === 'pages/chat/chat' && mp.find('message-input'), 'landed in the shared room', 10_000)
    await until(() => teacher.rooms.online[room]?.length === 2, 'joined with the code from the link', 10_000)
    mpUser = JSON.parse(String(mp.storage.get('chat.session'))).user.id
    // Back leads to the rooms list, under the room.
    expect(mp.requests.some((r) => r.includes('/api/login'))).toBe(true)
  })

  it("the chat page's share card is the room's path with the invite code it was opened with (§F)", async () => {
    await until(() => mp.shareCard()?.title === '分享的课', 'title known')
    expect(mp.shareCard()).toEqual({ title: '分享的课', path: `/pages/chat/chat?room=${room}&invite=${code}` })
    expect(mp.shareCard('timeline')).toEqual({ title: '分享的课', query: `room=${room}&invite=${code}` })
    expect(mp.find('room-share')?.textContent?.trim()).toBe('分享')
  })

  it('after asking a question, WeChat is asked for the configured templates (answer, and mentions once per room)', async () => {
    await until(() => mp.requests.some((r) => r.endsWith('/api/config')), 'templates fetched from /api/config')
    mp.tap('question-mode')
    await sleep(50)
    mp.type('message-input', '第二题怎么做？')
    await sleep(50)
    mp.tap('send-button')
    await until(() => mp.subscribes.length === 1, 'requestSubscribeMessage called')
    expect(mp.subscribes[0]).toEqual(['T-ANSWER-1', 'T-MENTION-1'])
    await until(() => teacherTexts().some((m) => m.kind === 'question'), 'the teacher gets the question')
  })

  it('typing @ opens the member picker; picking inserts the mention and the sent text carries its id', async () => {
    mp.type('message-input', '请看 ')
    await sleep(50)
    expect(mp.find('mention-picker')).toBeNull()
    mp.type('message-input', '请看 @')
    await until(() => mp.find('mention-picker'), 'picker open')
    const options = mp.findAll('mention-option')
    expect(options.map((o) => o.textContent?.trim())).toEqual(['王老师'])
    mp.tap(options[0])
    await until(() => !mp.find('mention-picker'), 'picker closed')
    await sleep(50)
    mp.tap('send-button')
    await until(() => teacherTexts().some((m) => m.kind === 'text'), 'the teacher gets the text')
    const sent = teacherTexts().find((m) => m.kind === 'text')!
    expect(sent.body).toEqual({ text: '请看 @王老师', mentions: [teacher.me.id] })
    // Mentions were asked about in this room already: no second dialog for a plain text.
    await sleep(100)
    expect(mp.subscribes).toHaveLength(1)
  })

  it("the teacher's mention of me is highlighted in the bubble", async () => {
    teacher.messages.send(room, 'text', { text: '@小程序同学 你来回答', mentions: [mpUser] })
    teacher.messages.send(room, 'text', { text: '大家看黑板' })
    await until(() => mp.texts('message-text').includes('大家看黑板'), 'both messages shown')
    expect(mp.findAll('mention-me')).toHaveLength(1)
    const marked = mp.find('mention-me')!.closest('[data-testid=message-item]')!
    expect(marked.textContent).toContain('你来回答')
  })

  it('[有人@我] on the rooms list for a room with a mention above my read mark', async () => {
    mp.back()
    await until(() => mp.route() === 'pages/rooms/rooms' && mp.find('room-item'), 'rooms page')
    expect(mp.find('room-mentioned')).toBeNull()
    teacher.messages.send(room, 'text', { text: '@小程序同学 在吗', mentions: [mpUser] })
    await until(() => mp.find('room-mentioned'), '[有人@我] shown', 10_000)
    expect(mp.find('room-mentioned')!.textContent).toBe('[有人@我]')
    expect(mp.find('room-mentioned')!.closest('[data-testid=room-item]')?.getAttribute('data-room')).toBe(room)
  })

  it('a share card opened while in another room lands in the shared one', async () => {
    const other = await teacher.rooms.create({ title: '另一节课' })
    await teacher.messages.join(other.id)
    mp.tap(mp.find('room-item')!)
    await until(() => mp.route() === 'pages/chat/chat' && mp.find('message-input'), 'in the first room')
    mp.relaunch(`/pages/chat/chat?room=${other.id}`)
    await until(() => teacher.rooms.online[other.id]?.length === 2, 'joined the shared room', 10_000)
    await until(() => mp.shareCard()?.title === '另一节课', 'its page is on top')
    expect(mp.shareCard()).toEqual({ title: '另一节课', path: `/pages/chat/chat?room=${other.id}` })
  })

  it('退出登录 asks first and warns a guest that this identity cannot come back', async () => {
    mp.relaunch('/pages/rooms/rooms')
    await until(() => mp.route() === 'pages/rooms/rooms' && mp.find('logout-button'), 'rooms page')
    mp.tap('logout-button')
    await until(() => mp.modals.length === 1, 'asked first')
    expect(mp.modals[0].content).toContain('访客')
    mp.modals[0].answer(false)
    await sleep(100)
    expect(mp.route()).toBe('pages/rooms/rooms')
    expect(mp.storage.get('chat.session')).toBeTruthy()
    mp.tap('logout-button')
    await until(() => mp.modals.length === 2, 'asked again')
    mp.modals[1].answer(true)
    await until(() => mp.route() === 'pages/login/login', 'logged out')
    expect(mp.storage.has('chat.session')).toBe(false)
  })
})
