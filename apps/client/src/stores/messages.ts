// Every room's messages: stored ones by seq, optimistic sends until their ack, and the
// sync that keeps them whole (join with `after`, resume on reconnect, gap repair with
// `history after`, outbox resent with the same cid). Frames in, reactive versions out.
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import type { HistoryReplyFrame, JoinedFrame, Message, ServerFrame } from '@chat/protocol'
import { Timeline } from '../engine/timeline'
import { useConnectionStore } from './connection'
import { createOutbox } from '../engine/outbox'
import { useSessionStore } from './session'

/** Missing more than this many messages on return: load the latest page, skip the middle. */
export const RESYNC_LIMIT = 2000
/** A gap seen in pushes may close by itself (frames in flight); wait this long first. */
export const GAP_DEBOUNCE_MS = 800
const MAX_RESUME_ROOMS = 100

export const useMessagesStore = defineStore('messages', () => {
  const cs = useConnectionStore()
  const session = useSessionStore()
  const conn = cs.conn
  const timelines = new Map<string, Timeline>()
  /** room → timeline version; reading it makes a view depend on that room. */
  const versions = reactive<Record<string, number>>({})
  const joinError = reactive<Record<string, string>>({})
  const loadingOlder = reactive<Record<string, boolean>>({})
  /** Rooms this session wants live, most recently opened last. */
  const subscribed = new Set<string>()
  /** Rooms joined on the current socket. */
  const joinedHere = new Set<string>()
  const joining = new Map<string, Promise<void>>()
  const repairing = new Set<string>()
  const gapTimers = new Map<string, ReturnType<typeof setTimeout>>()
  const readSent = new Map<string, number>()
  /** An invite room's code from the link that opened it; sent with every join of it. */
  const invites = new Map<string, string>()
  const refusalListeners: Array<(room: string, code: string, message: string) => void> = []

  function timeline(room: string): Timeline {
    let tl = timelines.get(room)
    if (!tl) timelines.set(room, (tl = new Timeline(room)))
    return tl
  }
  const touch = (room: string) => (versions[room] = (versions[room] ?? 0) + 1)
  const outbox = createOutbox({
    conn,
    me: () => session.user,
    timeline: (r) => timelines.get(r),
    ensureTimeline: timeline,
    touch,
    isJoined: (r) => joinedHere.has(r),
    join: (r) => join(r),
    refused: (room, code, message) => {
      for (const fn of refusalListeners) fn(room, code, message)
    },
  })

  cs.onResume(() => {
    const out: Record<string, number> = {}
    for (const room of [...subscribed].slice(-MAX_RESUME_ROOMS)) {
      const tl = timelines.get(room)
      if (tl?.anchored) out[room] = tl.hwm
    }
    return out
  })

  conn.on('welcome', () => {
    joinedHere.clear()
    // Rooms named in `resume` get their `joined` unasked; the rest need a join.
    for (const room of [...subscribed]) if (!(room in conn.lastResume)) void join(room)
  })
  conn.on('close', () => joinedHere.clear())
  conn.on('frame', onFrame)

  function onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'joined':
        return onJoined(f)
      case 'message':
        return onMessage(f.room, f.msg)
      case 'history':
        return onHistory(f)
      case 'ack': {
        const tl = timelines.get(f.room)
        outbox.settled(f.cid)
        if (tl?.ack(f.cid, f.seq, f.ts)) touch(f.room)
        if (tl?.hasGap()) scheduleRepair(f.room)
        return
      }
      case 'recalled':
        if (timelines.get(f.room)?.recall(f.seq)) touch(f.room)
        return
      case 'kicked':
      case 'left':
        subscribed.delete(f.room)
        joinedHere.delete(f.room)
        if (f.type === 'kicked') {
          joinError[f.room] = 'kicked'
          // Membership ended: coming back needs a (possibly new) code.
          invites.delete(f.room)
        }
        return
    }
  }

  function onJoined(f: JoinedFrame): void {
    const room = f.room.id
    let tl = timeline(room)
    joinedHere.add(room)
    delete joinError[room]
    if (tl.anchored && f.lastSeq - tl.hwm > RESYNC_LIMIT) {
      // Too far behind to replay: start over from the newest page, keep unsent messages.
      const fresh = new Timeline(room)
      fresh.pending = tl.pending
      timelines.set(room, (tl = fresh))
      tl.anchor(f.lastSeq)
      touch(room)
      void loadOlder(room)
      outbox.flush(room)
      return
    }
    const wasAnchored = tl.anchored
    tl.insert(f.messages)
    if (wasAnchored) tl.noteLastSeq(f.lastSeq)
    else {
      tl.anchor(f.lastSeq)
      // Without `after`, `more` speaks of older messages.
      tl.hasOlder = f.more || tl.firstSeq > 1
    }
    touch(room)
    outbox.flush(room)
    if ((wasAnchored && f.more) || tl.hasGap()) void repair(room)
  }

  function onMessage(room: string, msg: Message): void {
    const tl = timelines.get(room)
    if (!tl) return
    outbox.settled(msg.cid)
    if (tl.insert([msg])) touch(room)
    if (tl.anchored && tl.hasGap()) scheduleRepair(room)
  }

  function onHistory(f: HistoryReplyFrame): void {
    const tl = timelines.get(f.room)
    if (tl?.insert(f.messages)) touch(f.room)
  }

  function scheduleRepair(room: string): void {
    if (gapTimers.has(room) || repairing.has(room)) return
    gapTimers.set(
      room,
      setTimeout(() => {
        gapTimers.delete(room)
        if (timelines.get(room)?.hasGap()) void repair(room)
      }, GAP_DEBOUNCE_MS),
    )
  }

  /** Fetches `history after hwm` until nothing is missing (or the server has nothing more). */
  async function repair(room: string): Promise<void> {
    if (repairing.has(room)) return
    repairing.add(room)
    try {
      for (let round = 0; round < 1000; round++) {
        const tl = timelines.get(room)
        if (!tl?.hasGap() || !joinedHere.has(room) || !conn.isOpen) break
        const before = tl.hwm
        const reply = await conn.request<HistoryReplyFrame>({ type: 'history', room, after: tl.hwm, limit: 100 })
        if (tl.hwm === before) {
          // Nothing new came back: what we thought existed does not; stop asking.
          if (!reply.more) tl.lastSeq = Math.max(tl.hwm, tl.maxSeq)
          break
        }
      }
    } catch {
      // Disconnected or refused: the next `joined` (resume) restarts the repair.
    } finally {
      repairing.delete(room)
    }
  }

  /**
   * Subscribes this connection to a room (creating its timeline); resolves once joined.
   * `invite` is an invite room's code (v1.1 §A); members join without one.
   */
  function join(room: string, opts: { invite?: string | null } = {}): Promise<void> {
    if (opts.invite) invites.set(room, opts.invite)
    subscribed.delete(room)
    subscribed.add(room)
    timeline(room)
    if (joinedHere.has(room)) return Promise.resolve()
    const running = joining.get(room)
    if (running) return running
    // Offline: the welcome handler joins every subscribed room.
    if (!conn.isOpen) return Promise.resolve()
    const tl = timelines.get(room)
    const after = tl?.anchored ? { after: tl.hwm } : {}
    const invite = invites.has(room) ? { invite: invites.get(room) } : {}
    const p = conn
      .request<JoinedFrame>({ type: 'join', room, ...after, ...invite })
      .then(() => undefined)
      .catch((e: { code?: string }) => {
        if (e.code && e.code !== 'disconnected' && e.code !== 'offline' && e.code !== 'timeout') {
          joinError[room] = e.code
          subscribed.delete(room)
        }
      })
      .finally(() => joining.delete(room))
    joining.set(room, p)
    return p
  }

  /** Joins again on the same socket: a fresh `joined` (role, mute, settings) without losing anything. */
  async function refresh(room: string): Promise<void> {
    const tl = timelines.get(room)
    if (!joinedHere.has(room) || !tl?.anchored) return join(room)
    await conn.request<JoinedFrame>({ type: 'join', room, after: tl.hwm }).catch(() => undefined)
  }

  function leave(room: string): void {
    subscribed.delete(room)
    joinedHere.delete(room)
    conn.send({ type: 'leave', room })
  }

  async function loadOlder(room: string): Promise<void> {
    const tl = timelines.get(room)
    if (!tl?.hasOlder || loadingOlder[room] || !joinedHere.has(room)) return
    loadingOlder[room] = true
    try {
      const before = tl.firstSeq || tl.lastSeq + 1
      const reply = await conn.request<HistoryReplyFrame>({ type: 'history', room, before, limit: 30 })
      const now = timelines.get(room)
      if (now) {
        now.hasOlder = reply.more && reply.messages.length > 0
        touch(room)
      }
    } catch {
      // Offline: the user can pull again.
    } finally {
      loadingOlder[room] = false
    }
  }

  /** Tells the server (and so the unread counts) how far the user has read. */
  function markRead(room: string): void {
    const tl = timelines.get(room)
    if (!tl?.hwm || (readSent.get(room) ?? 0) >= tl.hwm) return
    if (conn.send({ type: 'read', room, seq: tl.hwm })) readSent.set(room, tl.hwm)
  }

  return {
    versions,
    joinError,
    loadingOlder,
    timeline: (room: string) => timelines.get(room),
    isJoined: (room: string) => {
      void versions[room] // joinedHere is a plain Set: a join or leave bumps the version
      return joinedHere.has(room)
    },
    join,
    refresh,
    leave,
    loadOlder,
    markRead,
    repair,
    onRefused: (fn: (room: string, code: string, message: string) => void) => void refusalListeners.push(fn),
    send: outbox.send,
    retry: outbox.retry,
    recall: (room: string, seq: number) => conn.request({ type: 'recall', room, seq }),
  }
})
