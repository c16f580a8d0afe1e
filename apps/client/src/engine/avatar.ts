// A face for everyone: a user without a picture gets one of the bundled preset avatars,
// picked from their id, so different people look different and one person looks the same
// on every screen and every device.
export const PRESET_AVATARS = 8

export function presetPath(n: number): string {
  return `/static/avatars/${n}.svg`
}

/** Stable per id (FNV-1a), spread over the presets. */
export function faceFor(id: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  return presetPath(((h >>> 0) % PRESET_AVATARS) + 1)
}
