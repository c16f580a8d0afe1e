import { MemoryRateLimiter } from '../../src/limits/memory-limiter'
import { MemoryPresence } from '../../src/presence/memory'
import { limiterContract, presenceContract } from './presence-contract'

presenceContract('MemoryPresence', () => {
  const shared = new MemoryPresence()
  return { multiNode: false, make: () => shared }
})

limiterContract('MemoryRateLimiter', () => {
  const shared = new MemoryRateLimiter()
  return { multiNode: false, make: () => shared }
})
