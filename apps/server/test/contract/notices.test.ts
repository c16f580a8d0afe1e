// v1.1 §E: GET /api/config, and WeChat subscribe messages to users with no open socket
// when an answer, a dm message or a mention of them is stored — against a fake of the
// WeChat API (a real HTTP server that records every call).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeWechat } from '../helpers/fake-wechat'
import { cid, http, joinedClient, sleep, startRoomy, type TestClient, type Login, type TestServer } from './support'

const APPID = 'wx-notices-appid'
const SECRET = 'notices-wechat-secret'
const T = { answer: 'T-ANSWER_tmpl-1', dm: 'T-DM_tmpl-2', mention: 'T-MENTION_tmpl-3' }
const wechatEnv = (fake: FakeWechat, extra: Record<string, string> = {}) => ({
  WECHAT_APPID: APPID,
  WECHAT_SECRET: SECRET,
  WECHAT_API_BASE: fake.base,
  WECHAT_TEMPLATE_ANSWER: T.answer,
  WECHAT_TEMPLATE_DM: T.dm,
  WECHAT_TEMPLATE_MENTION: T.mention,
  ...extra,
})

let fake: FakeWechat
let s: TestServer
let n = 0
beforeAll(async () => {
  fake = await new FakeWechat(APPID, SECRET).start()
  s = await startRoomy(wechatEnv(fake, { WECHAT_TIMEOUT_MS: '400' }))
})
afterAll(async () => {
  await s?.close()
  await fake?.close()
})

/** A WeChat user (openid `openid-<tag>`), fresh for each test so the 60-s limit stays apart. */
async function wxUser(server: TestServer, name: string): Promise<Login & { openid: string }> {
  const tag = `${name.toLowerCase()}${++n}`
  const r = await http(server.url, 'POST', '/api/login/wechat', { code: `code-${tag}`, name })
  if (r.status !== 200) throw new Error(`wechat login: ${r.status} ${JSON.stringify(r.body)}`)
  return { ...r.body, openid: `openid-${tag}` }
}

/** Joins `room` and disconnects; resolves once no node counts a socket of the user. */
async function memberOffline(server: TestServer, who: Login, ...rooms: string[]): Promise<void> {
  const c = await joinedClient(server, who.token, ...rooms)
  c.close()
  await until(async () => (await server.app.connLimits.userConnections(who.user.id)) === 0)
}

async function until(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(20)
  }
}

/**
 * Sends and returns the ack. Notices start after the ack is written, so by the time the
 * client has read it they are under way: idle() then waits for every one of them.
 */
async function sendAndSettle(server: TestServer, c: TestClient, room: string, kind: string, body: object) {
  const ack = await c.request({ type: 'send', room, cid: cid(), kind, body })
  expect(ack).toMatchObject({ type: 'ack' })
  await server.app.notices.idle()
  return ack
}

describe('GET /api/config', () => {
  it('with WeChat and templates: login true and every template id; no token needed', async () => {
    const r = await http(s.url, 'GET', '/api/config')
    expect(r).toMatchObject({ status: 200 })
    expect(r.body).toEqual({ wechat: { login: true, templates: { answer: T.answer, dm: T.dm, mention: T.mention } } })
  })

  it('without WeChat: login false and templates {} (also when template ids are set)', async () => {
    const plain = await startRoomy({ WECHAT_TEMPLATE_DM: 'T-DM' })
    try {
      expect((await http(plain.url, 'GET', '/api/config')).body).toEqual({ wechat: { login: false, templates: {} } })
    } finally {
      await plain.close()
    }
  })

  it('only the configured templates are listed', async () => {
    const some = await startRoomy({
      WECHAT_APPID: APPID,
      WECHAT_SECRET: SECRET,
      WECHAT_API_BASE: fake.base,
      WECHAT_TEMPLATE_MENTION: 'T-M',
    })
    try {
      expect((await http(some.url, 'GET', '/api/config')).body).toEqual({ wechat: { login: true, templates: { mention: 'T-M' } } })
    } finally {
      await some.close()
    }
  })
})

