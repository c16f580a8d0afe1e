import { ErrorCode, ErrorStatus } from '@chat/protocol'
import { StoreUnavailableError } from '../store/types'

/** A failure the client is told about: the same code over HTTP and the socket. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'AppError'
  }

  get status(): number {
    return ErrorStatus[this.code]
  }
}

export const fail = (code: ErrorCode, message: string): never => {
  throw new AppError(code, message)
}

/** Maps anything thrown to what a client may see; unexpected errors become `internal`. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err
  if (err instanceof StoreUnavailableError) return new AppError(ErrorCode.Unavailable, 'the message store is unavailable, try again')
  return new AppError(ErrorCode.Internal, 'internal error')
}
