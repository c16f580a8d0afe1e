/**
 * Fan-out between nodes, shaped like centrifuge's Broker: a node subscribes to the
 * channels it has local members for and publishes to any channel. Delivery is
 * at-most-once (a Redis link can drop frames); callers never depend on it for
 * durability — the store is the source of truth and gaps are filled from it.
 */
export interface BrokerHandlers {
  /** A publication on a subscribed channel (including this node's own, unless filtered). */
  onMessage(channel: string, data: string): void
  /**
   * The link came back after a loss: frames published meanwhile may be gone, so the
   * node must re-check what it serves against the store.
   */
  onReconnect(): void
}

export interface Broker {
  readonly kind: 'memory' | 'redis' | 'redis-cluster'
  start(handlers: BrokerHandlers): Promise<void>
  publish(channel: string, data: string): Promise<void>
  subscribe(channel: string): Promise<void>
  unsubscribe(channel: string): Promise<void>
  /** Whether the link is up (in memory: until closed); /readyz reports it. */
  healthy(): boolean
  close(): Promise<void>
}
