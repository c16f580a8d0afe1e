// Images on their way up: each shows as a pending bubble with its progress, can be
// cancelled (the upload is aborted), and on failure says why — with 重试 only when trying
// again can work (offline, server busy), not for a file the server refuses (too large, not
// an image).

export interface UploadHandle {
  done: Promise<{ url: string; width: number; height: number }>
  abort(): void
}

export type Uploader = (path: string, onProgress: (percent: number) => void) => UploadHandle

export interface UploadItem {
  id: number
  room: string
  path: string
  /** 0–100. */
  progress: number
  status: 'uploading' | 'failed'
  /** Error code of the failure ('' while uploading). */
  error: string
}

/** Refusals of the file itself: the same file gets the same answer. */
const FINAL = new Set(['too_large', 'unsupported_media', 'bad_request', 'forbidden', 'unauthorized'])

export function uploadCanRetry(code: string): boolean {
  return !FINAL.has(code)
}

export class UploadQueue {
  items: UploadItem[] = []
  // Only primitives and functions here: the page wraps the queue in Vue's reactive(), which
  // would hand back proxies of stored objects (and break identity checks).
  private attempts = new Map<number, number>()
  private aborts = new Map<number, () => void>()
  private nextId = 1
  private nextAttempt = 1

  constructor(
    private upload: Uploader,
    /** The upload landed: send the image message. */
    private sent: (room: string, up: { url: string; width: number; height: number }) => void,
  ) {}

  of(room: string): UploadItem[] {
    return this.items.filter((i) => i.room === room)
  }

  start(room: string, path: string): UploadItem {
    const item: UploadItem = { id: this.nextId++, room, path, progress: 0, status: 'uploading', error: '' }
    this.items.push(item)
    this.run(item.id)
    return item
  }

  private find(id: number): UploadItem | undefined {
    return this.items.find((i) => i.id === id)
  }

  private run(id: number): void {
    const item = this.find(id)
    if (!item) return
    item.status = 'uploading'
    item.error = ''
    item.progress = 0
    const attempt = this.nextAttempt++
    const h = this.upload(item.path, (p) => {
      const now = this.find(id)
      if (now && now.status === 'uploading' && this.attempts.get(id) === attempt)
        now.progress = Math.max(now.progress, Math.min(100, Math.round(p)))
    })
    this.attempts.set(id, attempt)
    this.aborts.set(id, () => h.abort())
    h.done.then(
      (up) => {
        if (this.attempts.get(id) !== attempt) return // cancelled meanwhile
        this.forget(id)
        const now = this.find(id)
        if (!now) return
        this.items = this.items.filter((i) => i.id !== id)
        this.sent(now.room, up)
      },
      (e: { code?: string }) => {
        if (this.attempts.get(id) !== attempt) return
        this.forget(id)
        const now = this.find(id)
        if (!now) return
        now.status = 'failed'
        now.error = e?.code || 'network'
      },
    )
  }

  /** ✕: stops the upload and drops the bubble (nothing was sent). */
  cancel(id: number): void {
    const abort = this.aborts.get(id)
    this.forget(id)
    this.items = this.items.filter((i) => i.id !== id)
    abort?.()
  }

  private forget(id: number): void {
    this.attempts.delete(id)
    this.aborts.delete(id)
  }

  retry(id: number): boolean {
    const item = this.find(id)
    if (item?.status !== 'failed' || !uploadCanRetry(item.error)) return false
    this.run(id)
    return true
  }
}
