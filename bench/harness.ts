import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectDatabase, migrateToLatest, startEmbeddedPostgres, type Db } from '#src/store/index.ts';

/** A fresh, migrated database on the bundled or an external PostgreSQL, for one benchmark. */
export interface BenchDatabase {
  name: 'bundled' | 'external';
  db: Db;
  connection: pg.ClientConfig;
  close(): Promise<void>;
}

export const externalUrl = (): string | undefined => process.env.GATEHOUSE_BENCH_DATABASE_URL ?? process.env.GATEHOUSE_TEST_DATABASE_URL;

export async function benchDatabases(): Promise<(() => Promise<BenchDatabase>)[]> {
  const list: (() => Promise<BenchDatabase>)[] = [
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'ghbench-'));
      const server = await startEmbeddedPostgres({ dataDir: dir });
      const { db } = connectDatabase(server.connection, 8);
      await migrateToLatest(db);
      return {
        name: 'bundled',
        db,
        connection: server.connection,
        close: async () => {
          await db.destroy();
          await server.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  ];
  const url = externalUrl();
  if (url) {
    list.push(async () => {
      const name = `gh_bench_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const target = new URL(url);
      target.pathname = `/${name}`;
      const connection = { connectionString: target.toString() };
      const { db } = connectDatabase(connection, 8);
      await migrateToLatest(db);
      return {
        name: 'external',
        db,
        connection,
        close: async () => {
          await db.destroy();
          const dropper = new pg.Client({ connectionString: url });
          await dropper.connect();
          await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await dropper.end();
        },
      };
    });
  }
  // BENCH_ONLY=bundled|external runs one of them.
  const only = process.env.BENCH_ONLY;
  return only ? list.filter((_, i) => (i === 0 ? 'bundled' : 'external') === only) : list;
}

export const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Scale factor for quick runs: BENCH_SCALE=0.1 runs a tenth of each workload. */
export const scale = (n: number): number => Math.max(1, Math.round(n * Number(process.env.BENCH_SCALE ?? '1')));

export const report = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
