// axe-core, the accessibility checker, run inside a page of the H5 build.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { clientDir } from './builds'

const axePath = createRequire(join(clientDir, 'package.json')).resolve('axe-core/axe.min.js')

/** axe-core in the page: violations of impact serious or critical (WCAG 2 A/AA rules). */
export async function axeSerious(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath })
  const found = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(ctx: unknown, o: unknown): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }>
        }
      }
    ).axe
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))
  })
  if (found.length) console.log('[client] axe:', JSON.stringify(found))
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} @ ${v.where.join(', ')}`)
}
