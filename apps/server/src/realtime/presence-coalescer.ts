/**
 * v1.1 §H: a user flapping in and out of a room (20 leave/join pairs a second) must not
 * make every member receive 40 `presence` frames. Each node passes on at most one
 * `presence` frame per (room, user) per interval to its connections; a change that comes
 * sooner is held, later changes replace it, and the latest goes out when the interval is
 * up. So within one interval of the last change the last frame everyone here got says the
 * user's real state (a connection that joined meanwhile read the real state in
 * `joined.online`, and the frame that follows agrees with it).
 *
 * Per node is per receiving connection: every connection of a room on this node gets the
 * same stream of frames.
 */
export class PresenceCoalescer {
  /** `room \n user` → the change held since its last frame went out (if any). */
  private readonly slots = new Map<string, { held: (() => void) | null; timer: NodeJS.Timeout }>()

  constructor(private readonly intervalMs = 1000) {}

  /** Runs `deliver` now, or holds it (replacing any held one) until the interval is up. */
  offer(room: string, userId: string, deliver: () => void): void {
    const key = `${room}\n${userId}`
    const slot = this.slots.get(key)
    if (slot) {
      slot.held = deliver
      return
    }
    deliver()
    this.arm(key)
  }

  /** Drops held frames (the node is stopping). */
  stop(): void {
    for (const s of this.slots.values()) clearTimeout(s.timer)
    this.slots.clear()
  }

  get size(): number {
    return this.slots.size
  }

  private arm(key: string): void {
    const timer = setTimeout(() => this.due(key), this.intervalMs)
    timer.unref()
    this.slots.set(key, { held: null, timer })
  }

  private due(key: string): void {
    const slot = this.slots.get(key)
    if (!slot) return
    this.slots.delete(key)
    if (!slot.held) return
    // Sent even when it says what the previous frame said: a connection that joined in
    // between may have been told otherwise by its `joined.online`.
    slot.held()
    this.arm(key)
  }
}
