// The server address: one `http(s)://` base; the socket URL is derived from it so H5 and
// mini-program builds never drift apart.

/** Normalises a base URL; throws on anything that is not http(s). */
export function normalizeBase(raw: string): string {
  const s = raw.trim().replace(/\/+$/, '')
  if (!/^https?:\/\/[^/\s]+(\/[^\s]*)?$/i.test(s)) throw new Error(`server url must be an http(s):// base, got ${JSON.stringify(raw)}`)
  return s
}

export function socketUrl(base: string): string {
  return normalizeBase(base).replace(/^http/i, 'ws') + '/ws'
}

export function apiUrl(base: string, path: string): string {
  return normalizeBase(base) + path
}

const PRESET_AVATAR = /^(?:https?:\/\/[^/]+(?:\/[^?#]*)?)?(\/static\/avatars\/\d{1,2}\.svg)$/

/**
 * The preset avatars ship inside every client build. The server takes avatars as paths of
 * its own (`/uploads/…` or `/static/…`, v1.1 §H), so a preset is sent as
 * `/static/avatars/N.svg` and every client shows its own bundled copy of it (no request,
 * works offline and on mini-programs). `base` is kept for callers; it is not part of it.
 */
export function presetAvatarUrl(_base: string, localPath: string): string {
  return localPath
}

/** Makes an upload path (`/uploads/x.png`) absolute; the contract keeps urls server-relative. */
export function assetUrl(base: string, url: string): string {
  const preset = PRESET_AVATAR.exec(url)
  if (preset) return preset[1]
  return url.startsWith('/') ? normalizeBase(base) + url : url
}
