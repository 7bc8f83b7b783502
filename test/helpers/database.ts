import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import { connectDatabase, migrateToLatest, startEmbeddedPostgres, type Db, type EmbeddedPostgres } from '#src/store/index.ts';

/**
 * Tests run against real PostgreSQL: the bundled server (always) and the machine's PostgreSQL when
 * GATEHOUSE_TEST_DATABASE_URL is set (CI sets it). Each test suite creates its own database and drops it after,
 * so runs never collide.
 */
export type Backend = 'bundled' | 'external';

export interface TestDatabase {
  backend: Backend;
  db: Db;
  pool: pg.Pool;
  connection: pg.ClientConfig;
  name: string;
  drop(): Promise<void>;
}

const externalUrl = process.env.GATEHOUSE_TEST_DATABASE_URL;

/** Every backend available in this run. */
export const backends = (): Backend[] => (externalUrl ? ['bundled', 'external'] : ['bundled']);
/** The backend for tests that are not about storage: the external one when present (cheaper to create). */
export const defaultBackend = (): Backend => (externalUrl ? 'external' : 'bundled');

let cluster: { pg: EmbeddedPostgres; dir: string; users: number } | undefined;
let clusterStarting: Promise<NonNullable<typeof cluster>> | undefined;

async function bundledCluster(): Promise<NonNullable<typeof cluster>> {
  if (cluster) return cluster;
  clusterStarting ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ghpg-'));
    const started = await startEmbeddedPostgres({ dataDir: dir });
    cluster = { pg: started, dir, users: 0 };
    return cluster;
  })();
  return clusterStarting;
}

async function releaseCluster(): Promise<void> {
  if (!cluster) return;
  cluster.users -= 1;
  if (cluster.users > 0) return;
  const { pg: server, dir } = cluster;
  cluster = undefined;
  clusterStarting = undefined;
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

/** A new, migrated, empty database on the given backend. */
export async function createTestDatabase(backend: Backend, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  let admin: pg.ClientConfig;
  if (backend === 'external') {
    if (!externalUrl) throw new Error('GATEHOUSE_TEST_DATABASE_URL is not set');
    admin = { connectionString: externalUrl };
  } else {
    const c = await bundledCluster();
    c.users += 1;
    admin = { ...c.pg.connection, database: 'postgres' };
  }
  const client = new pg.Client(admin);
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();

  const connection: pg.ClientConfig =
    backend === 'external' ? { connectionString: withDatabase(externalUrl as string, name) } : { ...admin, database: name };
  const { db, pool } = connectDatabase(connection, 10);
  if (options.migrate !== false) await migrateToLatest(db);
  return {
    backend,
    db,
    pool,
    connection,
    name,
    async drop() {
      await db.destroy();
      const dropper = new pg.Client(admin);
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
      if (backend === 'bundled') await releaseCluster();
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Declare a suite once per backend. `ctx` is filled before the suite's tests run and dropped after.
 */
export function describeEachBackend(name: string, body: (ctx: TestDatabase) => void, backendList: Backend[] = backends()): void {
  for (const backend of backendList) {
    describe(`${name} [${backend}]`, () => {
      const ctx = {} as TestDatabase;
      before(async () => {
        Object.assign(ctx, await createTestDatabase(backend));
      });
      after(async () => {
        await ctx.drop?.();
      });
      body(ctx);
    });
  }
}
