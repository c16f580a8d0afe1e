// Serves the H5 build and forwards /api, /ws and /uploads to the chat server, so the app
// runs exactly as deployed behind one origin (H5 defaults to its page's origin). Like a load
// balancer, it can be pointed at another node while running (`setUpstream`).
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { connect } from 'node:net'
import { extname, join, normalize } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
}
const PROXIED = /^\/(api|ws|uploads|healthz|readyz)(\/|$|\?)/

export interface H5Site {
  url: string
  /** Where new requests and socket upgrades go from now on (open sockets stay where they are). */
  setUpstream(upstream: string): void
  close(): Promise<void>
}

export async function serveH5(root: string, upstream: string): Promise<H5Site> {
  let up = new URL(upstream)
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/'
    if (PROXIED.test(url)) {
      const fwd = request({ host: up.hostname, port: up.port, path: url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      })
      fwd.on('error', () => res.writeHead(502).end())
      req.pipe(fwd)
      return
    }
    const path = normalize(decodeURIComponent(url.split('?')[0])).replace(/^(\.\.[/\\])+/, '')
    let file = join(root, path)
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html')
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
    res.end(readFileSync(file))
  })
  // WebSocket upgrades go through as raw TCP.
  server.on('upgrade', (req, socket, head) => {
    const target = connect(Number(up.port), up.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`), '', '']
      target.write(lines.join('\r\n'))
      if (head.length) target.write(head)
      target.pipe(socket)
      socket.pipe(target)
    })
    const end = () => {
      target.destroy()
      socket.destroy()
    }
    target.on('error', end)
    socket.on('error', end)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    setUpstream: (u) => void (up = new URL(u)),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
