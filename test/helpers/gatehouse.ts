import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type OptionKey } from '#src/config/index.ts';
import { createLogger } from '#src/core/logger.ts';
import { startGatehouse, type RunningGatehouse } from '#src/main.ts';
import {
  addPassword,
  createApplication,
  createServicePrincipal,
  graphResource,
  grantAppRole,
  permissions,
  type Permission,
} from '#src/directory/index.ts';
import { systemClock, type Clock } from '#src/core/clock.ts';
import { selfSignedCertificate } from './certificates.ts';
import { createTestDatabase, defaultBackend, type TestDatabase } from './database.ts';

/**
 * A whole Gatehouse node for HTTP and end-to-end tests: a fresh database, a temp data directory, an ephemeral
 * port on loopback. `appToken` registers an application with the given application permissions and gets a token
 * from Gatehouse's own token endpoint, as a script would.
 */
export interface TestGatehouse {
  gatehouse: RunningGatehouse;
  url: string;
  database: TestDatabase;
  /** The node's DATABASE_URL, for processes that open the same database (the CLI's maintenance commands). */
  connectionString: string;
  dataDir: string;
  appToken(granted: Permission[]): Promise<string>;
  registerApp(granted: Permission[]): Promise<{ clientId: string; clientSecret: string }>;
  stop(): Promise<void>;
}

export interface TestGatehouseOptions {
  /** Another node's database: this node joins it (and does not drop it when it stops). */
  shareDatabaseOf?: TestGatehouse;
  /** Serve HTTPS with a fresh self-signed certificate for localhost. */
  tls?: boolean;
  /** Where the node logs (default: nowhere). */
  logger?: Logger;
  /** The node's clock (default: the system clock), e.g. one a test moves forward. */
  clock?: Clock;
}

export async function startTestGatehouse(
  overrides: Partial<Record<OptionKey, string | number | boolean>> = {},
  options: TestGatehouseOptions = {},
): Promise<TestGatehouse> {
  const database = options.shareDatabaseOf?.database ?? (await createTestDatabase(defaultBackend(), { migrate: false }));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ghtest-'));
  const tlsFiles: Record<string, string> = {};
  if (options.tls) {
    const { cert, key } = selfSignedCertificate('localhost', { hostnames: ['localhost', '127.0.0.1'] });
    tlsFiles.tlsCertFile = path.join(dataDir, 'tls-cert.pem');
    tlsFiles.tlsKeyFile = path.join(dataDir, 'tls-key.pem');
    await writeFile(tlsFiles.tlsCertFile, cert);
    await writeFile(tlsFiles.tlsKeyFile, key, { mode: 0o600 });
  }
  const connectionString =
    typeof database.connection.connectionString === 'string'
      ? database.connection.connectionString
      : `postgres://${database.connection.user}:${encodeURIComponent(String(database.connection.password))}@localhost/${database.name}?host=${encodeURIComponent(String(database.connection.host))}`;
  // publicUrl is the OAuth issuer, so it must name the real port: choose a free one first.
  const port = await freePort();
  const url = `${options.tls ? 'https' : 'http'}://localhost:${port}`;
  const config = loadConfig({
    env: {},
    cwd: dataDir,
    overrides: { dataDir, databaseUrl: connectionString, httpHost: '127.0.0.1', httpPort: port, publicUrl: url, logLevel: 'silent', environment: 'development', ...tlsFiles, ...overrides },
  });
  let gatehouse: RunningGatehouse;
  try {
    gatehouse = await startGatehouse(config, { logger: options.logger ?? createLogger('silent'), announce: () => undefined, ...(options.clock ? { clock: options.clock } : {}) });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    if (!options.shareDatabaseOf) await database.drop();
    throw error;
  }
  const deps = { db: gatehouse.database.db, clock: systemClock };
  const system = { kind: 'system' } as const;

  const registerApp = async (granted: Permission[]) => {
    const app = await createApplication(deps, system, { displayName: `test app ${granted.join(' ')}` });
    const sp = await createServicePrincipal(deps, system, app.appId);
    const graph = await graphResource(deps.db);
    for (const name of granted) await grantAppRole(deps, system, { principalId: sp.id, resourceId: graph.id, appRoleId: permissions[name].id });
    const secret = await addPassword(deps, system, app.id);
    return { clientId: app.appId, clientSecret: secret.secretText as string };
  };

  return {
    gatehouse,
    url,
    database,
    connectionString,
    dataDir,
    registerApp,
    async appToken(granted) {
      const { clientId, clientSecret } = await registerApp(granted);
      const response = await fetch(`${url}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://graph.microsoft.com/.default' }),
      });
      const body = (await response.json()) as { access_token?: string; error_description?: string };
      if (!body.access_token) throw new Error(`token request failed: ${body.error_description ?? response.status}`);
      return body.access_token;
    },
    async stop() {
      await gatehouse.close();
      if (!options.shareDatabaseOf) await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on right now (loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
