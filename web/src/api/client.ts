/**
 * Fetch wrapper for the Graph-compatible API and the portal API.
 *
 * Every request is same-origin with credentials so the HttpOnly `gatehouse_session` cookie travels; writes carry the
 * CSRF token the session endpoint handed out. Errors in the Graph shape become an `ApiError` so the UI can show
 * the server's own message and the request id an operator can look up in the logs.
 */

/** An error response from the server (or a failure to reach it), carrying the Graph error fields. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Gatehouse's own stable code (innerError.code), e.g. PASSWORD_CHANGE_REQUIRED. */
  readonly innerCode: string | undefined;
  readonly requestId: string | undefined;
  readonly date: string | undefined;

  constructor(init: { status: number; code: string; innerCode?: string; message: string; requestId?: string; date?: string }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.innerCode = init.innerCode;
    this.requestId = init.requestId;
    this.date = init.date;
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is instead of `body`, e.g. an uploaded file, with its media type. */
  rawBody?: { content: Blob | string; contentType: string };
  /** `blob` hands back the response body untouched (e.g. a CSV download) instead of parsing it as JSON. */
  responseType?: 'json' | 'blob';
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApiClient {
  request<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
  get<T>(path: string, options?: Omit<RequestOptions, 'body'>): Promise<T>;
}

export interface ApiClientDeps {
  /** Returns the CSRF token of the current session, if signed in. */
  getCsrfToken: () => string | undefined;
  fetch?: typeof fetch;
}

/**
 * Reduces any URL the server hands back (e.g. `@odata.nextLink`) to a path on our own origin. The server may
 * build absolute links from its configured public URL, which can differ from the origin the browser used; the
 * session cookie and CSRF token must never be sent anywhere else, so only path and query are kept.
 */
export function toSameOriginPath(url: string): string {
  const parsed = new URL(url, window.location.origin);
  return parsed.pathname + parsed.search;
}

export function createApiClient(deps: ApiClientDeps): ApiClient {
  const doFetch = deps.fetch ?? window.fetch.bind(window);

  async function request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.rawBody) headers['Content-Type'] = options.rawBody.contentType;
    else if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET') {
      const token = deps.getCsrfToken();
      if (token) headers['X-CSRF-Token'] = token;
    }
    let response: Response;
    try {
      response = await doFetch(toSameOriginPath(path), {
        method,
        headers,
        credentials: 'include',
        body: options.rawBody ? options.rawBody.content : options.body === undefined ? null : JSON.stringify(options.body),
        signal: options.signal ?? null,
      });
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      throw new ApiError({ status: 0, code: 'NETWORK_ERROR', message: 'Could not reach the Gatehouse server.' });
    }
    if (!response.ok) throw await toApiError(response);
    if (options.responseType === 'blob') return (await response.blob()) as T;
    if (response.status === 204 || response.headers.get('Content-Length') === '0') return undefined as T;
    const text = await response.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      // e.g. an HTML page from a proxy or an SPA fallback answering a path the API does not have.
      throw new ApiError({ status: response.status, code: 'INVALID_RESPONSE', message: 'The server sent a response that is not JSON.' });
    }
  }

  return {
    request,
    get: (path, options) => request('GET', path, options),
  };
}

interface GraphErrorBody {
  error?: {
    code?: unknown;
    message?: unknown;
    innerError?: { code?: unknown; 'request-id'?: unknown; date?: unknown };
  };
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: GraphErrorBody | undefined;
  try {
    body = (await response.json()) as GraphErrorBody;
  } catch {
    body = undefined;
  }
  const err = body?.error;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const requestId = str(err?.innerError?.['request-id']) ?? response.headers.get('request-id') ?? undefined;
  const date = str(err?.innerError?.date);
  const innerCode = str(err?.innerError?.code);
  return new ApiError({
    status: response.status,
    code: str(err?.code) ?? `HTTP_${response.status}`,
    ...(innerCode ? { innerCode } : {}),
    message: str(err?.message) ?? `The server answered ${response.status} ${response.statusText}`.trim(),
    ...(requestId ? { requestId } : {}),
    ...(date ? { date } : {}),
  });
}

/** True when the error means "not signed in" (or the session expired). */
export function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}
