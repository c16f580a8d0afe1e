import { describe, expect, it } from 'vitest'
import { backoffDelay, backoffWindow, defaultBackoff } from '../../src/engine/backoff'

describe('backoff with full jitter', () => {
  it('doubles the window per attempt from the base up to the 30 s cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffWindow(a))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000])
    expect(backoffWindow(1e9)).toBe(defaultBackoff.capMs)
    expect(backoffWindow(-3)).toBe(1000)
  })

  it('draws the delay uniformly from [0, window)', () => {
    expect(backoffDelay(3, defaultBackoff, () => 0)).toBe(0)
    expect(backoffDelay(3, defaultBackoff, () => 0.5)).toBe(4000)
    expect(backoffDelay(3, defaultBackoff, () => 0.999999)).toBe(7999)
    expect(backoffDelay(20, defaultBackoff, () => 0.999999)).toBeLessThan(30_000)
  })

  it('spreads clients out: 200 draws for the same attempt are not all equal and stay in range', () => {
    const draws = Array.from({ length: 200 }, () => backoffDelay(4))
    expect(new Set(draws).size).toBeGreaterThan(50)
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...draws)).toBeLessThan(16_000)
  })
})
