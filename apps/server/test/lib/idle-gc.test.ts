// IdleGc in this very process: real garbage, the real event loop, V8's real collector.
import { afterEach, expect, it } from 'vitest'
import { IdleGc } from '../../src/lib/idle-gc'

const rss = () => process.memoryUsage.rss()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let gc: IdleGc | null = null
afterEach(() => gc?.stop())

/** Objects (~`mb` × 10 MB of heap) that become garbage as soon as this returns. */
function litter(mb: number): number {
  let keep: unknown[] = []
  for (let i = 0; i < mb * 16; i++) keep.push(Array.from({ length: 8192 }, (_, k) => ({ k })))
  const n = keep.length
  keep = []
  return n
}

it('gives memory back once the loop has been quiet and RSS grew by the threshold; then waits for new growth', async () => {
  const collected: Array<[number, number]> = []
  gc = new IdleGc({ minGrowthBytes: 16 << 20, checkMs: 3_600_000, quietChecks: 2, onCollect: (b, a) => collected.push([b, a]) })
  litter(48)
  const grown = rss()
  for (let i = 0; i < 3 && collected.length === 0; i++) {
    await sleep(60)
    await gc.check()
  }
  expect(collected).toHaveLength(1)
  const [before, after] = collected[0]
  expect(before).toBeGreaterThanOrEqual(grown - (8 << 20))
  expect(before - after).toBeGreaterThan(16 << 20)
  // Nothing new: quiet as it is, it does not collect again.
  for (let i = 0; i < 4; i++) {
    await sleep(60)
    await gc.check()
  }
  expect(collected).toHaveLength(1)
})

it('never collects while the loop is busy', async () => {
  const collected: number[] = []
  gc = new IdleGc({ minGrowthBytes: 1 << 20, checkMs: 3_600_000, quietChecks: 2, onCollect: (b) => collected.push(b) })
  litter(16)
  for (let i = 0; i < 5; i++) {
    // Busy for the whole interval between checks: utilisation near 1.
    const end = Date.now() + 60
    while (Date.now() < end) litter(0.25)
    await gc.check()
  }
  expect(collected).toHaveLength(0)
})
