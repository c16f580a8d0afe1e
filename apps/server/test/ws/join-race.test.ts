/**
 * A message stored while a join reads its snapshot must reach the joiner exactly once: either
 * in `joined.messages` or as a push after it — never counted in `lastSeq` yet left out of both.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Store } from '../../src/store/types'
import { startServer, type TestServer } from '../helpers/app'
import { cid, http, login, TestClient } from '../helpers/client'

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.close()
})

for (const mode of ['with after', 'without after'] as const) {
  it(`a send landing during a join's snapshot (${mode}) is delivered to the joiner once`, async () => {
    const room = `race-${mode.replace(' ', '-')}-${Math.random().toString(36).slice(2, 7)}`
    const alice = await login(s.url, 'Alice')
    const bob = await login(s.url, 'Bob')
    const b = await TestClient.connect(s.wsUrl, bob.token)
    await b.request({ type: 'join', room })
    await b.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: 'one' } })

    // The first page read of Alice's join lets Bob's second message be stored right after it.
    const store = s.app.store as Store
    const original = store.getMessages.bind(store)
    let armed = true
    store.getMessages = async (r, page) => {
      const result = await original(r, page)
      if (armed && r === room) {
        armed = false
        const sent = await http(
          s.url,
          'POST',
          `/api/rooms/${room}/messages`,
          { cid: cid(), kind: 'text', body: { text: 'two' } },
          bob.token,
        )
        expect(sent.body.seq).toBe(2)
      }
      return result
    }
    try {
      const a = await TestClient.connect(s.wsUrl, alice.token)
      const joined = await a.request({ type: 'join', room, ...(mode === 'with after' ? { after: 0 } : {}) })
      await new Promise((r) => setTimeout(r, 300))
      const seen = [...joined.messages.map((m: any) => m.seq), ...a.messages(room).map((m) => m.seq)]
      expect(seen).toEqual([1, 2])
      expect(joined.lastSeq).toBe(joined.messages.at(-1).seq)
      a.close()
    } finally {
      store.getMessages = original
      b.close()
    }
  })
}
