import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Random base62 id; 16 characters carry ~95 bits, enough that ids never collide. */
export function randomId(prefix: string, length = 16): string {
  const bytes = randomBytes(length)
  let s = prefix
  for (let i = 0; i < length; i++) s += ALPHABET[bytes[i] % 62]
  return s
}
