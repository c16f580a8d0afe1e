// v1.1 §E across nodes: "offline" means no open socket on ANY node, and the one notice per
// user per room per 60 s is one limit for the whole deployment. Two server nodes sharing a
// Postgres store and a Redis, against a fake WeChat API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeWechat } from '../helpers/fake-wechat'
import {
  cid,
  http,
  joinedClient,
  ROOMY,
  sleep,
  startTwoNodes,
  type Login,
  type TestClient,
  type TestServer,
  type TwoNodes,
} from './support'

const APPID = 'wx-notices-mn'
const SECRET = 'notices-mn-secret'
let fake: FakeWechat
let cluster: TwoNodes
let n1: TestServer, n2: TestServer
let n = 0

beforeAll(async () => {
  fake = await new FakeWechat(APPID, SECRET).start()
  cluster = await startTwoNodes('notices-mn', ['wx-1', 'wx-2'], {
    ...ROOMY,
    JWT_SECRET: 'notices-mn-secret-0123456789abcdef',
    WECHAT_APPID: APPID,
    WECHAT_SECRET: SECRET,
    WECHAT_API_BASE: fake.base,
    WECHAT_TEMPLATE_DM: 'T-DM',
    WECHAT_TEMPLATE_MENTION: 'T-MENTION',
    WECHAT_TIMEOUT_MS: '1000',
  })
  ;({ n1, n2 } = cluster)
}, 60_000)
afterAll(async () => {
  await cluster?.close()
  await fake?.close()
})

async function wxUser(name: string): Promise<Login & { openid: string }> {
  const tag = `${name.toLowerCase()}${++n}`
  const r = await http(n1.url, 'POST', '/api/login/wechat', { code: `code-${tag}`, name })
  if (r.status !== 200) throw new Error(`wechat login: ${r.status}`)
  return { ...r.body, openid: `openid-${tag}` }
}

async function until(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(20)
  }
}
const sockets = (s: TestServer, who: Login) => s.app.connLimits.userConnections(who.user.id)

async function mention(s: TestServer, c: TestClient, room: string, who: Login, text = 'hi') {
  const ack = await c.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text, mentions: [who.user.id] } })
  expect(ack).toMatchObject({ type: 'ack' })
  await s.app.notices.idle()
}

describe('offline notices on two nodes', () => {
  it('a user with a socket on the other node only gets no notice; once it closes, they do', async () => {
    const alice = await wxUser('Alice')
    const bob = await wxUser('Bob')
    const R = `mn-notice-${n}`
    const b2 = await joinedClient(n2, bob.token, R) // online on node 2 only
    const a1 = await joinedClient(n1, alice.token, R)
    expect(n1.app.hub.userConnections(bob.user.id)).toBe(0)
    await mention(n1, a1, R, bob, 'while Bob is on node 2')
    expect(fake.sendsTo(bob.openid)).toHaveLength(0)
    b2.close()
    await until(async () => (await sockets(n1, bob)) === 0)
    await mention(n1, a1, R, bob, 'now Bob is gone')
    expect(fake.sendsTo(bob.openid)).toHaveLength(1)
    expect(fake.sendsTo(bob.openid)[0].body).toMatchObject({ template_id: 'T-MENTION', page: `pages/chat/chat?room=${R}` })
    a1.close()
  })

  it('the 60-s limit holds across nodes: a second mention through the other node sends nothing', async () => {
    const alice = await wxUser('Alice')
    const bob = await wxUser('Bob')
    const R = `mn-limit-${n}`
    const b = await joinedClient(n2, bob.token, R)
    b.close()
    await until(async () => (await sockets(n1, bob)) === 0)
    const a1 = await joinedClient(n1, alice.token, R)
    const a2 = await joinedClient(n2, alice.token, R)
    await mention(n1, a1, R, bob, 'first, via node 1')
    await mention(n2, a2, R, bob, 'second, via node 2')
    await mention(n1, a1, R, bob, 'third, via node 1')
    expect(fake.sendsTo(bob.openid)).toHaveLength(1)
    // The limit is per room: a dm to Bob through node 2 still notifies.
    const D = `dm:${[alice.user.id, bob.user.id].sort().join(':')}`
    expect(await a2.request({ type: 'join', room: D })).toMatchObject({ type: 'joined' })
    const ack = await a2.request({ type: 'send', room: D, cid: cid(), kind: 'text', body: { text: 'privately' } })
    expect(ack).toMatchObject({ type: 'ack' })
    await n2.app.notices.idle()
    expect(fake.sendsTo(bob.openid).map((x) => x.body.template_id)).toEqual(['T-MENTION', 'T-DM'])
    a1.close()
    a2.close()
  })

  it('one access token for both nodes (cached in Redis)', async () => {
    expect(fake.sends().length).toBeGreaterThanOrEqual(3)
    expect(fake.tokenCalls()).toHaveLength(1)
  })
})
