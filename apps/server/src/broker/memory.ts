import type { Broker, BrokerHandlers } from './types'

/**
 * The embedded default: one process is the whole cluster, so a publication goes straight
 * to this node's subscription. Delivery is asynchronous (a microtask) like a real broker,
 * so code written against it does not come to rely on synchronous fan-out.
 */
export class MemoryBroker implements Broker {
  readonly kind = 'memory' as const
  private handlers: BrokerHandlers | null = null
  private readonly channels = new Set<string>()
  private closed = false

  async start(handlers: BrokerHandlers): Promise<void> {
    if (this.closed) throw new Error('broker is closed')
    this.handlers = handlers
  }

  async publish(channel: string, data: string): Promise<void> {
    if (this.closed) throw new Error('broker is closed')
    if (!this.channels.has(channel)) return
    queueMicrotask(() => {
      if (this.channels.has(channel)) this.handlers?.onMessage(channel, data)
    })
  }

  async subscribe(channel: string): Promise<void> {
    if (this.closed) throw new Error('broker is closed')
    this.channels.add(channel)
  }

  async unsubscribe(channel: string): Promise<void> {
    this.channels.delete(channel)
  }

  healthy(): boolean {
    return !this.closed
  }

  async close(): Promise<void> {
    this.closed = true
    this.channels.clear()
    this.handlers = null
  }
}
