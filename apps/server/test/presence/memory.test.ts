import { MemoryPresence, MemoryRateLimiter } from '../../src/presence/memory'
import { limiterContract, presenceContract } from './presence-contract'

presenceContract('MemoryPresence', () => {
  const shared = new MemoryPresence()
  return { multiNode: false, make: () => shared }
})

limiterContract('MemoryRateLimiter', () => {
  const shared = new MemoryRateLimiter()
  return { multiNode: false, make: () => shared }
})
