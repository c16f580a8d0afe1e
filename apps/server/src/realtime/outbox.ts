import type { Message } from '@chat/protocol'

/**
 * Stored messages on their way to the other nodes, one publish per room per turn of the
 * event loop. A hot room's batch commit acks dozens of messages at once: published one by
 * one, each is a Redis command here and a pub/sub delivery, a parse and a feed offer on
 * every other node; together they are one. Nothing waits longer than the end of the turn,
 * and a room's messages keep their order (the feeds release by seq anyway).
 */
export class Outbox {
  private readonly held = new Map<string, Message[]>()
  private queued = false

  /** `send(room, messages)` publishes; it is called with at least one message. */
  constructor(private readonly send: (room: string, messages: Message[]) => void) {}

  add(msg: Message): void {
    const list = this.held.get(msg.room)
    if (list) list.push(msg)
    else this.held.set(msg.room, [msg])
    if (!this.queued) {
      this.queued = true
      setImmediate(() => this.flush())
    }
  }

  /** Publishes everything held: also before any other publish, so nothing overtakes a message. */
  flush(): void {
    this.queued = false
    if (this.held.size === 0) return
    const all = [...this.held]
    this.held.clear()
    for (const [room, messages] of all) this.send(room, messages)
  }
}
