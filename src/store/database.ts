import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { runningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';

/** Every module's repositories take this (or a transaction of it); each declares its own table types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables are typed per module (`*.tables.ts`)
export type Db<Tables = any> = Kysely<Tables>;

export interface DatabaseOptions {
  /** External PostgreSQL; when absent the bundled PostgreSQL in `dataDir` is started. */
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
  onPostgresLog?: (line: string) => void;
  /** Use the bundled PostgreSQL of a Gatehouse already running on dataDir when there is one (maintenance commands). */
  attach?: boolean;
}

export interface Database {
  readonly db: Db;
  readonly pool: pg.Pool;
  /** Settings for dedicated connections (LISTEN, advisory locks) outside the pool. */
  readonly connection: pg.ClientConfig;
  readonly kind: 'bundled' | 'external';
  close(): Promise<void>;
}

// bigint (int8) and numeric arrive as strings by default; our counts and sequences fit in a double.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

/** Wrap a connection (pool + Kysely) around an already-running PostgreSQL. */
export function connectDatabase(connection: pg.ClientConfig, poolSize = 10): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({ ...connection, max: poolSize, types, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  const db: Db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}

/** Open the database: the bundled PostgreSQL (started here) or the external one named by databaseUrl. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let connection: pg.ClientConfig;
  const running = !options.databaseUrl && options.attach ? await runningEmbeddedPostgres(options.dataDir) : undefined;
  if (options.databaseUrl) {
    connection = { connectionString: options.databaseUrl };
  } else if (running) {
    connection = running;
  } else {
    embedded = await startEmbeddedPostgres({
      dataDir: options.dataDir,
      ...(options.onPostgresLog ? { onLog: options.onPostgresLog } : {}),
    });
    connection = embedded.connection;
  }
  const { db, pool } = connectDatabase(connection, options.poolSize);
  let closing: Promise<void> | undefined;
  return {
    db,
    pool,
    connection,
    kind: embedded ? 'bundled' : 'external',
    close: () => {
      closing ??= (async () => {
        await db.destroy();
        await embedded?.stop();
      })();
      return closing;
    },
  };
}
