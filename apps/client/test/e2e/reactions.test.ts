// Likes and flowers as live counters (v1.1 §B) in the H5 build, on two nodes of a Redis +
// Postgres deployment: Alice (node A) taps 点赞 several times and sends flowers; Bob (node B)
// sees the counts rise, hearts and flowers rising (never more than MAX_SPRITES at once, even
// in a storm of hundreds of likes) and the names line above the input, and no chat rows.
// Screenshots in screenshots/e2e-reactions/.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_SPRITES } from '../../src/engine/reactions'
import { useReactionsStore } from '../../src/stores/reactions'
import { RELAXED_LIMITS, serverHistory } from '../support/cluster'
import { field, live, screenshots, startTwoNodes, type Browser, type TwoNodeStage } from '../support/h5-stage'
import { createClient, until, type Client } from '../support/real-server'
import type { H5Site } from '../support/static-proxy'

const ROOM = 'physics-reactions'
let snap: ReturnType<typeof screenshots>['snap']
/** The number beside a toolbar button ("点赞 12" → 12). */
const count = async (page: Page, testId: string) =>
  Number(/(\d+)\s*$/m.exec((await page.getByTestId(testId).locator('.label').innerText()).trim())?.[1])
const sprites = (page: Page) => page.getByTestId('reaction-sprite').count()

async function enter(page: Page, site: H5Site, name: string) {
  await page.goto(site.url + '/')
  await field(page, 'login-name').fill(name)
  await page.getByTestId('login-submit').click()
  await field(page, 'room-id-input').fill(ROOM)
  await page.getByTestId('room-join').click()
  await live(page)
}

/** Records, in the page, the most sprites ever on screen at once (sampling could miss a peak). */
async function watchSprites(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { maxSprites: number; spritesSeen: number }
    w.maxSprites = 0
    w.spritesSeen = 0
    const seen = new WeakSet<Element>()
    new MutationObserver(() => {
      const all = document.querySelectorAll('[data-testid=reaction-sprite]')
      w.maxSprites = Math.max(w.maxSprites, all.length)
      for (const el of all) {
        if (seen.has(el)) continue
        seen.add(el)
        w.spritesSeen++
      }
    }).observe(document.body, { childList: true, subtree: true })
  })
}
const spriteStats = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { maxSprites: number; spritesSeen: number }
    return { max: w.maxSprites, seen: w.spritesSeen }
  })

