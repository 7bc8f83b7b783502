import { randomToken, sha256Hex } from '#src/core/crypto.ts';
import { hashPassword, passwordProblem } from '#src/core/password.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { getUserRow, setPasswordHash, type DirDb } from '#src/directory/index.ts';
import { inTransaction } from '#src/store/index.ts';
import type { AuthDeps } from './auth.deps.ts';
import { authError } from './auth.errors.ts';
import type { AuthDb } from './auth.tables.ts';
import { revokeUserSessions } from './sessions.service.ts';

/**
 * One-time set-password links (the bootstrap administrator's first sign-in, or an administrator's reset). The
 * token is 32 random bytes, only its SHA-256 is stored, it expires after setupLinkLifetimeHours and works once.
 * Issuing a new link for a user voids the older ones.
 */
const PURPOSE = 'set-password';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** Path of the portal page that reads the token from the URL fragment (never sent to servers or logs). */
export const SET_PASSWORD_PATH = '/set-password';
export const INVALID_SETUP_LINK_MESSAGE = 'This set-password link is invalid, was already used, or has expired. Ask an administrator for a new one.';

export interface SetPasswordLink {
  /** The secret; shown once (printed or handed to the user), never stored. */
  token: string;
  /** `<publicUrl>/set-password#token=<token>`: the fragment keeps the token out of requests and logs. */
  url: string;
  expiresAt: Date;
}

export async function issueSetPasswordLink(deps: AuthDeps, actor: Actor, userId: string): Promise<SetPasswordLink> {
  const token = randomToken(32);
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.config.setupLinkLifetimeHours * 3_600_000);
  await inTransaction(deps.db, async (trx) => {
    const user = await getUserRow(trx as DirDb, userId);
    const db = trx as AuthDb;
    await db.deleteFrom('one_time_tokens').where('user_id', '=', user.id).where('purpose', '=', PURPOSE).where('used_at', 'is', null).execute();
    await db.insertInto('one_time_tokens').values({ token_hash: sha256Hex(token), user_id: user.id, purpose: PURPOSE, created_at: now, expires_at: expiresAt, used_at: null }).execute();
    await appendAudit(trx, deps.clock, {
      event: 'auth.setupLinkIssued',
      actor,
      targets: [{ id: user.id, type: 'User', displayName: user.display_name, userPrincipalName: user.user_principal_name }],
      details: { expiresAt: expiresAt.toISOString() },
    });
  });
  return { token, url: `${deps.config.publicUrl}${SET_PASSWORD_PATH}#token=${token}`, expiresAt };
}

/**
 * Set the password through a link: the password rules are checked first (a weak password does not use up the
 * link), then, in one transaction, the token is locked, checked (unknown, used and expired all give the same
 * message), marked used, the password hash stored through the directory, and the user's browser sessions ended.
 */
export async function consumeSetPasswordToken(deps: AuthDeps, token: string, newPassword: string, input: { ipAddress?: string | null } = {}): Promise<{ userId: string }> {
  const problem = passwordProblem(newPassword);
  if (problem) throw authError('PASSWORD_REJECTED', `The password was not accepted: ${problem}.`);
  if (typeof token !== 'string' || !TOKEN.test(token)) throw authError('INVALID_SETUP_LINK', INVALID_SETUP_LINK_MESSAGE);
  // Looked up by hash: the database compares digests, never the secret, so timing says nothing about it.
  const tokenHash = sha256Hex(token);
  const usable = (row: { purpose: string; used_at: Date | null; expires_at: Date } | undefined): boolean =>
    row !== undefined && row.purpose === PURPOSE && row.used_at === null && row.expires_at.getTime() > deps.clock.now().getTime();
  // A cheap check first, so unknown tokens cost no Argon2 work; the locked re-check below is the one that counts.
  const candidate = await (deps.db as AuthDb).selectFrom('one_time_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!usable(candidate)) throw authError('INVALID_SETUP_LINK', INVALID_SETUP_LINK_MESSAGE);
  const passwordHash = await hashPassword(newPassword);
  return inTransaction(deps.db, async (trx) => {
    const db = trx as AuthDb;
    const row = await db.selectFrom('one_time_tokens').selectAll().where('token_hash', '=', tokenHash).forUpdate().executeTakeFirst();
    const now = deps.clock.now();
    if (!row || !usable(row)) throw authError('INVALID_SETUP_LINK', INVALID_SETUP_LINK_MESSAGE);
    await db.updateTable('one_time_tokens').set({ used_at: now }).where('token_hash', '=', tokenHash).execute();
    const user = await getUserRow(trx as DirDb, row.user_id);
    const actor: Actor = { kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, ipAddress: input.ipAddress ?? null };
    await setPasswordHash({ db: trx as DirDb, clock: deps.clock }, actor, user.id, passwordHash, trx as DirDb);
    await revokeUserSessions(trx, deps, user.id);
    return { userId: user.id };
  });
}

/** Delete links that expired or were used more than a day ago. Idempotent; run it on a schedule. */
export async function sweepOneTimeTokens(deps: Pick<AuthDeps, 'db' | 'clock'>): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - 86_400_000);
  const result = await (deps.db as AuthDb)
    .deleteFrom('one_time_tokens')
    .where((eb) => eb.or([eb('expires_at', '<', cutoff), eb('used_at', '<', cutoff)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
