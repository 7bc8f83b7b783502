import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CliError } from './output.ts';

/**
 * The CLI's client of the /v1.0 API: every non-maintenance command goes through it, so it works remotely and with
 * the same permissions and audit as any other client. Credentials, first match wins: --token / GATEHOUSE_TOKEN;
 * GATEHOUSE_CLIENT_ID + GATEHOUSE_CLIENT_SECRET (client credentials); the token saved by `gatehouse login`.
 */
export interface ApiClient {
  readonly baseUrl: string;
  request<T>(method: string, pathAndQuery: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  /** GET a collection and follow @odata.nextLink up to `limit` items. */
  list<T>(pathAndQuery: string, limit: number, headers?: Record<string, string>): Promise<T[]>;
}

export interface ClientOptions {
  url?: string;
  token?: string;
}

export const credentialsFile = (): string => path.join(process.env.GATEHOUSE_CONFIG_HOME ?? path.join(os.homedir(), '.config', 'gatehouse'), 'credentials.json');

async function acquireToken(baseUrl: string, options: ClientOptions): Promise<string> {
  const explicit = options.token ?? process.env.GATEHOUSE_TOKEN;
  if (explicit) return explicit;
  const clientId = process.env.GATEHOUSE_CLIENT_ID;
  const clientSecret = process.env.GATEHOUSE_CLIENT_SECRET;
  if (clientId && clientSecret) {
    const response = await fetch(`${baseUrl}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      // The Graph resource identifier is accepted by every node whatever URL it is reached by.
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    }).catch((error: Error) => {
      throw new CliError(`cannot reach ${baseUrl}: ${error.message}`);
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
    if (!response.ok || !body.access_token) throw new CliError(`token request failed: ${body.error_description ?? body.error ?? response.status}`);
    return body.access_token;
  }
  try {
    const saved = JSON.parse(await readFile(credentialsFile(), 'utf8')) as { url?: string; accessToken?: string; expiresAt?: number };
    if (saved.url === baseUrl && saved.accessToken && (saved.expiresAt ?? 0) > Date.now() + 30_000) return saved.accessToken;
  } catch {
    // no saved login
  }
  throw new CliError('not signed in: run `gatehouse login`, or set GATEHOUSE_TOKEN, or GATEHOUSE_CLIENT_ID and GATEHOUSE_CLIENT_SECRET', 2);
}

export function createApiClient(options: ClientOptions = {}): ApiClient {
  const baseUrl = (options.url ?? process.env.GATEHOUSE_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
  let token: Promise<string> | undefined;
  const request = async <T>(method: string, pathAndQuery: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    token ??= acquireToken(baseUrl, options);
    // Absolute URLs (@odata.nextLink) are followed only on the same origin: the token never goes elsewhere.
    const url = new URL(pathAndQuery, `${baseUrl}/`);
    if (url.origin !== new URL(baseUrl).origin) throw new CliError(`refusing to send credentials to ${url.origin} (the server is ${baseUrl})`);
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${await token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((error: Error) => {
      throw new CliError(`cannot reach ${baseUrl}: ${error.message}`);
    });
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`unexpected response from ${url} (${response.status})`);
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new CliError(`${response.status} ${error?.code ?? ''}: ${error?.message ?? text}`.trim());
    }
    return parsed as T;
  };
  return {
    baseUrl,
    request,
    async list<T>(pathAndQuery: string, limit: number, headers: Record<string, string> = {}) {
      const items: T[] = [];
      let next: string | undefined = pathAndQuery;
      while (next && items.length < limit) {
        const page: { value: T[]; '@odata.nextLink'?: string } = await request('GET', next, undefined, headers);
        items.push(...page.value);
        next = page['@odata.nextLink'];
      }
      return items.slice(0, limit);
    },
  };
}
