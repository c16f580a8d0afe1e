// The stores' one door to the outside world. The app provides the platform's deps before
// the first store is used; tests provide a fake or a Node (`ws` + fetch) implementation.
import type { EngineDeps } from '../engine/types'

let current: EngineDeps | null = null

export function provideDeps(deps: EngineDeps): void {
  current = deps
}

export function useDeps(): EngineDeps {
  if (!current) throw new Error('provideDeps() must run before the stores are used')
  return current
}
