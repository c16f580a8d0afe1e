// The compiled mini-program in English (WeChat set to `en`): the same pages, every string
// from en.ts, titles included; the switch on the rooms page goes to 中文 and is remembered.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mpE2eDir, mpE2eServerUrl } from '../support/builds'
import { addNodeOnPort, RELAXED_LIMITS, startCluster, type TestCluster } from '../support/cluster'
import { launchMiniProgram, type MiniProgram } from '../support/mp-runtime'
import { createClient, sleep, until, type Client } from '../support/real-server'

const ROOM = 'mp-english-101'

describe('mini-program pages in English', { timeout: 60_000 }, () => {
  let cluster: TestCluster
  let web: Client
  let mp: MiniProgram

  beforeAll(async () => {
    expect(existsSync(join(mpE2eDir, 'app.js'))).toBe(true)
    cluster = await startCluster({ nodes: 1, env: RELAXED_LIMITS })
    await addNodeOnPort(cluster, 'mp-en-node', Number(new URL(mpE2eServerUrl()).port))
    web = await createClient(cluster.nodes[0].url, 'Teacher')
    await web.messages.join(ROOM)
    mp = launchMiniProgram(mpE2eDir, { language: 'en' })
  }, 120_000)

  afterAll(async () => {
    mp?.close()
    web?.chat.logout()
    await cluster?.stop()
  })

  it('logs in, in English', async () => {
    await until(() => mp.route() === 'pages/login/login' && mp.find('login-submit'), 'login page')
    expect(mp.find('login-submit')?.textContent?.trim()).toBe('Start chatting')
    expect(mp.titles).toContain('Log in')
    mp.tap('login-submit')
    await until(() => mp.toasts.includes('Please enter a nickname'), 'empty nickname refused in English')
    mp.type('login-name', 'Student')
    await sleep(50)
    mp.tap('login-submit')
    await until(() => mp.route() === 'pages/rooms/rooms' && mp.find('room-id-input'), 'rooms page', 10_000)
    expect(mp.find('room-join')?.textContent?.trim()).toBe('Join')
    await until(() => mp.titles.includes('Chat rooms'), 'rooms title')
  })

  it('chats in English: toolbar, input, a message the web user gets', async () => {
    mp.type('room-id-input', ROOM)
    await sleep(50)
    mp.tap('room-join')
    await until(() => mp.route() === 'pages/chat/chat' && mp.find('message-input'), 'chat page')
    await until(() => !mp.find('conn-status'), 'connected', 10_000)
    expect(mp.find('send-button')?.textContent?.trim()).toBe('Send')
    expect(mp.find('like-button')?.textContent).toContain('Like')
    mp.type('message-input', 'Hello from WeChat\nsecond line')
    await sleep(50)
    mp.tap('send-button')
    await until(
      () => web.messages.timeline(ROOM)?.messages.some((m) => (m.body as { text?: string }).text === 'Hello from WeChat\nsecond line'),
      'web user gets both lines',
    )
    await until(() => mp.texts('message-text').includes('Hello from WeChat\nsecond line'), 'shown whole')
  })

  it('the rooms page switch goes to 中文 and stays', async () => {
    mp.back()
    await until(() => mp.route() === 'pages/rooms/rooms' && mp.find('locale-switch'), 'rooms page')
    expect(mp.find('locale-switch')?.textContent?.trim()).toBe('中文')
    mp.tap('locale-switch')
    await until(() => mp.find('room-join')?.textContent?.trim() === '加入', 'switched to Chinese')
    await until(() => mp.titles[mp.titles.length - 1] === '聊天室', 'title in Chinese')
    expect(mp.storage.get('chat.locale')).toBe('zh-CN')
  })
})
