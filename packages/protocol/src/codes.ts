// Error codes, close codes and their HTTP statuses: the one list server, client and tests share.

export const ErrorCode = {
  BadRequest: 'bad_request',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  NotJoined: 'not_joined',
  RateLimited: 'rate_limited',
  TooLarge: 'too_large',
  UnsupportedMedia: 'unsupported_media',
  TooLate: 'too_late',
  Muted: 'muted',
  Unavailable: 'unavailable',
  Internal: 'internal',
  WechatDisabled: 'wechat_disabled',
  /** v1.1: a taken room id. */
  Conflict: 'conflict',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export const ErrorStatus: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_joined: 403,
  muted: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media: 415,
  // Not in the contract's table; 409 says "the request was fine, the moment is not".
  too_late: 409,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  wechat_disabled: 503,
}

export const CloseCode = {
  Normal: 1000,
  Unsupported: 1003,
  TooBig: 1009,
  Restart: 1012,
  BadToken: 4001,
  NoHello: 4002,
  Banned: 4003,
  TooManyConnections: 4008,
  SlowConsumer: 4009,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && Object.hasOwn(ErrorStatus, v)
}
