/**
 * The benchmark's peer: the smallest honest Socket.IO 4.8 chat server, as teams build it
 * before they outgrow one node — websocket transport only, no compression, rooms fanned out
 * across nodes by @socket.io/redis-adapter. It verifies the same HS256 tokens as our server
 * (so both do the same work per connection), numbers messages per room in memory and stores
 * nothing: it is the yardstick, not a product.
 *
 *   PORT=0 REDIS_URL=redis://127.0.0.1:6379 JWT_SECRET=… node bench/peer/server.mjs
 *
 * Events: `join` (room, ack) · `send` ({room,cid,kind,body}, ack → {cid,seq,ts}) ·
 * pushes `message` (the same Message shape as protocol-v1 §3.4).
 * Plain JavaScript on purpose: no loader or transpiler runs in the measured process.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'

const port = Number(process.env.PORT ?? 3100)
const secret = process.env.JWT_SECRET ?? ''
const nodeId = process.env.NODE_ID ?? `sio-${process.pid}`
if (secret.length < 16) {
  process.stderr.write('config error: JWT_SECRET must be at least 16 characters\n')
  process.exit(1)
}

/** The same HS256 check as src/lib/jwt.ts, so connection cost is comparable. */
function verify(token) {
  if (typeof token !== 'string') return null
  const parts = token.split('.')
  if (parts.length !== 3) return null
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest()
  const given = Buffer.from(parts[2], 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  try {
    const c = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    return typeof c.sub === 'string' && c.exp * 1000 > Date.now() ? c : null
  } catch {
    return null
  }
}

const http = createServer((req, res) => {
  if (req.url === '/healthz') return void res.end('ok')
  res.statusCode = 404
  res.end()
})
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  maxHttpBufferSize: 64 * 1024,
})

let pub = null
let sub = null
if (process.env.REDIS_URL) {
  pub = new Redis(process.env.REDIS_URL)
  sub = pub.duplicate()
  io.adapter(createAdapter(pub, sub, { key: 'sio-bench' }))
}

const seqs = new Map()

io.use((socket, next) => {
  const claims = verify(socket.handshake.auth?.token)
  if (!claims) return next(new Error('unauthorized'))
  const name = typeof socket.handshake.auth.name === 'string' ? socket.handshake.auth.name.slice(0, 32) : claims.sub
  socket.data.user = { id: claims.sub, name, avatar: null }
  next()
})

io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    if (typeof room !== 'string') return typeof ack === 'function' && ack({ error: 'bad_request' })
    socket.join(room)
    if (typeof ack === 'function') ack({ room, node: nodeId })
  })
  socket.on('send', (m, ack) => {
    if (!m || typeof m.room !== 'string' || !socket.rooms.has(m.room)) {
      return typeof ack === 'function' && ack({ error: 'not_joined' })
    }
    const seq = (seqs.get(m.room) ?? 0) + 1
    seqs.set(m.room, seq)
    const msg = { room: m.room, seq, cid: m.cid, from: socket.data.user, kind: m.kind, body: m.body, ts: Date.now() }
    if (typeof ack === 'function') ack({ room: m.room, cid: m.cid, seq, ts: msg.ts })
    io.to(m.room).emit('message', msg)
  })
})

http.listen(port, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${http.address().port}`
  process.stdout.write(JSON.stringify({ level: 30, msg: `listening on ${url}`, url, node: nodeId }) + '\n')
})

function stop() {
  io.close()
  pub?.disconnect()
  sub?.disconnect()
  setTimeout(() => process.exit(0), 200).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
