/**
 * One error model for the whole program. Domain code throws AppError with a stable UPPER_SNAKE code; the HTTP
 * layer renders it in the Microsoft Graph error shape and the CLI prints its message. Anything that is not an
 * AppError is a bug and is rendered as a generic 500 without details.
 */
export interface AppErrorOptions {
  /** Extra machine-readable details; never secrets. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  /** Whether the message may be shown to the caller (true for every 4xx). */
  readonly expose: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, status: number, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.expose = status < 500;
    this.details = options.details;
  }
}

/** Codes shared by every module; each module lists its own in `*.errors.ts`. */
export const CoreErrorCodes = {
  BAD_REQUEST: { status: 400, description: 'The request is malformed or a value is invalid.' },
  NOT_FOUND: { status: 404, description: 'The resource does not exist or is not visible to the caller.' },
  CONFLICT: { status: 409, description: 'The change conflicts with the current state (e.g. a duplicate).' },
  UNAUTHENTICATED: { status: 401, description: 'No valid access token or session was presented.' },
  FORBIDDEN: { status: 403, description: 'The caller lacks the permission named in the message.' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body exceeds the size limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The request body is not JSON.' },
  TOO_MANY_REQUESTS: { status: 429, description: 'Too many attempts; retry later.' },
  INTERNAL: { status: 500, description: 'An unexpected error; details are in the server log under the request id.' },
  UNAVAILABLE: { status: 503, description: 'The service is starting, stopping, or its database is unreachable.' },
} as const;

export const badRequest = (message: string, details?: Record<string, unknown>): AppError =>
  new AppError('BAD_REQUEST', 400, message, details ? { details } : {});
export const notFound = (message: string): AppError => new AppError('NOT_FOUND', 404, message);
export const conflict = (message: string): AppError => new AppError('CONFLICT', 409, message);
export const forbidden = (message: string): AppError => new AppError('FORBIDDEN', 403, message);
export const unauthenticated = (message: string): AppError => new AppError('UNAUTHENTICATED', 401, message);

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
