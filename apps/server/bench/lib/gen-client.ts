/** run.ts's handle on the generator process (forked, commands over IPC). */
import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { GenCommand, GenReply, RunResult } from './gen-protocol'
import { cpuMs } from './procs'

const here = path.dirname(fileURLToPath(import.meta.url))

export class Generator {
  private seq = 0
  private readonly pending = new Map<number, (r: GenReply) => void>()
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { seq: number; reply: GenReply }) => this.pending.get(m.seq)?.(m.reply))
    child.once('exit', (code) => {
      for (const p of this.pending.values()) p({ ok: false, error: `generator exited ${code}` })
    })
  }

  static start(): Generator {
    const child = fork(path.join(here, '../generator.ts'), [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    process.once('exit', () => child.kill('SIGKILL'))
    return new Generator(child)
  }

  get pid(): number {
    return this.child.pid!
  }

  cpu(): number {
    return cpuMs(this.pid)
  }

  async call(cmd: GenCommand): Promise<GenReply & { ok: true }> {
    const seq = ++this.seq
    const reply = await new Promise<GenReply>((resolve) => {
      this.pending.set(seq, resolve)
      this.child.send({ seq, cmd })
    })
    this.pending.delete(seq)
    if (!reply.ok) throw new Error(`generator ${cmd.op} failed: ${reply.error}`)
    return reply
  }

  async run(cmd: Omit<Extract<GenCommand, { op: 'run' }>, 'op'>): Promise<RunResult> {
    return (await this.call({ op: 'run', ...cmd })).result!
  }

  async stop(): Promise<void> {
    await this.call({ op: 'exit' }).catch(() => {})
  }
}
