import { AppError, CoreErrorCodes, isAppError } from '#src/core/errors.ts';

/**
 * Render every error in Microsoft Graph's shape. `error.code` carries the Graph code scripts check for
 * (Request_ResourceNotFound, Authorization_RequestDenied, …); Gatehouse's own stable code is in
 * `innerError.code`. Non-AppErrors are bugs: logged in full, rendered as a generic 500.
 */
export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { code: string; 'request-id': string; 'client-request-id': string; date: string };
  };
}

const GRAPH_CODE_BY_STATUS: Record<number, string> = {
  400: 'Request_BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  405: 'Request_BadRequest',
  409: 'Request_BadRequest',
  413: 'Request_BadRequest',
  415: 'Request_BadRequest',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

export function graphErrorBody(error: AppError, requestId: string, clientRequestId: string | undefined, now: Date): GraphErrorBody {
  const graphCode = error.status >= 500 ? (error.status === 503 ? 'ServiceUnavailable' : 'InternalServerError') : (GRAPH_CODE_BY_STATUS[error.status] ?? 'Request_BadRequest');
  return {
    error: {
      code: graphCode,
      message: error.expose ? error.message : 'An internal error occurred. Quote the request id to your administrator.',
      innerError: { code: error.code, 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId, date: now.toISOString().replace(/\.\d{3}Z$/, '') },
    },
  };
}

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  validation?: unknown;
  message: string;
}

/** Turn whatever was thrown into an AppError; unknown errors become INTERNAL. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const e = error as FastifyLikeError;
  if (e?.validation) return new AppError('BAD_REQUEST', 400, e.message);
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('BAD_REQUEST', 400, `The request body is not valid JSON: ${e.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'/, '').trim() || 'malformed'}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 413, 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'The request body must be application/json.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('BAD_REQUEST', 400, 'The Content-Length header does not match the body.');
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError('BAD_REQUEST', e.statusCode, e.message);
  }
  return new AppError('INTERNAL', 500, 'internal error', { cause: error });
}

/** Codes the HTTP layer itself produces, documented with the others in docs/errors.md. */
export const HttpErrorCodes = CoreErrorCodes;
