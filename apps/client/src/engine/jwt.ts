// Reads a JWT's expiry without verifying it (the server does that): enough to skip a
// doomed connect with a token that has clearly expired. No atob on mini-programs.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function base64UrlDecode(s: string): string {
  let bits = 0
  let value = 0
  const bytes: number[] = []
  for (const ch of s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')) {
    const v = ALPHABET.indexOf(ch)
    if (v < 0) throw new Error('bad base64')
    value = (value << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes.push((value >> bits) & 0xff)
    }
  }
  // The claims we read are ASCII; decode UTF-8 loosely for the rest.
  return decodeURIComponent(bytes.map((b) => '%' + b.toString(16).padStart(2, '0')).join(''))
}

/** A numeric claim (seconds) in ms since epoch, or null when absent or not a JWT. */
function timeClaim(token: string, name: 'exp' | 'iat'): number | null {
  const part = token.split('.')[1]
  if (!part) return null
  try {
    const claims = JSON.parse(base64UrlDecode(part))
    return typeof claims?.[name] === 'number' ? claims[name] * 1000 : null
  } catch {
    return null
  }
}

/** Expiry in ms since epoch, or null when the token is not a JWT or has no `exp`. */
export function tokenExpiry(token: string): number | null {
  return timeClaim(token, 'exp')
}

/** Issued-at in ms since epoch, or null when the token is not a JWT or has no `iat`. */
export function tokenIssuedAt(token: string): number | null {
  return timeClaim(token, 'iat')
}

export function tokenExpired(token: string, now = Date.now()): boolean {
  const exp = tokenExpiry(token)
  return exp !== null && exp <= now
}
