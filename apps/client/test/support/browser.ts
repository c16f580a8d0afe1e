// Debian's Chromium driven by playwright-core (never `playwright install`).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** A finger held on the element: uni's longpress only listens to touch events. */
export async function longPress(page: Page, selector: ReturnType<Page['locator']>): Promise<void> {
  const box = await selector.boundingBox()
  if (!box) throw new Error('nothing to long-press')
  const point = { x: Math.round(box.x + box.width / 2), y: Math.round(box.y + box.height / 2) }
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] })
  await page.waitForTimeout(800)
  // Emulated touches turn a touchEnd into a click whatever the hold time (a real long press
  // does not), and that click would land on the action sheet's mask and close it.
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchCancel', touchPoints: [] })
  await cdp.detach()
}

export const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A fresh browser profile with a phone-sized viewport (Chinese, light, unless told otherwise). */
export async function openBrowser(
  opts: { locale?: string; colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-chromium-'))
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: ARGS,
    viewport: { width: 390, height: 760 },
    deviceScaleFactor: 2,
    locale: opts.locale ?? 'zh-CN',
    colorScheme: opts.colorScheme ?? 'light',
    hasTouch: true,
  })
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    async close() {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
