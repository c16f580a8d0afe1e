import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Connection, ConnState, RequestError } from '../../src/engine/connection'
import { FakeServer, tick } from '../support/fake-server'

const alice = { id: 'u_alice', name: 'Alice', avatar: null }

function setup(opts: { random?: () => number; resume?: Record<string, number> } = {}) {
  const server = new FakeServer()
  server.addUser('tok-a', alice)
  let token: string | null = 'tok-a'
  const conn = new Connection({
    url: () => 'ws://chat.test/ws',
    socket: server.factory,
    token: () => token,
    resume: () => opts.resume ?? {},
    random: opts.random ?? (() => 0.5),
  })
  const states: string[] = []
  conn.on('state', (s) => states.push(s))
  return { server, conn, states, setToken: (t: string | null) => (token = t) }
}

/** Advances fake time and lets the fake server's microtask replies run. */
async function advance(ms: number) {
  await vi.advanceTimersByTimeAsync(ms)
  await tick()
}

describe('Connection', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('says hello with the token and the resume map, and is open on welcome', async () => {
    const { server, conn, states } = setup({ resume: { lobby: 41, 'dm:u_a:u_b': 0 } })
    conn.start()
    expect(conn.state).toBe(ConnState.Connecting)
    await tick()
    expect(server.last.url).toBe('ws://chat.test/ws')
    expect(server.last.sent[0]).toMatchObject({ type: 'hello', token: 'tok-a', resume: { lobby: 41, 'dm:u_a:u_b': 0 } })
    await tick()
    expect(conn.state).toBe(ConnState.Open)
    expect(states).toEqual(['connecting', 'open'])
    expect(conn.lastResume).toEqual({ lobby: 41, 'dm:u_a:u_b': 0 })
  })

  it('leaves resume out of hello when there is nothing to resume', async () => {
    const { server, conn } = setup()
    conn.start()
    await tick()
    expect(server.last.sent[0]).not.toHaveProperty('resume')
  })

  it('pings every heartbeat interval and stays up while pongs come back', async () => {
    const { server, conn } = setup()
    conn.start()
    await tick(10)
    await advance(25_000)
    expect(server.last.sent.filter((f) => f.type === 'ping')).toHaveLength(1)
    await advance(25_000 * 4)
    expect(server.last.sent.filter((f) => f.type === 'ping')).toHaveLength(5)
    expect(conn.state).toBe(ConnState.Open)
    expect(server.sockets).toHaveLength(1)
  })

  it('declares the link dead after two missed pongs and reconnects', async () => {
    const { server, conn } = setup({ random: () => 0 })
    conn.start()
    await tick(10)
    server.silent = true
    await advance(25_000) // ping 1, unanswered
    await advance(25_000) // 1 missed, ping 2
    expect(conn.state).toBe(ConnState.Open)
    expect(server.sockets[0].closed).toBe(false)
    server.silent = false
    const closes: number[] = []
    conn.on('close', (c) => closes.push(c.code))
    await advance(25_000) // 2 missed: dead
    expect(server.sockets[0].closed).toBe(true)
    expect(closes).toEqual([4000])
    await advance(1)
    expect(server.sockets).toHaveLength(2)
    await tick(10)
    expect(conn.state).toBe(ConnState.Open)
  })

  it('backs off exponentially with jitter up to the 30 s cap while the server is down', async () => {
    const { server, conn } = setup({ random: () => 0.999 })
    server.down = true
    conn.start()
    await tick(10)
    expect(conn.state).toBe(ConnState.Waiting)
    const windows = [1000, 2000, 4000, 8000, 16000, 30000, 30000]
    for (const w of windows) {
      const before = server.sockets.length
      await advance(Math.floor(0.999 * w) - 1)
      expect(server.sockets.length).toBe(before) // not yet
      await advance(1)
      expect(server.sockets.length).toBe(before + 1) // the next attempt
      await tick(10)
    }
    expect(conn.attempt).toBe(windows.length + 1)
    server.down = false
    await advance(30_000)
    await tick(10)
    expect(conn.state).toBe(ConnState.Open)
    expect(conn.attempt).toBe(0)
  })

  it('a 1012 (node shutting down) reconnects after a jittered delay', async () => {
    const { server, conn } = setup({ random: () => 0.25 })
    conn.start()
    await tick(10)
    server.last.kill(1012, 'restart')
    expect(conn.state).toBe(ConnState.Waiting)
    await advance(249)
    expect(server.sockets).toHaveLength(1)
    await advance(1)
    await tick(10)
    expect(server.sockets).toHaveLength(2)
    expect(conn.state).toBe(ConnState.Open)
  })

  it('stops for good on 4001 (bad token) and 4003 (banned)', async () => {
    for (const code of [4001, 4003]) {
      const { server, conn } = setup()
      const fatal: number[] = []
      conn.on('fatal', (f) => fatal.push(f.code))
      conn.start()
      await tick(10)
      server.last.kill(code)
      expect(conn.state).toBe(ConnState.Stopped)
      expect(fatal).toEqual([code])
      await advance(120_000)
      expect(server.sockets).toHaveLength(1)
    }
  })

  it('a refused token closes with 4001 during the handshake', async () => {
    const { conn, setToken } = setup()
    setToken('nope')
    conn.start()
    await tick(10)
    expect(conn.state).toBe(ConnState.Stopped)
  })

  it('gives up on an attempt that never gets a welcome', async () => {
    const { server, conn } = setup({ random: () => 0 })
    server.silent = true
    conn.start()
    await tick(10)
    expect(conn.state).toBe(ConnState.Connecting)
    await advance(10_001)
    expect(server.sockets[0].closed).toBe(true)
    expect(server.sockets.length).toBeGreaterThanOrEqual(2)
  })

  it('pauses in the background and reconnects at once on wake, skipping any backoff', async () => {
    const { server, conn } = setup({ random: () => 0.999 })
    conn.start()
    await tick(10)
    conn.pause()
    expect(conn.state).toBe(ConnState.Paused)
    expect(server.sockets[0].closed).toBe(true)
    await advance(300_000)
    expect(server.sockets).toHaveLength(1) // no reconnect while paused
    conn.wake()
    await tick(10)
    expect(server.sockets).toHaveLength(2)
    expect(conn.state).toBe(ConnState.Open)

    // While waiting out a long backoff, wake (network back) connects immediately.
    server.down = true
    server.last.kill(1006)
    await tick(10)
    for (let i = 0; i < 4; i++) await advance(30_000)
    expect(conn.state).toBe(ConnState.Waiting)
    const n = server.sockets.length
    server.down = false
    conn.wake()
    await tick(10)
    expect(server.sockets.length).toBe(n + 1)
    expect(conn.state).toBe(ConnState.Open)
  })

  it('wake on an open socket probes it and replaces it when the probe gets no pong', async () => {
    const { server, conn } = setup({ random: () => 0 })
    conn.start()
    await tick(10)
    conn.wake() // healthy: pong comes back
    await advance(5000)
    expect(server.sockets).toHaveLength(1)
    server.silent = true
    conn.wake()
    await advance(5000)
    expect(server.sockets[0].closed).toBe(true)
    server.silent = false
    await advance(1)
    await tick(10)
    expect(server.sockets).toHaveLength(2)
    expect(conn.state).toBe(ConnState.Open)
  })

  it('matches replies to requests by id and turns error frames into RequestError', async () => {
    const { server, conn } = setup()
    conn.start()
    await tick(10)
    const joined = await conn.request({ type: 'join', room: 'lobby' })
    expect(joined).toMatchObject({ type: 'joined', room: { id: 'lobby' } })
    const sent = server.last.sent.find((f) => f.type === 'join')!
    expect(sent.id).toBe((joined as { id?: number }).id)
    const err = await conn.request({ type: 'history', room: 'elsewhere', limit: 10 }).catch((e) => e)
    expect(err).toBeInstanceOf(RequestError)
    expect(err.code).toBe('not_joined')
  })

  it('fails pending requests when the socket drops, and refuses requests while offline', async () => {
    const { server, conn } = setup()
    conn.start()
    await tick(10)
    server.silent = true
    const p = conn.request({ type: 'join', room: 'lobby' }).catch((e) => e.code)
    server.last.kill(1006)
    expect(await p).toBe('disconnected')
    expect(await conn.request({ type: 'ping' }).catch((e) => e.code)).toBe('offline')
    expect(conn.send({ type: 'ping' })).toBe(false)
  })

  it('ignores late events from a socket it has already replaced', async () => {
    const { server, conn } = setup({ random: () => 0 })
    conn.start()
    await tick(10)
    const old = server.sockets[0]
    conn.pause()
    conn.wake()
    await tick(10)
    expect(conn.state).toBe(ConnState.Open)
    old.push({ type: 'message', room: 'x', msg: {} } as Record<string, unknown>)
    const frames: string[] = []
    conn.on('frame', (f) => frames.push(f.type))
    old.push({ type: 'pong', ts: 1 })
    ;(old as unknown as { h: { close?: (c: number, r: string) => void } }).h.close?.(1006, 'late')
    expect(frames).toEqual([])
    expect(conn.state).toBe(ConnState.Open)
  })

  it('ignores frames that are not JSON objects with a type', async () => {
    const { server, conn } = setup()
    conn.start()
    await tick(10)
    const frames: unknown[] = []
    conn.on('frame', (f) => frames.push(f))
    ;(server.last as unknown as { h: { message: (d: string) => void } }).h.message('not json')
    ;(server.last as unknown as { h: { message: (d: string) => void } }).h.message('[1,2]')
    server.last.push({ type: 'pong', ts: 5 })
    expect(frames).toEqual([{ type: 'pong', ts: 5 }])
  })

  it('stop closes the socket and stays idle', async () => {
    const { server, conn } = setup()
    conn.start()
    await tick(10)
    conn.stop()
    expect(conn.state).toBe(ConnState.Idle)
    await advance(120_000)
    expect(server.sockets).toHaveLength(1)
  })
})
