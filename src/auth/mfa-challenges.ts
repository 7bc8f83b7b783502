import { newId } from '#src/core/crypto.ts';
import type { Db } from '#src/store/index.ts';
import type { MfaChallengePurpose, MfaDb } from './mfa-methods.tables.ts';

/**
 * Server-side state of an enrolment or WebAuthn ceremony: one outstanding per user and purpose (a new one replaces
 * the old), valid for `ttlMs`, consumed on use. Kept in the database so any node can finish what another began.
 */
export async function putChallenge(trx: Db, userId: string, purpose: MfaChallengePurpose, value: string, now: Date, ttlMs: number): Promise<{ id: string; expiresAt: Date }> {
  const id = newId();
  const expiresAt = new Date(now.getTime() + ttlMs);
  await (trx as MfaDb)
    .insertInto('mfa_challenges')
    .values({ user_id: userId, purpose, id, value, created_at: now, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['user_id', 'purpose']).doUpdateSet({ id, value, created_at: now, expires_at: expiresAt }))
    .execute();
  return { id, expiresAt };
}

/** The outstanding, unexpired challenge (locked until the transaction ends), optionally only if it has this id. */
export async function findChallenge(trx: Db, userId: string, purpose: MfaChallengePurpose, now: Date, id?: string): Promise<{ id: string; value: string } | undefined> {
  let query = (trx as MfaDb)
    .selectFrom('mfa_challenges')
    .select(['id', 'value'])
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('expires_at', '>', now);
  if (id !== undefined) query = query.where('id', '=', id);
  return query.forUpdate().executeTakeFirst();
}

/** Consume the outstanding challenge: it is gone whether or not what it was for succeeds. */
export async function takeChallenge(trx: Db, userId: string, purpose: MfaChallengePurpose, now: Date): Promise<string | undefined> {
  const row = await (trx as MfaDb).deleteFrom('mfa_challenges').where('user_id', '=', userId).where('purpose', '=', purpose).returning(['value', 'expires_at']).executeTakeFirst();
  return row && row.expires_at.getTime() > now.getTime() ? row.value : undefined;
}

export async function deleteChallenge(trx: Db, userId: string, purpose: MfaChallengePurpose): Promise<void> {
  await (trx as MfaDb).deleteFrom('mfa_challenges').where('user_id', '=', userId).where('purpose', '=', purpose).execute();
}

/** Delete expired enrolments and ceremonies. Idempotent; run it on a schedule. */
export async function sweepMfaChallenges(db: Db, now: Date): Promise<number> {
  const result = await (db as MfaDb).deleteFrom('mfa_challenges').where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
