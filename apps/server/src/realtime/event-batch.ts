import type { Connection } from './connection'

interface Held {
  room: string
  frame: Buffer
  text: string
}

/**
 * Presence frames, one write per socket per turn of the event loop. A class joining at
 * 9:00 makes every member's socket owe a `presence` frame per joiner, and joins arrive in
 * bursts (a broker read carries many): written one by one, each is a syscall through ws's
 * Sender; held to the end of the turn, a socket gets all of its frames in one write, each
 * framed once per node (frame.ts) and shared by every socket.
 *
 * Only presence goes through here: it has no order to keep with messages (the coalescer
 * already holds it up to a second), while other events must follow the pushes released
 * before them and go out at once.
 */
export class EventBatch {
  private readonly held = new Map<Connection, Held[]>()
  private queued = false

  add(conn: Connection, room: string, frame: Buffer, text: string): void {
    const list = this.held.get(conn)
    if (list) list.push({ room, frame, text })
    else this.held.set(conn, [{ room, frame, text }])
    if (!this.queued) {
      this.queued = true
      setImmediate(() => this.flush())
    }
  }

  /** Writes everything held; a socket that left a room meanwhile is not told about it. */
  flush(): void {
    this.queued = false
    for (const [conn, list] of this.held) {
      const live = list.filter((h) => conn.rooms.has(h.room))
      if (live.length === 0) continue
      const bytes = live.length === 1 ? live[0].frame : Buffer.concat(live.map((h) => h.frame))
      conn.sendFrames(bytes, () => live.map((h) => h.text))
    }
    this.held.clear()
  }

  /** Drops what is held (the node is stopping). */
  stop(): void {
    this.held.clear()
  }
}
