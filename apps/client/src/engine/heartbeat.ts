// Liveness of an open socket: a ping every interval, dead after two unanswered in a row;
// and a one-off probe (on wake-up) that gives a ping a few seconds to come back.

const MISSED_PONGS_DEAD = 2

export class Heartbeat {
  private beatTimer: ReturnType<typeof setInterval> | null = null
  private probeTimer: ReturnType<typeof setTimeout> | null = null
  private awaitingPong = false
  private missed = 0

  constructor(
    private readonly ping: () => void,
    private readonly dead: (reason: string) => void,
  ) {}

  start(intervalMs: number): void {
    this.stop()
    this.beatTimer = setInterval(() => this.beat(), intervalMs)
  }

  stop(): void {
    if (this.beatTimer) clearInterval(this.beatTimer)
    if (this.probeTimer) clearTimeout(this.probeTimer)
    this.beatTimer = this.probeTimer = null
    this.awaitingPong = false
    this.missed = 0
  }

  pong(): void {
    this.awaitingPong = false
    this.missed = 0
    if (this.probeTimer) clearTimeout(this.probeTimer)
    this.probeTimer = null
  }

  /** A socket that looks open may have died while the app was away: ask it. */
  probe(timeoutMs: number): void {
    if (this.probeTimer) return
    this.awaitingPong = true
    this.ping()
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null
      if (this.awaitingPong) this.dead('probe timeout')
    }, timeoutMs)
  }

  private beat(): void {
    if (this.awaitingPong && ++this.missed >= MISSED_PONGS_DEAD) return this.dead('heartbeat timeout')
    this.awaitingPong = true
    this.ping()
  }
}
