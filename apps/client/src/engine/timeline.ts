// One room's messages as the client holds them: stored messages keyed by seq (ascending,
// deduped by seq and by sender+cid) plus the optimistic ones still waiting for their ack.
// Plain data, no framework: the messages store wraps it and bumps a version on change.
import type { Message, MessageBody, MessageKind, User } from '@chat/protocol'

export const SendStatus = { Sending: 'sending', Failed: 'failed' } as const
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus]

export interface PendingMessage {
  room: string
  cid: string
  kind: MessageKind
  body: MessageBody
  from: User
  /** Local time of the first attempt; shown until the server's ts replaces it. */
  ts: number
  status: SendStatus
  /** Error code of the last failure, if any. */
  error?: string
  /** Refused for a reason a resend cannot fix (muted, bad body): only a tap retries it. */
  permanent?: boolean
}

const key = (from: string, cid: string) => `${from}\n${cid}`

export class Timeline {
  private list: Message[] = []
  private bySeq = new Map<number, Message>()
  private cids = new Map<string, number>()
  /** Highest seq up to which nothing is missing (from the first loaded message on). */
  hwm = 0
  /** True once a `joined` told us where the room stands. */
  anchored = false
  /** Newest seq the server has told us exists. */
  lastSeq = 0
  /** Whether messages older than the first loaded one exist. */
  hasOlder = false
  pending: PendingMessage[] = []
  /** Bumped on every change; views recompute from it. */
  version = 0
  /** question seq → its answer, so a question and the host's answer show together. */
  readonly answers = new Map<number, Message>()
  /** Likes and flowers among the loaded messages (the toolbar's counters). */
  likes = 0
  flowers = 0

  constructor(readonly room: string) {}

  get messages(): readonly Message[] {
    return this.list
  }

  get size(): number {
    return this.list.length
  }

  get firstSeq(): number {
    return this.list.length ? this.list[0].seq : 0
  }

  get maxSeq(): number {
    return this.list.length ? this.list[this.list.length - 1].seq : 0
  }

  get(seq: number): Message | undefined {
    return this.bySeq.get(seq)
  }

  indexOfSeq(seq: number): number {
    return lowerBound(this.list, seq)
  }

  /** Messages from the server are behind ours: something between hwm and what we saw is missing. */
  hasGap(): boolean {
    return this.maxSeq > this.hwm || this.lastSeq > this.hwm
  }

  /**
   * A join without `after` returned the latest page: everything up to `lastSeq` is either
   * here or older than the page, so the contiguous mark starts there.
   */
  anchor(lastSeq: number): void {
    this.anchored = true
    this.hwm = Math.max(this.hwm, lastSeq)
    this.lastSeq = Math.max(this.lastSeq, lastSeq)
    this.hasOlder = this.firstSeq > 1 || (this.size === 0 && lastSeq > 0)
    this.advance()
    this.version++
  }

  noteLastSeq(lastSeq: number): void {
    this.lastSeq = Math.max(this.lastSeq, lastSeq)
  }

  /** Adds or updates messages; returns how many changed anything. */
  insert(msgs: readonly Message[]): number {
    let changed = 0
    for (const m of msgs) if (this.insertOne(m)) changed++
    if (changed) {
      this.advance()
      this.version++
    }
    return changed
  }

  private insertOne(m: Message): boolean {
    if (!m || !Number.isSafeInteger(m.seq) || m.seq < 1) return false
    this.lastSeq = Math.max(this.lastSeq, m.seq)
    this.dropPending(m.from?.id, m.cid)
    const old = this.bySeq.get(m.seq)
    if (old) {
      // The same seq again: only a recall changes a stored message.
      if (m.recalled && !old.recalled) return this.replace(old)
      return false
    }
    const k = key(m.from?.id ?? '', m.cid)
    if (this.cids.has(k)) return false
    this.bySeq.set(m.seq, m)
    this.cids.set(k, m.seq)
    this.count(m, 1)
    const n = this.list.length
    if (n === 0 || this.list[n - 1].seq < m.seq) this.list.push(m)
    else if (this.list[0].seq > m.seq) this.list.unshift(m)
    else this.list.splice(lowerBound(this.list, m.seq), 0, m)
    return true
  }

  /** Recalled: keeps its seq, loses its body (as the server keeps it). */
  private replace(old: Message): boolean {
    const next: Message = { ...old, recalled: true, body: {} as MessageBody }
    this.count(old, -1)
    this.bySeq.set(old.seq, next)
    this.list[lowerBound(this.list, old.seq)] = next
    return true
  }

  private count(m: Message, sign: 1 | -1): void {
    if (m.recalled) return
    if (m.kind === 'like') this.likes += sign
    else if (m.kind === 'flower') this.flowers += sign * ((m.body as { count?: number }).count ?? 1)
    else if (m.kind === 'answer') {
      const q = (m.body as { question?: number }).question
      if (typeof q === 'number') {
        if (sign > 0) this.answers.set(q, m)
        else if (this.answers.get(q)?.seq === m.seq) this.answers.delete(q)
      }
    }
  }

  recall(seq: number): boolean {
    const old = this.bySeq.get(seq)
    if (!old || old.recalled) return false
    this.replace(old)
    this.version++
    return true
  }

  private advance(): void {
    if (!this.anchored) return
    while (this.bySeq.has(this.hwm + 1)) this.hwm++
  }

  // ---- optimistic sends ----

  addPending(p: PendingMessage): void {
    this.pending.push(p)
    this.version++
  }

  findPending(cid: string): PendingMessage | undefined {
    return this.pending.find((p) => p.cid === cid)
  }

  /** The server stored our message: the optimistic entry becomes the real one. */
  ack(cid: string, seq: number, ts: number): boolean {
    const p = this.findPending(cid)
    if (!p) return false
    this.pending = this.pending.filter((x) => x !== p)
    if (!this.bySeq.has(seq)) this.insertOne({ room: this.room, seq, cid, from: p.from, kind: p.kind, body: p.body, ts })
    this.advance()
    this.version++
    return true
  }

  setStatus(cid: string, status: SendStatus, error?: string, permanent = false): boolean {
    const p = this.findPending(cid)
    if (!p) return false
    p.status = status
    p.error = error
    p.permanent = permanent
    this.version++
    return true
  }

  private dropPending(from: string | undefined, cid: string): void {
    if (!this.pending.length) return
    const i = this.pending.findIndex((p) => p.cid === cid && p.from.id === from)
    if (i >= 0) this.pending.splice(i, 1)
  }
}

/** First index whose seq is ≥ `seq`. */
export function lowerBound(list: readonly Message[], seq: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (list[mid].seq < seq) lo = mid + 1
    else hi = mid
  }
  return lo
}
