import { MemoryBroker } from '../../src/broker/memory'
import { brokerContract } from './broker-contract'

brokerContract('MemoryBroker', () => {
  const shared = new MemoryBroker()
  return { multiNode: false, make: () => shared }
})
