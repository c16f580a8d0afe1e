import type { SliceClock } from '../lib/slices'

/** What the sweep needs of a connection. */
export interface Sweepable {
  id: string
  lastSeen: number
  socket: { readyState: number; ping(): void; terminate(): void }
}

/**
 * One tick of the idle sweep: every socket of the slices due is dropped if it has been
 * silent (no frame, no pong) since `deadline`, else pinged (which keeps NAT mappings alive
 * and draws the pong). A socket's slice comes from its id: its place among the sockets
 * shifts as others come and go, and a sweep by place could skip a quiet socket for a whole
 * timeout and drop it although it answers every ping.
 */
export function sweepIdle(conns: Iterable<Sweepable>, clock: SliceClock, deadline: number, now = Date.now()): void {
  const due = clock.due(now)
  for (const conn of conns) {
    if (!due.has(clock.sliceOf(conn.id))) continue
    if (conn.lastSeen < deadline) conn.socket.terminate()
    else if (conn.socket.readyState === 1) conn.socket.ping()
  }
}
