import type { Db } from '#src/store/index.ts';
import type { AuthDb } from './auth.tables.ts';

/**
 * Failed sign-in counting, per account and per source address, in the database so the limits hold across nodes.
 * An attempt is counted *before* the password is checked (and given back if it succeeds), so parallel requests
 * cannot get more than `limit` guesses through before the lock engages.
 */
export interface ThrottlePolicy {
  /** Failures per account name within the window before it is locked. */
  accountFailures: number;
  /** Failures per source address within the window before it is locked. */
  addressFailures: number;
  windowMinutes: number;
  lockMinutes: number;
}

export const defaultThrottlePolicy: ThrottlePolicy = { accountFailures: 5, addressFailures: 20, windowMinutes: 15, lockMinutes: 15 };

export type Reservation = { ok: true } | { ok: false; retryAt: Date };

async function lockRow(trx: AuthDb, key: string, now: Date) {
  await trx.insertInto('sign_in_throttle').values({ key, failures: 0, window_started_at: now, locked_until: null }).onConflict((oc) => oc.column('key').doNothing()).execute();
  return trx.selectFrom('sign_in_throttle').selectAll().where('key', '=', key).forUpdate().executeTakeFirstOrThrow();
}

/** Count one attempt against `key` unless it is locked or already has `limit` attempts in flight or failed. */
export async function reserveAttempt(trx: Db, key: string, limit: number, now: Date, policy: ThrottlePolicy): Promise<Reservation> {
  const db = trx as AuthDb;
  const row = await lockRow(db, key, now);
  if (row.locked_until && row.locked_until.getTime() > now.getTime()) return { ok: false, retryAt: row.locked_until };
  const windowMs = policy.windowMinutes * 60_000;
  const fresh = now.getTime() - row.window_started_at.getTime() >= windowMs;
  const failures = fresh ? 0 : row.failures;
  const windowStart = fresh ? now : row.window_started_at;
  if (failures >= limit) return { ok: false, retryAt: new Date(windowStart.getTime() + windowMs) };
  await db.updateTable('sign_in_throttle').set({ failures: failures + 1, window_started_at: windowStart, locked_until: null }).where('key', '=', key).execute();
  return { ok: true };
}

/** The reserved attempt failed: lock the key when it reached `limit`. Returns the lock end when this call locked it. */
export async function recordFailure(trx: Db, key: string, limit: number, now: Date, policy: ThrottlePolicy): Promise<{ lockedUntil?: Date; failures: number }> {
  const db = trx as AuthDb;
  const row = await lockRow(db, key, now);
  const alreadyLocked = row.locked_until !== null && row.locked_until.getTime() > now.getTime();
  if (row.failures < limit || alreadyLocked) return { failures: row.failures };
  const lockedUntil = new Date(now.getTime() + policy.lockMinutes * 60_000);
  await db.updateTable('sign_in_throttle').set({ locked_until: lockedUntil }).where('key', '=', key).execute();
  return { lockedUntil, failures: row.failures };
}

/** The reserved attempt succeeded: an account starts afresh; an address only gets its attempt back. */
export async function recordSuccess(trx: Db, accountKey: string, addressKey: string | undefined): Promise<void> {
  const db = trx as AuthDb;
  await db.deleteFrom('sign_in_throttle').where('key', '=', accountKey).execute();
  if (addressKey) {
    await db
      .updateTable('sign_in_throttle')
      .set((eb) => ({ failures: eb.fn('greatest', [eb('failures', '-', 1), eb.lit(0)]) }))
      .where('key', '=', addressKey)
      .execute();
  }
}

/** Delete counters whose window and lock are long over. Idempotent; run it on a schedule. */
export async function sweepSignInThrottle(db: Db, now: Date, policy: ThrottlePolicy = defaultThrottlePolicy): Promise<number> {
  const cutoff = new Date(now.getTime() - Math.max(policy.windowMinutes, policy.lockMinutes) * 60_000 - 3_600_000);
  const result = await (db as AuthDb)
    .deleteFrom('sign_in_throttle')
    .where('window_started_at', '<', cutoff)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', cutoff)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
