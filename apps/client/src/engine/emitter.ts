// A tiny typed event emitter: the engine's modules talk through it without a framework.

type Handler<T> = (payload: T) => void

export class Emitter<Events extends Record<string, unknown>> {
  private handlers: { [K in keyof Events]?: Set<Handler<Events[K]>> } = {}

  on<K extends keyof Events>(event: K, fn: Handler<Events[K]>): () => void {
    const set = (this.handlers[event] ??= new Set())
    set.add(fn)
    return () => set.delete(fn)
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.handlers[event]
    if (!set) return
    // A throwing listener must not keep the frame from the others (or kill the socket loop).
    for (const fn of [...set]) {
      try {
        fn(payload)
      } catch (e) {
        console.error(`[chat] ${String(event)} listener failed`, e)
      }
    }
  }
}
