// Asking for WeChat's offline notices (v1.1 §E): with the templates from /api/config, at the
// right moments, once per room for mentions, never while a dialog is up, refusals remembered.
import { createPinia, setActivePinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import type { HttpRequest } from '../../src/engine/types'
import { provideDeps } from '../../src/stores/deps'
import { useNoticesStore } from '../../src/stores/notices'
import { fakeDeps } from '../support/deps'
import { FakeServer, tick } from '../support/fake-server'

const templates = { answer: 'T-ANSWER', dm: 'T-DM', mention: 'T-MENTION' }

function setup(answer: (ids: string[]) => Record<string, string> | Error, withSubscribe = true) {
  const asked: string[][] = []
  const seen: HttpRequest[] = []
  const deps = fakeDeps(new FakeServer(), async (req) => {
    seen.push(req)
    return { status: 200, data: { wechat: { login: true, templates } } }
  })
  if (withSubscribe) {
    deps.subscribe = async (ids) => {
      asked.push(ids)
      const r = answer(ids)
      if (r instanceof Error) throw r
      return r
    }
  }
  provideDeps(deps)
  setActivePinia(createPinia())
  return { deps, asked, seen, notices: useNoticesStore() }
}

const accept = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, 'accept']))

describe('notices store', () => {
  it('loads the templates from /api/config without a token and asks with them after a question', async () => {
    const { notices, asked, seen } = setup(accept)
    await notices.load()
    expect(seen[0]).toMatchObject({ method: 'GET', url: 'http://chat.test/api/config', token: null })
    expect(notices.ask(['answer', 'mention'], 'room-1')).toEqual(['T-ANSWER', 'T-MENTION'])
    await tick(5)
    expect(asked).toEqual([['T-ANSWER', 'T-MENTION']])
    // The next question asks for the answer notice again, mentions only once per room.
    expect(notices.ask(['answer', 'mention'], 'room-1')).toEqual(['T-ANSWER'])
    await tick(5)
    expect(notices.ask(['mention'], 'room-2')).toEqual(['T-MENTION'])
  })

  it('a refusal is remembered (across restarts) and never asked again', async () => {
    const { notices, asked, deps } = setup((ids) => Object.fromEntries(ids.map((id) => [id, id === 'T-ANSWER' ? 'reject' : 'accept'])))
    await notices.load()
    notices.ask(['answer'], 'r')
    await tick(5)
    expect(notices.ask(['answer'], 'r')).toEqual([])
    setActivePinia(createPinia())
    provideDeps(deps)
    const again = useNoticesStore()
    await again.load()
    expect(again.ask(['answer', 'dm'], 'dm:u_a:u_b')).toEqual(['T-DM'])
    expect(asked).toHaveLength(2)
  })

  it('never two dialogs at once; a dm is asked once per run; WeChat switched off stops every ask', async () => {
    const { notices, asked } = setup(() => Object.assign(new Error('switched off'), { errCode: 20004 }))
    await notices.load()
    expect(notices.ask(['dm'], 'dm:a:b')).toEqual(['T-DM'])
    expect(notices.ask(['answer'], 'r')).toEqual([]) // the first dialog is still up
    await tick(5)
    expect(notices.ask(['dm'], 'dm:a:b')).toEqual([])
    expect(notices.ask(['answer'], 'r')).toEqual([])
    expect(asked).toHaveLength(1)
  })

  it('H5 (no subscribe) fetches nothing and asks nothing', async () => {
    const { notices, seen } = setup(accept, false)
    await notices.load()
    expect(notices.ask(['answer'], 'r')).toEqual([])
    expect(seen).toHaveLength(0)
  })
})
