// Likes and flowers as live counters (v1.1 §B): `react` frames out (no reply on success, a
// refusal is an `error` carrying the frame's id), `reactions` pushes in. Per room: the
// totals the toolbar shows (my taps on top until merged), the sprites rising now (bounded),
// and the names line above the input, which fades after a few quiet seconds.
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import type { ReactionKind, RoomStats, ServerFrame } from '@chat/protocol'
import { makeSprites, ReactionBurst, ReactionCounter, reactionLine, type Sprite, type StatsDelta } from '../engine/reactions'
import { t } from '../i18n'
import { useConnectionStore } from './connection'
import { useRoomsStore } from './rooms'
import { useSessionStore } from './session'

/** How long one sprite rises (the CSS animation's length). */
export const SPRITE_MS = 1800
/** The names line stays this long after the last push that added to it. */
export const LINE_MS = 3000
/** A react with no error within this long was taken (the server never says so). */
const REFUSAL_WAIT_MS = 10_000

interface Sent {
  room: string
  kind: ReactionKind
  count: number
  at: number
}

const lineWords = () => ({
  sep: t('reactSep'),
  you: t('reactYou'),
  few: (kind: 'like' | 'flower' | 'both', names: string) =>
    t(kind === 'like' ? 'reactLineLike' : kind === 'flower' ? 'reactLineFlower' : 'reactLineBoth', { names }),
  many: (kind: 'like' | 'flower' | 'both', names: string, n: number) =>
    t(kind === 'like' ? 'reactLineLikeMany' : kind === 'flower' ? 'reactLineFlowerMany' : 'reactLineBothMany', { names, n }),
})

export const useReactionsStore = defineStore('reactions', () => {
  const { conn } = useConnectionStore()
  const session = useSessionStore()
  /** What the toolbar shows; absent until the room's totals are known. */
  const stats = reactive<Record<string, RoomStats>>({})
  const sprites = reactive<Record<string, Sprite[]>>({})
  /** The names line; `key` changes with each update so its fade starts over. */
  const lines = reactive<Record<string, { text: string; key: number }>>({})
  const counters = new Map<string, ReactionCounter>()
  const bursts = new Map<string, ReactionBurst>()
  const lineTimers = new Map<string, ReturnType<typeof setTimeout>>()
  const holdTimers = new Map<string, ReturnType<typeof setTimeout>>()
  const sent = new Map<string, Sent>()
  const refusalListeners: Array<(room: string, code: string) => void> = []
  let nextId = 1
  let nextSprite = 1

  const counter = (room: string) => {
    let c = counters.get(room)
    if (!c) counters.set(room, (c = new ReactionCounter()))
    return c
  }

  function refresh(room: string): void {
    const s = counter(room).shown(Date.now())
    if (s) stats[room] = s
  }

  /** Re-reads the totals once my held taps stop counting. */
  function refreshAfterHold(room: string): void {
    clearTimeout(holdTimers.get(room))
    holdTimers.set(
      room,
      setTimeout(
        () => {
          holdTimers.delete(room)
          refresh(room)
        },
        Math.max(0, counter(room).holdEnds() - Date.now()),
      ),
    )
  }

  function animate(room: string, delta: StatsDelta): void {
    const now = sprites[room] ?? []
    const fresh = makeSprites(delta, now.length, nextSprite)
    if (!fresh.length) return
    nextSprite += fresh.length
    sprites[room] = [...now, ...fresh]
    // mp-weixin has no animationend to listen to: a timer removes each one after its rise.
    for (const s of fresh) {
      setTimeout(
        () => {
          sprites[room] = (sprites[room] ?? []).filter((x) => x.id !== s.id)
        },
        s.delay + SPRITE_MS + 100,
      )
    }
  }

  function showLine(room: string, f: Extract<ServerFrame, { type: 'reactions' }>, delta: StatsDelta): void {
    let burst = bursts.get(room)
    if (!burst) bursts.set(room, (burst = new ReactionBurst()))
    burst.add(f.from, delta)
    const text = reactionLine(burst, session.user?.id ?? '', lineWords())
    if (!text) return
    lines[room] = { text, key: (lines[room]?.key ?? 0) + 1 }
    clearTimeout(lineTimers.get(room))
    lineTimers.set(
      room,
      setTimeout(() => {
        lineTimers.delete(room)
        bursts.delete(room)
        delete lines[room]
      }, LINE_MS),
    )
  }

  // Rooms joined before this store existed (dm rooms from the list): start from their RoomInfo.
  for (const [id, info] of Object.entries(useRoomsStore().info)) {
    if (!info.stats) continue
    counter(id).setServer(info.stats)
    refresh(id)
  }

  conn.on('frame', (f: ServerFrame) => {
    // `joined` (each join and resume) sets the baseline; the room push's stats are not used:
    // the spec sends stats only with `reactions`, and a settings push may carry older ones.
    if (f.type === 'joined' && f.room.stats) {
      counter(f.room.id).setServer(f.room.stats)
      refresh(f.room.id)
    }
    if (f.type === 'reactions') {
      const delta = counter(f.room).setServer(f.stats)
      refresh(f.room)
      if (!delta || (delta.likes <= 0 && delta.flowers <= 0)) return
      animate(f.room, delta)
      showLine(f.room, f, delta)
    }
    if (f.type === 'error' && typeof f.id === 'string' && sent.has(f.id)) {
      const s = sent.get(f.id)!
      sent.delete(f.id)
      counter(s.room).undo(s.kind, s.count)
      refresh(s.room)
      for (const fn of refusalListeners) fn(s.room, f.code)
    }
  })

  /**
   * Sends a like, or `count` flowers (1–99), at once; the count rises on screen at once.
   * Returns an error code when it could not even be sent (offline).
   */
  function react(room: string, kind: ReactionKind, count = 1): string | null {
    // A string id never collides with the connection's numbered requests.
    const id = `rx${nextId++}`
    const frame = kind === 'flower' ? { type: 'react' as const, id, room, kind, count } : { type: 'react' as const, id, room, kind }
    if (!conn.send(frame)) return 'offline'
    const now = Date.now()
    for (const [k, s] of sent) if (now - s.at > REFUSAL_WAIT_MS) sent.delete(k)
    sent.set(id, { room, kind, count: kind === 'flower' ? count : 1, at: now })
    counter(room).tap(kind, kind === 'flower' ? count : 1, now)
    refresh(room)
    refreshAfterHold(room)
    return null
  }

  return {
    stats,
    sprites,
    lines,
    react,
    /** Hears refusals of my reactions; returns the way to stop (a page that goes away). */
    onRefused(fn: (room: string, code: string) => void): () => void {
      refusalListeners.push(fn)
      return () => {
        const i = refusalListeners.indexOf(fn)
        if (i >= 0) refusalListeners.splice(i, 1)
      }
    },
  }
})
