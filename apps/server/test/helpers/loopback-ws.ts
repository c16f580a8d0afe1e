import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'

/**
 * A plain ws server on loopback for the file's tests (started before them, closed after),
 * and `open()`: a client socket plus the server's side of it. Clients are cut after each test.
 */
export function useLoopbackWs() {
  let wss: WebSocketServer
  let url = ''
  const accepted: WebSocket[] = []
  const clients: WebSocket[] = []
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
    wss.on('connection', (s) => accepted.push(s))
    await new Promise((r) => wss.once('listening', r))
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
  })
  afterEach(() => {
    for (const c of clients.splice(0)) c.terminate()
    accepted.length = 0
  })
  afterAll(() => new Promise((r) => wss.close(r)))
  return {
    /** Connects a client; `onMessage` is attached before the open, so no frame is missed. */
    async open(
      onMessage: (data: WebSocket.RawData, binary: boolean) => void,
    ): Promise<{ client: WebSocket; server: WebSocket; n: number }> {
      const client = new WebSocket(url)
      clients.push(client)
      client.on('message', onMessage)
      await new Promise((r) => client.once('open', r))
      while (accepted.length === 0) await new Promise((r) => setTimeout(r, 5))
      return { client, server: accepted.shift()!, n: clients.length }
    },
  }
}

/** Counts what reaches a server socket's TCP stream: the point of batching is fewer writes. */
export function countWrites(socket: WebSocket): () => number {
  const tcp = (socket as unknown as { _socket: { write: (...a: unknown[]) => boolean } })._socket
  let writes = 0
  const write = tcp.write.bind(tcp)
  tcp.write = (...a: unknown[]) => {
    writes++
    return write(...a)
  }
  return () => writes
}
