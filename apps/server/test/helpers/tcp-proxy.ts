/**
 * A TCP forwarder a test can cut and restore, to take a dependency (Postgres) away from the
 * server processes without touching the machine's service, which other tests share.
 * While cut, new connections are refused and open ones are reset, as when the database host
 * goes away.
 */
import net from 'node:net'

export interface TcpProxy {
  port: number
  /** Refuse new connections and reset every open one. */
  cut(): Promise<void>
  /** Accept and forward again, on the same port. */
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host)
    open.add(client)
    open.add(upstream)
    const end = () => {
      client.destroy()
      upstream.destroy()
      open.delete(client)
      open.delete(upstream)
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve((server.address() as net.AddressInfo).port)
      })
    })
  const port = await listen(0)
  const stopListening = () => new Promise<void>((r) => (server.listening ? server.close(() => r()) : r()))
  return {
    port,
    async cut() {
      const closed = stopListening()
      for (const s of open) s.resetAndDestroy()
      open.clear()
      await closed
    },
    async restore() {
      if (!server.listening) await listen(port)
    },
    async close() {
      const closed = stopListening()
      for (const s of open) s.destroy()
      await closed
    },
  }
}
