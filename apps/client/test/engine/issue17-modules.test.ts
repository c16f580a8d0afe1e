// Drafts kept per room, read state (dm 已读 / group "N 人已读" / nothing in big rooms), the
// upload queue (progress, cancel, retry only when it can work), faces for everyone.
import { describe, expect, it } from 'vitest'
import { faceFor } from '../../src/engine/avatar'
import { Drafts, DRAFTS_KEY, DRAFTS_MAX_ROOMS } from '../../src/engine/drafts'
import { readState, READ_GROUP_MAX } from '../../src/engine/read-state'
import { UploadQueue, type UploadHandle } from '../../src/engine/upload-queue'
import { memoryStorage } from '../support/deps'

describe('drafts', () => {
  it('keeps each room’s draft, across a restart (storage), and forgets blank ones', () => {
    const storage = memoryStorage()
    const d = new Drafts(storage)
    d.keep('a', '第一行\n第二行')
    d.keep('b', 'hello')
    d.keep('b', '   ')
    const again = new Drafts(storage)
    expect(again.get('a')).toBe('第一行\n第二行')
    expect(again.get('b')).toBe('')
    expect(again.get('never')).toBe('')
  })

  it('remembers at most DRAFTS_MAX_ROOMS rooms, dropping the least recently left', () => {
    const d = new Drafts(memoryStorage())
    for (let i = 0; i <= DRAFTS_MAX_ROOMS; i++) d.keep(`r${i}`, `t${i}`)
    expect(d.get('r0')).toBe('')
    expect(d.get(`r${DRAFTS_MAX_ROOMS}`)).toBe(`t${DRAFTS_MAX_ROOMS}`)
  })

  it('clear() (logout) forgets everything; garbage in storage is ignored', () => {
    const storage = memoryStorage()
    storage.set(DRAFTS_KEY, '{not json')
    const d = new Drafts(storage)
    expect(d.get('a')).toBe('')
    d.keep('a', 'x')
    d.clear()
    expect(storage.get(DRAFTS_KEY)).toBeNull()
    expect(new Drafts(storage).get('a')).toBe('')
  })
})

describe('read state', () => {
  const me = 'u_me'
  it('dm: 已读 only under the last of my messages the other has read', () => {
    const r = readState({ dm: true, me, marks: { u_other: 7, [me]: 9 }, mine: [3, 5, 8, 9], roomSize: 2 })
    expect([...r]).toEqual([[5, 1]])
    expect(readState({ dm: true, me, marks: { [me]: 9 }, mine: [3], roomSize: 2 }).size).toBe(0)
    expect(readState({ dm: true, me, marks: { u_other: 2 }, mine: [3], roomSize: 2 }).size).toBe(0)
  })

  it('group: how many others read each of my messages; my own mark does not count', () => {
    const marks = { a: 10, b: 6, c: 3, [me]: 12 }
    const r = readState({ dm: false, me, marks, mine: [2, 5, 8, 11], roomSize: 5 })
    expect([...r]).toEqual([
      [2, 3],
      [5, 2],
      [8, 1],
    ])
  })

  it('nothing in rooms bigger than READ_GROUP_MAX', () => {
    const r = readState({ dm: false, me, marks: { a: 10 }, mine: [2], roomSize: READ_GROUP_MAX + 1 })
    expect(r.size).toBe(0)
    expect(readState({ dm: false, me, marks: { a: 10 }, mine: [2], roomSize: READ_GROUP_MAX }).size).toBe(1)
  })
})

describe('upload queue', () => {
  function fakeUploader() {
    const calls: Array<{
      path: string
      progress: (p: number) => void
      resolve: (v: { url: string; width: number; height: number }) => void
      reject: (e: unknown) => void
      aborted: boolean
    }> = []
    const upload = (path: string, progress: (p: number) => void): UploadHandle => {
      const c = {
        path,
        progress,
        resolve: (_: { url: string; width: number; height: number }) => {},
        reject: (_: unknown) => {},
        aborted: false,
      }
      const done = new Promise<{ url: string; width: number; height: number }>((res, rej) => {
        c.resolve = res
        c.reject = rej
      })
      calls.push(c)
      const abort = () => {
        c.aborted = true
        c.reject({ code: 'aborted' })
      }
      return { done, abort }
    }
    return { calls, upload }
  }
  const flush = () => new Promise((r) => setTimeout(r, 0))

  it('shows progress, then sends the image and drops the bubble', async () => {
    const f = fakeUploader()
    const sent: string[] = []
    const q = new UploadQueue(f.upload, (room, up) => sent.push(`${room} ${up.url}`))
    const item = q.start('r', '/tmp/a.png')
    f.calls[0].progress(42.4)
    expect(q.of('r')[0]).toMatchObject({ id: item.id, progress: 42, status: 'uploading' })
    f.calls[0].resolve({ url: '/uploads/a.png', width: 1, height: 1 })
    await flush()
    expect(sent).toEqual(['r /uploads/a.png'])
    expect(q.items).toEqual([])
  })

  it('✕ aborts the upload, drops the bubble and sends nothing', async () => {
    const f = fakeUploader()
    const sent: string[] = []
    const q = new UploadQueue(f.upload, (room) => sent.push(room))
    const item = q.start('r', '/tmp/a.png')
    q.cancel(item.id)
    await flush()
    expect(f.calls[0].aborted).toBe(true)
    expect(q.items).toEqual([])
    expect(sent).toEqual([])
  })

  it('a refused file fails for good; a network failure can be retried', async () => {
    const f = fakeUploader()
    const q = new UploadQueue(f.upload, () => {})
    const big = q.start('r', '/big.png')
    const lost = q.start('r', '/lost.png')
    f.calls[0].reject({ code: 'too_large' })
    f.calls[1].reject({ code: 'network' })
    await flush()
    expect(q.of('r').map((i) => [i.status, i.error])).toEqual([
      ['failed', 'too_large'],
      ['failed', 'network'],
    ])
    expect(q.retry(big.id)).toBe(false)
    expect(q.retry(lost.id)).toBe(true)
    expect(f.calls.length).toBe(3)
    expect(q.of('r')[1]).toMatchObject({ status: 'uploading', progress: 0, error: '' })
  })
})

describe('avatars', () => {
  it('different users get different preset faces, the same user always the same', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `u_${i.toString(36)}x${i * 7}`)
    const faces = new Set(ids.map(faceFor))
    expect(faces.size).toBeGreaterThanOrEqual(6)
    expect(faceFor('u_alice')).toBe(faceFor('u_alice'))
    expect(faceFor('u_alice')).toMatch(/^\/static\/avatars\/[1-8]\.svg$/)
  })
})