describe('offline notices', () => {
  it("an answer notifies the question's author with the answer template, page and data", async () => {
    const host = await wxUser(s, 'Host')
    const student = await wxUser(s, 'Student')
    const R = `notice-qa-${n}`
    expect((await http(s.url, 'POST', '/api/rooms', { id: R, title: '物理 101' }, host.token)).status).toBe(201)
    const st = await joinedClient(s, student.token, R)
    const q = await sendAndSettle(s, st, R, 'question', { text: '什么是动量守恒？' })
    st.close()
    await until(async () => (await s.app.connLimits.userConnections(student.user.id)) === 0)
    const h = await joinedClient(s, host.token, R)
    await sendAndSettle(s, h, R, 'answer', { question: q.seq, text: '系统不受外力时总动量不变' })
    h.close()
    const sent = fake.sendsTo(student.openid)
    expect(sent).toHaveLength(1)
    expect(sent[0].query.access_token).toMatch(/^TOKEN-/)
    expect(sent[0].body).toEqual({
      touser: student.openid,
      template_id: T.answer,
      page: `pages/chat/chat?room=${encodeURIComponent(R)}`,
      data: {
        thing1: { value: '什么是动量守恒？' },
        thing2: { value: '系统不受外力时总动量不变' },
        thing3: { value: 'Host' },
        time4: { value: expect.stringMatching(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/) },
      },
    })
    // The host asked nothing and wrote the answer: no notice for them.
    expect(fake.sendsTo(host.openid)).toHaveLength(0)
  })

  it('a dm message notifies the other user (page with the url-encoded dm id); a dm that also mentions them makes one notice', async () => {
    const alice = await wxUser(s, 'Alice')
    const bob = await wxUser(s, 'Bob')
    const G = `notice-common-${n}`
    await memberOffline(s, bob, G)
    const a = await joinedClient(s, alice.token, G)
    const dm = [alice.user.id, bob.user.id].sort().join(':')
    const D = `dm:${dm}`
    expect(await a.request({ type: 'join', room: D })).toMatchObject({ type: 'joined' })
    await sendAndSettle(s, a, D, 'text', { text: '在吗？明天的实验报告', mentions: [bob.user.id] })
    const sent = fake.sendsTo(bob.openid)
    expect(sent).toHaveLength(1)
    expect(sent[0].body).toMatchObject({
      touser: bob.openid,
      template_id: T.dm,
      page: `pages/chat/chat?room=${encodeURIComponent(D)}`,
      data: { thing1: { value: 'Alice' }, thing2: { value: '在吗？明天的实验报告' }, time3: { value: expect.any(String) } },
    })
    expect(sent[0].body.page).toContain('dm%3A')
    // Alice (the sender) gets nothing.
    expect(fake.sendsTo(alice.openid)).toHaveLength(0)
    a.close()
  })

  it('a mention notifies each mentioned member who is offline and has an openid — not the online, not guests, not the sender', async () => {
    const alice = await wxUser(s, 'Alice')
    const bob = await wxUser(s, 'Bob')
    const carol = await wxUser(s, 'Carol')
    const R = `notice-mention-${n}`
    const guest = (await http(s.url, 'POST', '/api/login', { name: 'Guest' })).body as Login
    await memberOffline(s, bob, R)
    await memberOffline(s, guest, R)
    const c = await joinedClient(s, carol.token, R) // online: no notice
    const a = await joinedClient(s, alice.token, R)
    const long = '这是一条很长很长的消息，用来检查模板里的字段不会超过二十个字符的限制'
    await sendAndSettle(s, a, R, 'text', { text: long, mentions: [bob.user.id, carol.user.id, guest.user.id, alice.user.id] })
    const sent = fake.sendsTo(bob.openid)
    expect(sent).toHaveLength(1)
    expect(sent[0].body).toMatchObject({ template_id: T.mention, page: `pages/chat/chat?room=${R}` })
    const data = sent[0].body.data
    expect(Object.keys(data)).toEqual(['thing1', 'thing2', 'thing3', 'time4'])
    expect(data.thing1.value).toBe(R) // a room joined by id has its id as title
    expect(data.thing2.value).toBe('Alice')
    // thing: at most 20 characters.
    expect(Array.from(data.thing3.value as string)).toHaveLength(20)
    expect(data.thing3.value).toBe(Array.from(long).slice(0, 19).join('') + '…')
    expect(fake.sendsTo(carol.openid)).toHaveLength(0)
    expect(fake.sendsTo(alice.openid)).toHaveLength(0)
    expect(fake.sends().filter((x) => x.body?.touser === undefined || x.body.touser === '')).toHaveLength(0)
    a.close()
    c.close()
  })

  it('at most one notice per user per room per 60 s; another room is counted apart', async () => {
    const alice = await wxUser(s, 'Alice')
    const bob = await wxUser(s, 'Bob')
    const R1 = `notice-limit-a-${n}`
    const R2 = `notice-limit-b-${n}`
    await memberOffline(s, bob, R1, R2)
    const a = await joinedClient(s, alice.token, R1, R2)
    for (let i = 0; i < 3; i++) await sendAndSettle(s, a, R1, 'text', { text: `ping ${i}`, mentions: [bob.user.id] })
    expect(fake.sendsTo(bob.openid)).toHaveLength(1)
    await sendAndSettle(s, a, R2, 'text', { text: 'other room', mentions: [bob.user.id] })
    expect(fake.sendsTo(bob.openid).map((x) => x.body.page)).toEqual([`pages/chat/chat?room=${R1}`, `pages/chat/chat?room=${R2}`])
    a.close()
  })

  it('43101 (not subscribed) is dropped and still counts toward the limit; sends and other notices go on', async () => {
    const alice = await wxUser(s, 'Alice')
    const bob = await wxUser(s, 'Bob')
    const carol = await wxUser(s, 'Carol')
    const R = `notice-refused-${n}`
    await memberOffline(s, bob, R)
    await memberOffline(s, carol, R)
    fake.behaviour = (openid) => (openid === bob.openid ? 'refuse' : 'ok')
    try {
      const a = await joinedClient(s, alice.token, R)
      await sendAndSettle(s, a, R, 'text', { text: 'one', mentions: [bob.user.id] })
      expect(fake.sendsTo(bob.openid)).toHaveLength(1)
      // Refused, yet the slot is used: no retry within the interval.
      await sendAndSettle(s, a, R, 'text', { text: 'two', mentions: [bob.user.id, carol.user.id] })
      expect(fake.sendsTo(bob.openid)).toHaveLength(1)
      expect(fake.sendsTo(carol.openid)).toHaveLength(1)
      a.close()
    } finally {
      fake.behaviour = () => 'ok'
    }
  })

  it('a WeChat that does not answer times out harmlessly: acks come, later notices still go', async () => {
    const alice = await wxUser(s, 'Alice')
    const bob = await wxUser(s, 'Bob')
    const carol = await wxUser(s, 'Carol')
    const R = `notice-timeout-${n}`
    await memberOffline(s, bob, R)
    await memberOffline(s, carol, R)
    fake.behaviour = (openid) => (openid === bob.openid ? 'hang' : 'ok')
    try {
      const a = await joinedClient(s, alice.token, R)
      await sendAndSettle(s, a, R, 'text', { text: 'hello?', mentions: [bob.user.id] })
      // idle() resolved: the call was given up (WECHAT_TIMEOUT_MS=400) and WeChat's side closed.
      await until(async () => fake.hanging === 0)
      expect(fake.sendsTo(bob.openid)).toHaveLength(1)
      await sendAndSettle(s, a, R, 'text', { text: 'carol?', mentions: [carol.user.id] })
      expect(fake.sendsTo(carol.openid)).toHaveLength(1)
      a.close()
    } finally {
      fake.behaviour = () => 'ok'
    }
  })

  it('the access token comes from stable_token once and is reused', async () => {
    expect(fake.sends().length).toBeGreaterThan(3)
    const tokens = fake.tokenCalls()
    expect(tokens).toHaveLength(1)
    expect(tokens[0].body).toEqual({ grant_type: 'client_credential', appid: APPID, secret: SECRET, force_refresh: false })
    expect(new Set(fake.sends().map((x) => x.query.access_token))).toEqual(new Set(['TOKEN-1']))
  })

  it('the ack never waits on WeChat: acked while the send to WeChat is still unanswered', async () => {
    // A patient server (WeChat calls time out after 30 s) against a WeChat that never answers.
    const patient = await startRoomy(wechatEnv(fake, { WECHAT_TIMEOUT_MS: '30000' }))
    const alice = await wxUser(patient, 'Alice')
    const bob = await wxUser(patient, 'Bob')
    const R = `notice-hang-${n}`
    fake.behaviour = (openid) => (openid === bob.openid ? 'hang' : 'ok')
    try {
      await memberOffline(patient, bob, R)
      const a = await joinedClient(patient, alice.token, R)
      const ack = await a.request({
        type: 'send',
        room: R,
        cid: cid(),
        kind: 'text',
        body: { text: 'are you there', mentions: [bob.user.id] },
      })
      expect(ack).toMatchObject({ type: 'ack' })
      await fake.waitFor((x) => x.path === '/cgi-bin/message/subscribe/send' && x.body?.touser === bob.openid)
      expect(fake.hanging).toBe(1)
      // HTTP sends likewise, and the socket keeps answering meanwhile.
      const r = await http(
        patient.url,
        'POST',
        `/api/rooms/${R}/messages`,
        { cid: cid(), kind: 'text', body: { text: 'again', mentions: [bob.user.id] } },
        alice.token,
      )
      expect(r.status).toBe(200)
      expect(await a.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
      a.close()
    } finally {
      await patient.close()
      fake.behaviour = () => 'ok'
    }
  })
})