describe('reactions in Chromium on two server nodes', { timeout: 90_000 }, () => {
  let stage: TwoNodeStage
  let siteA: H5Site
  let siteB: H5Site
  let alice: Browser
  let bob: Browser
  let storm: Client | null = null
  /** Every frame Alice's page sent. */
  const aliceSent: string[] = []

  beforeAll(async () => {
    snap = screenshots('e2e-reactions', 0).snap
    // The storm user may react far above the default 10 a second.
    stage = await startTwoNodes({ ...RELAXED_LIMITS, REACT_RATE_LIMIT: '100000' })
    ;({ siteA, siteB, a: alice, b: bob } = stage)
    alice.page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => aliceSent.push(String(payload))))
  }, 120_000)

  afterAll(async () => {
    storm?.chat.logout()
    await stage?.stop()
  })

  it('both in the room on different nodes, counters at 0', async () => {
    await enter(alice.page, siteA, '小明')
    await enter(bob.page, siteB, '小红')
    for (const p of [alice.page, bob.page]) {
      expect(await count(p, 'like-button')).toBe(0)
      expect(await count(p, 'flower-button')).toBe(0)
    }
    await watchSprites(bob.page)
  })

  it('Alice taps 点赞 five times: her count rises at once, Bob sees 5, hearts and her name; no chat rows', async () => {
    for (let i = 0; i < 5; i++) await alice.page.getByTestId('like-button').click()
    // Sent at once, without waiting for anything: the count is already 5 here.
    expect(await count(alice.page, 'like-button')).toBe(5)
    await expect.poll(() => count(bob.page, 'like-button'), { timeout: 5000 }).toBe(5)
    await expect.poll(() => sprites(bob.page), { timeout: 3000 }).toBeGreaterThan(0)
    await bob.page.getByTestId('reaction-line').getByText('小明 点了赞').waitFor({ timeout: 3000 })
    await bob.page.waitForTimeout(500) // mid-rise
    await snap(bob.page, '01-bob-sees-likes')
    const reacts = aliceSent.map((f) => JSON.parse(f)).filter((f) => f.type === 'react')
    expect(reacts).toHaveLength(5)
    expect(reacts.every((f) => f.room === ROOM && f.kind === 'like' && typeof f.id === 'string')).toBe(true)
    for (const p of [alice.page, bob.page]) expect(await p.getByTestId('message-item').count()).toBe(0)
  })

  it('Alice sends 10 flowers (the sheet asks how many): Bob sees 送花 10, flowers and the line', async () => {
    await alice.page.getByTestId('flower-button').click()
    await alice.page.getByText('送 10 朵', { exact: true }).click()
    await expect.poll(() => count(alice.page, 'flower-button')).toBe(10)
    await expect.poll(() => count(bob.page, 'flower-button'), { timeout: 5000 }).toBe(10)
    await expect
      .poll(() => bob.page.locator('[data-testid=reaction-sprite][data-kind=flower]').count(), { timeout: 3000 })
      .toBeGreaterThan(0)
    await expect.poll(() => bob.page.getByTestId('reaction-line').innerText()).toContain('小明')
    await bob.page.waitForTimeout(400)
    await snap(bob.page, '02-bob-sees-flowers')
    await snap(alice.page, '03-alice-counts')
    expect(await count(bob.page, 'like-button')).toBe(5)
    // The line fades and goes; the sprites finish their rise and go.
    await expect.poll(() => bob.page.getByTestId('reaction-line').count(), { timeout: 6000 }).toBe(0)
    await expect.poll(() => sprites(bob.page), { timeout: 6000 }).toBe(0)
    // Nothing became a message.
    const token = JSON.parse((await alice.page.evaluate(() => localStorage.getItem('chat.session'))) ?? '{}').token
    expect(await serverHistory(stage.cluster.nodes[0].url, token, ROOM)).toEqual([])
    const s = await spriteStats(bob.page)
    expect(s.seen).toBeGreaterThan(0)
    expect(s.max).toBeLessThanOrEqual(MAX_SPRITES)
  })

  it('a storm of 400 likes from a third user: exact totals, never more than MAX_SPRITES sprites', async () => {
    storm = await createClient(stage.cluster.nodes[0].url, '小刚')
    await storm.messages.join(ROOM)
    const reactions = useReactionsStore(storm.pinia)
    for (let i = 0; i < 400; i++) {
      expect(reactions.react(ROOM, 'like')).toBeNull()
      if (i % 40 === 39) await new Promise((r) => setTimeout(r, 100))
    }
    await bob.page.waitForTimeout(700)
    await snap(bob.page, '04-bob-during-storm')
    await expect.poll(() => count(bob.page, 'like-button'), { timeout: 8000 }).toBe(405)
    await expect.poll(() => count(alice.page, 'like-button'), { timeout: 8000 }).toBe(405)
    await until(() => reactions.stats[ROOM]?.likes === 405, 'the storm user sees 405 too')
    expect(await bob.page.getByTestId('reaction-line').innerText()).toContain('小刚')
    const s = await spriteStats(bob.page)
    expect(s.max).toBeGreaterThan(1)
    expect(s.max).toBeLessThanOrEqual(MAX_SPRITES)
    expect(await bob.page.getByTestId('message-item').count()).toBe(0)
    await snap(bob.page, '05-bob-after-storm')
  })
})
