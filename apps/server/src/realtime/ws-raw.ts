import type { WebSocket } from 'ws'

/**
 * The one place that reaches into `ws` internals (as engine.io does with `_sender.sendFrame`):
 * the TCP socket behind a WebSocket, and whether ws's Sender is idle. Nothing else in the
 * server touches a field with a leading underscore. test/realtime/ws-raw.test.ts fails when
 * the installed ws no longer has this shape; the server then falls back to `socket.send`.
 */
interface WsInternals {
  _socket?: { write?: unknown }
  _sender?: { _state?: unknown; _queue?: unknown }
}

/** Whether `socket` has the internals `writeRaw` needs (the installed ws's shape). */
export function rawWriteSupported(socket: WebSocket): boolean {
  const ws = socket as unknown as WsInternals
  return typeof ws._socket?.write === 'function' && typeof ws._sender?._state === 'number' && Array.isArray(ws._sender?._queue)
}

/**
 * Writes ready-made frames (see frame.ts) straight to the TCP socket: one write for however
 * many pushes `frames` holds. Only while ws's Sender is idle with nothing queued, so the bytes
 * cannot overtake or split a frame of its own (compression is off, so it never holds one for
 * long). Returns false, having written nothing, when that cannot be done: send them through ws.
 */
export function writeRaw(socket: WebSocket, frames: Buffer): boolean {
  if (!rawWriteSupported(socket)) return false
  const ws = socket as unknown as { _socket: { write(b: Buffer): boolean }; _sender: { _state: number; _queue: unknown[] } }
  if (ws._sender._state !== 0 || ws._sender._queue.length > 0) return false
  ws._socket.write(frames)
  return true
}
