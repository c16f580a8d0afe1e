// Requests waiting for the reply that carries their id (the contract's request/reply).
import type { RequestId, ServerFrame } from '@chat/protocol'

export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

interface Waiter {
  resolve: (f: ServerFrame) => void
  reject: (e: RequestError) => void
  timer: ReturnType<typeof setTimeout>
}

export class PendingRequests {
  private nextId = 1
  private waiting = new Map<RequestId, Waiter>()

  newId(): number {
    return this.nextId++
  }

  /** Waits for the reply to `id`; an `error` reply rejects with its code, silence with `timeout`. */
  wait<T extends ServerFrame>(id: RequestId, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new RequestError('timeout', `no reply to ${what}`))
      }, timeoutMs)
      this.waiting.set(id, { resolve: resolve as (f: ServerFrame) => void, reject, timer })
    })
  }

  /** Hands a frame with an id to its waiter; false when nobody waits for it. */
  settle(frame: ServerFrame): boolean {
    const id = 'id' in frame ? frame.id : undefined
    const w = id === undefined ? undefined : this.waiting.get(id)
    if (!w || id === undefined) return false
    this.waiting.delete(id)
    clearTimeout(w.timer)
    if (frame.type === 'error') w.reject(new RequestError(frame.code, frame.message))
    else w.resolve(frame)
    return true
  }

  fail(id: RequestId, code: string, message: string): void {
    const w = this.waiting.get(id)
    if (!w) return
    this.waiting.delete(id)
    clearTimeout(w.timer)
    w.reject(new RequestError(code, message))
  }

  failAll(code: string, message: string): void {
    const all = [...this.waiting.values()]
    this.waiting.clear()
    for (const w of all) {
      clearTimeout(w.timer)
      w.reject(new RequestError(code, message))
    }
  }
}
