import { parseRoomId, type Message } from '@chat/protocol'
import type { Store } from '../store/types'
import { buildNotice, type NoticeKind } from './notice-templates'
import { WechatApiError, type SubscribeMessage } from './wechat-subscribe'

export type NoticeTemplates = Partial<Record<NoticeKind, string>>

export interface NoticeDeps {
  /** Template ids; a kind without one sends nothing. */
  templates: NoticeTemplates
  store: Pick<Store, 'getMessage' | 'getUsers' | 'getRoom'>
  /** Whether the user has an open socket on any node. */
  isOnline(userId: string): Promise<boolean>
  /** The per-user-per-room interval, shared by every node: true takes the slot. */
  claim(userId: string, room: string): Promise<boolean>
  send(msg: SubscribeMessage): Promise<void>
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void }
  /** Messages being worked on at once; past it, a message's notices are dropped. */
  maxInFlight?: number
}

/**
 * v1.1 §E offline notices. The send path hands every stored message here after its ack;
 * this works out who should hear of it — the author of the question an answer answers, the
 * other user of a dm, each mentioned member (one notice per user, in that order of kinds) —
 * and sends a WeChat subscribe message to each of them who has a WeChat openid, no open
 * socket anywhere and no notice from this room in the last interval. Nothing here is
 * awaited by anyone: a WeChat error, a timeout or a store failure is logged and dropped.
 */
export class Notices {
  private inFlight = 0
  private readonly running = new Set<Promise<void>>()
  private droppedLogged = 0

  constructor(private readonly d: NoticeDeps) {}

  get enabled(): boolean {
    return Object.values(this.d.templates).some(Boolean)
  }

  afterSend(message: Message): void {
    if (!this.mayConcern(message)) return
    if (this.inFlight >= (this.d.maxInFlight ?? 200)) {
      // Under a storm WeChat is the bottleneck; one line a minute says so.
      if (Date.now() - this.droppedLogged > 60_000) {
        this.droppedLogged = Date.now()
        this.d.log.warn({ room: message.room }, 'offline notices: too many under way, dropping some')
      }
      return
    }
    this.inFlight++
    const p = this.notify(message)
      .catch((err) => this.d.log.warn({ err: String(err), room: message.room, seq: message.seq }, 'offline notices failed'))
      .finally(() => {
        this.inFlight--
        this.running.delete(p)
      })
    this.running.add(p)
  }

  /** The send path's cost for the common message (no answer, no dm, no mention): a few checks, no I/O. */
  private mayConcern(m: Message): boolean {
    const t = this.d.templates
    if (t.answer && m.kind === 'answer') return true
    if (t.dm && m.room.startsWith('dm:')) return true
    if (!(m.body as { mentions?: unknown }).mentions) return false
    return Boolean(t.mention || t.dm)
  }

  /** Resolves once every notice under way has been sent or dropped (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running])
  }

  private async notify(m: Message): Promise<void> {
    const { templates } = this.d
    const targets = new Map<string, NoticeKind>()
    const add = (userId: string, kind: NoticeKind) => {
      if (userId !== m.from.id && templates[kind] && !targets.has(userId)) targets.set(userId, kind)
    }
    let question: Message | null = null
    if (m.kind === 'answer' && templates.answer) {
      question = await this.d.store.getMessage(m.room, (m.body as { question: number }).question)
      if (question && !question.recalled) add(question.from.id, 'answer')
    }
    const ref = parseRoomId(m.room)
    if (ref?.kind === 'dm') add(ref.users[0] === m.from.id ? ref.users[1] : ref.users[0], 'dm')
    for (const id of (m.body as { mentions?: string[] }).mentions ?? []) add(id, 'mention')
    if (targets.size === 0) return

    const users = await this.d.store.getUsers([...targets.keys()])
    const reachable = users.filter((u) => u.openid && u.bannedAt === null)
    if (reachable.length === 0) return
    let title: Promise<string> | null = null
    await Promise.all(
      reachable.map(async (u) => {
        const kind = targets.get(u.id)!
        if (await this.d.isOnline(u.id)) return
        // Taken before the send: a refused or failed notice uses up the interval too.
        if (!(await this.d.claim(u.id, m.room))) return
        if (kind === 'mention') title ??= this.d.store.getRoom(m.room).then((r) => r?.title ?? m.room)
        const roomTitle = kind === 'mention' ? await title! : m.room
        const msg = buildNotice({ kind, templateId: templates[kind]!, openid: u.openid!, message: m, roomTitle, question })
        try {
          await this.d.send(msg)
        } catch (err) {
          this.logFailure(err, { user: u.id, room: m.room, seq: m.seq, kind })
        }
      }),
    )
  }

  private logFailure(err: unknown, ctx: object): void {
    if (err instanceof WechatApiError) {
      // 43101: the user has not subscribed (or has used up their one-time consent). Common.
      const level = err.errcode === 43101 ? 'info' : 'warn'
      this.d.log[level]({ ...ctx, errcode: err.errcode }, `offline notice refused by WeChat: ${err.message}`)
      return
    }
    const name = (err as Error)?.name
    const what = name === 'TimeoutError' || name === 'AbortError' ? 'WeChat did not answer in time' : String(err)
    this.d.log.warn({ ...ctx, err: what }, 'offline notice not sent')
  }
}
