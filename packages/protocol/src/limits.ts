// Limits written in the contract. Server-side knobs that the contract leaves open live in
// the server's config, not here.

export const Limits = {
  /** Largest WebSocket frame in bytes; a larger one closes the socket with 1009. */
  frameBytes: 64 * 1024,
  /** Characters (code points, after trimming) of a text, question or answer. */
  textMax: 4000,
  nameMax: 32,
  requestIdMax: 64,
  historyDefault: 30,
  historyMax: 100,
  /** Messages a `join` with `after` returns at most. */
  joinAfterMax: 200,
  /** Messages a `join` without `after` returns. */
  joinLatest: 30,
  flowerMax: 99,
  recallWindowMs: 2 * 60 * 1000,
  helloTimeoutMs: 10_000,
  heartbeatMs: 25_000,
  uploadBytes: 5 * 1024 * 1024,
  urlMax: 2048,
  /** v1.1 §A: room titles and announcements, in characters after trimming. */
  titleMax: 64,
  announcementMax: 1000,
  inviteCodeMin: 8,
  /** Random room ids the server picks (v1.1 §A asks for at least 10). */
  generatedRoomIdLength: 16,
  questionsDefault: 30,
  questionsMax: 100,
  /** v1.1 §D: user ids in a text's or question's `mentions`, as sent. */
  mentionsMax: 20,
} as const

export const CID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/
export const GROUP_ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
/** User ids are server-made (`u_` + base62), but any id-safe string is accepted in a dm id. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
export const UPLOAD_URL_PATTERN = /^\/uploads\/[A-Za-z0-9_-]{1,128}\.(jpg|png|gif|webp)$/
