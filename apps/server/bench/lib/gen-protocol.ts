/** Commands from run.ts to the generator process and its replies (over the IPC channel). */
import type { Target } from './adapters'

export type GenCommand =
  | { op: 'init'; target: Target; nodes: string[]; secret: string }
  | { op: 'users'; count: number }
  | { op: 'connect'; count: number; concurrency: number }
  | { op: 'join'; roomSize: number; prefix: string; samplesPerRoom: number; from?: number }
  | {
      op: 'run'
      rate: number
      durationMs: number
      sendersPerRoom: number
      drainMs: number
      /** Reaction storm (ours only): members after the senders that tap `react` like, each `reactRate` a second. */
      reactors?: number
      reactRate?: number
    }
  | { op: 'close' }
  | { op: 'exit' }

export interface RunResult {
  /** Messages per second offered. */
  rate: number
  roomSize: number
  rooms: number
  sent: number
  acked: number
  errors: number
  errorCodes: Record<string, number>
  /** Deliveries owed: every member of the room (the sender included) per accepted message. */
  expected: number
  received: number
  delivered: number
  /** Latency samples (sampled receivers only); ms from the intended send time. */
  samples: number
  stray: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
  sendMs: number
  wallMs: number
  maxSendLagMs: number
  generatorCpuMs: number
  /** Reaction storm: taps sent, refused (error replies), and `reactions` frames received by all members. */
  reactsSent: number
  reactErrors: number
  reactionFrames: number
  /** Room members whose socket is closed at the end (e.g. closed by the server as too slow). */
  closed: number
}

export type GenReply = { ok: true; ms?: number; failed?: number; result?: RunResult } | { ok: false; error: string }
