import { sql } from 'kysely';
import type { Db } from './database.ts';

/** A cheap round trip, for readiness checks. */
export async function ping(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db);
}

/**
 * Scheduled work runs on one node at a time: `runIfLeader` takes a session-level PostgreSQL advisory lock named
 * after the job on one pooled connection, runs the job, and releases it. A node that cannot take the lock skips
 * this round; sweeps are idempotent and data-driven, so the next round (on any node) catches up.
 */
export async function runIfLeader<T>(db: Db, job: string, work: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtext(${`gatehouse:${job}`})) AS locked`.execute(conn);
    if (!rows[0]?.locked) return { ran: false } as const;
    try {
      return { ran: true, result: await work() } as const;
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${`gatehouse:${job}`}))`.execute(conn);
    }
  });
}
