/**
 * Desired-state subscription bookkeeping shared by the Redis brokers.
 *
 * The app subscribes a channel when a node's first local member of a room joins and
 * unsubscribes when the last one leaves, so calls for one channel can overlap. Each call
 * records what is wanted and queues one reconcile step behind the channel's previous step;
 * a step compares the wanted state *at the time it runs* with what Redis has, so Redis ends
 * in the state of the last call whatever the interleaving, and redundant calls cost nothing.
 *
 * `apply(channel, want)` must be idempotent: it looks at the broker's own record of what the
 * server has and only sends a command when that differs.
 */
export class ChannelSync {
  private readonly wanted = new Set<string>()
  private readonly tails = new Map<string, Promise<void>>()

  constructor(private readonly apply: (channel: string, want: boolean) => Promise<void>) {}

  /** Records the wish and resolves once Redis matches it (or rejects if that failed now). */
  set(channel: string, want: boolean): Promise<void> {
    if (want) this.wanted.add(channel)
    else this.wanted.delete(channel)
    return this.enqueue(channel)
  }

  has(channel: string): boolean {
    return this.wanted.has(channel)
  }

  get size(): number {
    return this.wanted.size
  }

  /** Re-applies every wanted channel (after a reconnect or a topology change). */
  async resync(): Promise<boolean> {
    const results = await Promise.allSettled([...this.wanted].map((c) => this.enqueue(c)))
    return results.every((r) => r.status === 'fulfilled')
  }

  /** Waits for every queued step (close() uses it so nothing runs on a closed client). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.tails.values()])
  }

  clear(): void {
    this.wanted.clear()
  }

  private enqueue(channel: string): Promise<void> {
    const prev = this.tails.get(channel)
    const step = (prev ? prev.then(noop, noop) : Promise.resolve()).then(() => this.apply(channel, this.wanted.has(channel)))
    this.tails.set(channel, step)
    const clear = () => {
      if (this.tails.get(channel) === step) this.tails.delete(channel)
    }
    step.then(clear, clear)
    return step
  }
}

function noop(): void {}
