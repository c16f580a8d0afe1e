/**
 * A server-to-client WebSocket text frame (FIN, opcode 1, unmasked), built once per node
 * and written as is to every socket that gets the push: no per-socket UTF-8 encoding,
 * header allocation or cork/uncork in ws's Sender.
 */
export function textFrame(payload: string): Buffer {
  const len = Buffer.byteLength(payload)
  const head = len < 126 ? 2 : len < 65_536 ? 4 : 10
  const buf = Buffer.allocUnsafe(head + len)
  buf[0] = 0x81
  if (len < 126) buf[1] = len
  else if (len < 65_536) {
    buf[1] = 126
    buf.writeUInt16BE(len, 2)
  } else {
    buf[1] = 127
    buf.writeUInt32BE(Math.floor(len / 2 ** 32), 2)
    buf.writeUInt32BE(len >>> 0, 6)
  }
  buf.write(payload, head, 'utf8')
  return buf
}
