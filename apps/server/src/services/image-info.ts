/**
 * Image type and size from the bytes themselves (never the name or the client's
 * Content-Type): JPEG, PNG, GIF and WebP only. Anything else — SVG included — is null.
 */
export interface ImageInfo {
  type: 'jpg' | 'png' | 'gif' | 'webp'
  mime: string
  width: number
  height: number
}

export function imageInfo(b: Buffer): ImageInfo | null {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('latin1', 12, 16) === 'IHDR') {
    return sized('png', 'image/png', b.readUInt32BE(16), b.readUInt32BE(20))
  }
  if (b.length >= 10 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a')) {
    return sized('gif', 'image/gif', b.readUInt16LE(6), b.readUInt16LE(8))
  }
  if (b.length >= 30 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return webp(b)
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpeg(b)
  return null
}

/** Bounds on what an upload may claim to be: a viewer decodes it, so the size is memory. */
export const MAX_IMAGE_SIDE = 16_384
export const MAX_IMAGE_PIXELS = 50_000_000

function sized(type: ImageInfo['type'], mime: string, width: number, height: number): ImageInfo | null {
  const ok = width > 0 && height > 0 && width <= MAX_IMAGE_SIDE && height <= MAX_IMAGE_SIDE && width * height <= MAX_IMAGE_PIXELS
  return ok ? { type, mime, width, height } : null
}

function webp(b: Buffer): ImageInfo | null {
  const chunk = b.toString('latin1', 12, 16)
  if (chunk === 'VP8 ' && b.length >= 30) return sized('webp', 'image/webp', b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff)
  if (chunk === 'VP8L' && b.length >= 25 && b[20] === 0x2f) {
    const bits = b.readUInt32LE(21)
    return sized('webp', 'image/webp', (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)
  }
  if (chunk === 'VP8X' && b.length >= 30) return sized('webp', 'image/webp', b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1)
  return null
}

/** Walks the JPEG markers to the first start-of-frame, which carries the size. */
function jpeg(b: Buffer): ImageInfo | null {
  let i = 2
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null
    const marker = b[i + 1]
    if (marker === 0xff) {
      i++
      continue
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2
      continue
    }
    const len = b.readUInt16BE(i + 2)
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
    if (isSof) return sized('jpg', 'image/jpeg', b.readUInt16BE(i + 7), b.readUInt16BE(i + 5))
    if (len < 2) return null
    i += 2 + len
  }
  return null
}
