import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '#src/core/clock.ts';
import type { Actor } from '#src/audit/index.ts';
import {
  GRAPH_APP_ID,
  addPassword,
  createApplication,
  createServicePrincipal,
  createUser,
  grantAppRole,
  permissions,
  type DirectoryDeps,
  type DirDb,
  type Permission,
} from '#src/directory/index.ts';
import { createOAuthServer, ensureSigningKeys, type AuthConfig, type OAuthServer } from '#src/auth/index.ts';
import type { Db } from '#src/store/index.ts';

/** Shared set-up of the auth tests: a tenant, keys, apps and users made with the real directory services. */
export const admin: Actor = { kind: 'system' };
export const DOMAIN = 'contoso.test';

export function authConfig(publicUrl: string, overrides: Partial<AuthConfig> = {}): AuthConfig {
  return { publicUrl, accessTokenLifetimeSeconds: 600, sessionIdleMinutes: 30, sessionAbsoluteHours: 12, setupLinkLifetimeHours: 24, ...overrides };
}

export async function createTenant(db: Db, clock: Clock = systemClock): Promise<string> {
  const id = '7a1f0000-0000-4000-8000-000000000001';
  await db.insertInto('tenant').values({ id, display_name: 'Contoso', initial_domain: DOMAIN, created_at: clock.now() }).execute();
  return id;
}

export const dirDeps = (db: Db, clock: Clock = systemClock): DirectoryDeps => ({ db: db as DirDb, clock });

export interface TestApp {
  appId: string;
  servicePrincipalId: string;
  secret: string;
  secretKeyId: string;
}

/** A registered application with a service principal, one client secret and the given application permissions. */
export async function createTestApp(db: Db, graphSpId: string, name: string, granted: Permission[], clock: Clock = systemClock): Promise<TestApp> {
  const deps = dirDeps(db, clock);
  const app = await createApplication(deps, admin, { displayName: name });
  const sp = await createServicePrincipal(deps, admin, app.appId);
  const secret = await addPassword(deps, admin, app.appId, { displayName: 'test' });
  for (const permission of granted) {
    await grantAppRole(deps, admin, { principalId: sp.id, resourceId: graphSpId, appRoleId: permissions[permission].id });
  }
  return { appId: app.appId, servicePrincipalId: sp.id, secret: secret.secretText as string, secretKeyId: secret.keyId };
}

export async function createGraphServicePrincipal(db: Db, clock: Clock = systemClock): Promise<string> {
  return (await createServicePrincipal(dirDeps(db, clock), admin, GRAPH_APP_ID)).id;
}

export async function createTestUser(db: Db, alias: string, password?: string, clock: Clock = systemClock): Promise<{ id: string; userPrincipalName: string }> {
  const user = await createUser(dirDeps(db, clock), admin, {
    displayName: alias,
    userPrincipalName: `${alias}@${DOMAIN}`,
    ...(password === undefined ? {} : { password }),
  });
  return { id: user.id, userPrincipalName: user.userPrincipalName };
}

export interface RunningServer {
  url: string;
  oauth: OAuthServer;
  masterKey: Buffer;
  close(): Promise<void>;
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse, oauth: OAuthServer) => Promise<void>;

/**
 * The OAuth server on an ephemeral loopback port, mounted the way the HTTP layer mounts it: paths it handles go
 * to its callback; `routes` stands in for the HTTP layer's own pages (the interaction page).
 */
export async function startOAuthServer(db: Db, options: { clock?: Clock; routes?: Record<string, Route>; masterKey?: Buffer } = {}): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const masterKey = options.masterKey ?? randomBytes(32);
  let oauth: OAuthServer | undefined;
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = Object.entries(options.routes ?? {}).find(([prefix]) => path.startsWith(prefix))?.[1];
    const handle = async (): Promise<void> => {
      if (!oauth) throw new Error('not ready');
      if (oauth.handles(path)) return oauth.callback(req, res);
      if (route) return route(req, res, oauth);
      res.statusCode = 404;
      res.end('not found');
    };
    handle().catch((error: unknown) => {
      res.statusCode = (error as { status?: number }).status ?? 500;
      res.end(JSON.stringify({ error: (error as Error).message, code: (error as { code?: string }).code }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await ensureSigningKeys({ db, clock, masterKey });
  oauth = await createOAuthServer({ db, clock, masterKey, config: authConfig(url), onServerError: (error) => console.error('provider server error', error) });
  return {
    url,
    oauth,
    masterKey,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POST a form to the token endpoint. */
export async function tokenRequest(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export const basicAuth = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** A master key for tests that seal secrets (never used outside tests). */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7);

/** The session of a password sign-in that must not have needed a second factor. */
export function sessionOf<T extends { status: string }>(result: T): Extract<T, { status: 'signedIn' }>['session' & keyof Extract<T, { status: 'signedIn' }>] {
  if (result.status !== 'signedIn') throw new Error(`expected a completed sign-in, got ${result.status}`);
  return (result as unknown as { session: never }).session;
}
