// What every H5 browser test sets up and does: a screenshots folder emptied at the start,
// two server nodes (Redis + Postgres) each with the H5 build served in front of it (as
// behind a load balancer's sticky route) and two browsers, and the few page steps they all
// take (type into a uni input, wait until a room is live, send a text).
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { openBrowser } from './browser'
import { clientDir, h5Dir } from './builds'
import { RELAXED_LIMITS, startCluster, type TestCluster } from './cluster'
import { serveH5, type H5Site } from './static-proxy'

export type Browser = Awaited<ReturnType<typeof openBrowser>>

/** The real <input> / <textarea> inside uni's wrapper that carries the test id. */
export const field = (page: Page, testId: string) => page.locator(`[data-testid=${testId}] :is(input, textarea)`)
export const texts = (page: Page) => page.getByTestId('message-text').allInnerTexts()
/** The saved session (token, user) of the page's app. */
export const sessionOf = async (page: Page) =>
  JSON.parse((await page.evaluate(() => localStorage.getItem('chat.session'))) ?? '{}') as { token: string; user: { id: string } }

/** The chat page is open and its room live (no connection banner). */
export async function live(page: Page, timeout = 10_000): Promise<void> {
  await page.getByTestId('message-input').waitFor({ timeout })
  await page.getByTestId('conn-status').waitFor({ state: 'detached', timeout })
}

export async function send(page: Page, text: string): Promise<void> {
  await field(page, 'message-input').fill(text)
  await page.getByTestId('send-button').click()
}

/** `screenshots/<name>/`, emptied now (its path printed); `snap` lets toasts and scrolling settle first. */
export function screenshots(name: string, settleMs = 400) {
  const dir = join(clientDir, 'screenshots', name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  console.log(`[client] ${name} screenshots: ${dir}`)
  return {
    dir,
    async snap(page: Page, file: string) {
      if (settleMs) await page.waitForTimeout(settleMs)
      await page.screenshot({ path: join(dir, `${file}.png`) })
    },
  }
}

export interface TwoNodeStage {
  cluster: TestCluster
  /** The H5 app in front of node A / node B. */
  siteA: H5Site
  siteB: H5Site
  /** A browser for each side (use them on either site). */
  a: Browser
  b: Browser
  stop(): Promise<void>
}

export async function startTwoNodes(env: Record<string, string> = RELAXED_LIMITS): Promise<TwoNodeStage> {
  const cluster = await startCluster({ nodes: 2, env })
  const stage: Partial<TwoNodeStage> = { cluster }
  const stop = async () => {
    await stage.a?.close()
    await stage.b?.close()
    await stage.siteA?.close()
    await stage.siteB?.close()
    await cluster.stop()
  }
  try {
    stage.siteA = await serveH5(h5Dir, cluster.nodes[0].url)
    stage.siteB = await serveH5(h5Dir, cluster.nodes[1].url)
    stage.a = await openBrowser()
    stage.b = await openBrowser()
  } catch (e) {
    await stop()
    throw e
  }
  return { ...(stage as TwoNodeStage), stop }
}
