// uni's synchronous storage (localStorage on H5, wx storage on mini-programs).
import type { KeyValueStorage } from '../engine/types'

export const uniStorage: KeyValueStorage = {
  get(key) {
    try {
      const v = uni.getStorageSync(key)
      return typeof v === 'string' && v !== '' ? v : null
    } catch {
      return null
    }
  },
  set(key, value) {
    try {
      uni.setStorageSync(key, value)
    } catch {
      // Storage full or unavailable (private mode): the session just won't survive a restart.
    }
  },
  remove(key) {
    try {
      uni.removeStorageSync(key)
    } catch {
      // nothing to remove
    }
  },
}
