import { constantTimeEqual, randomToken, sha256Hex } from '#src/core/crypto.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { findUserRow, type DirDb } from '#src/directory/index.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import type { AuthDeps } from './auth.deps.ts';
import { authError } from './auth.errors.ts';
import type { AuthDb } from './auth.tables.ts';
import type { PipelineTables } from './sign-in-pipeline.tables.ts';

/**
 * Browser sessions of the portal. The cookie value is 32 random bytes; only its SHA-256 is stored, so a database
 * leak yields no usable session. Each session has its own CSRF token, an idle timeout (sessionIdleMinutes) and
 * an absolute one (sessionAbsoluteHours). Validation re-reads the user, so disabling the account or
 * revokeSignInSessions ends every session on the next request.
 */
export interface SessionInfo {
  userId: string;
  displayName: string;
  userPrincipalName: string;
  /** Send with every state-changing request (header or form field); check with csrfTokenMatches. */
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
  /** How the session's user authenticated (RFC 8176 values plus Gatehouse's: pwd, fed, email, otp, hwk, rc, mfa). */
  amr: string[];
  /** When the user last authenticated interactively (sign-in frequency counts from here). */
  authenticatedAt: Date;
}

export interface NewSession {
  /** The cookie value; never stored, never logged. */
  cookieValue: string;
  csrfToken: string;
  /** Absolute expiry; the idle timeout may end the session earlier. */
  expiresAt: Date;
}

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;
const hashOf = (cookieValue: string): string => sha256Hex(cookieValue);

/** How the HTTP layer should set the session cookie (`__Host-` prefix and Secure under https). */
export function sessionCookie(publicUrl: string): { name: string; httpOnly: true; secure: boolean; sameSite: 'lax'; path: '/' } {
  const secure = publicUrl.startsWith('https:');
  return { name: secure ? '__Host-gatehouse_session' : 'gatehouse_session', httpOnly: true, secure, sameSite: 'lax', path: '/' };
}

/** How a session was authenticated, and until when Conditional Access's sign-in frequency lets it live. */
export interface SessionAuthentication {
  amr?: string[];
  /** When the user authenticated; default now. */
  authenticatedAt?: Date;
  /** Sign-in frequency: the session ends here and the user signs in again. */
  reauthenticateAt?: Date | null;
  applicationId?: string | null;
}

/** Create a session inside the caller's transaction (sign-in owns it). */
export async function createSession(
  trx: Db,
  deps: AuthDeps,
  userId: string,
  input: { ipAddress?: string | null; userAgent?: string | null } & SessionAuthentication,
): Promise<NewSession> {
  const now = deps.clock.now();
  const cookieValue = randomToken(32);
  const csrfToken = randomToken(32);
  const expiresAt = new Date(now.getTime() + deps.config.sessionAbsoluteHours * 3_600_000);
  await (trx as AuthDb)
    .insertInto('browser_sessions')
    .values({
      id_hash: hashOf(cookieValue),
      user_id: userId,
      csrf_token: csrfToken,
      ip_address: input.ipAddress ?? null,
      user_agent: input.userAgent ? input.userAgent.slice(0, 512) : null,
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
      revoked_at: null,
      amr: input.amr ?? ['pwd'],
      authenticated_at: input.authenticatedAt ?? now,
      reauthenticate_at: input.reauthenticateAt ?? null,
      application_id: input.applicationId ?? null,
    })
    .execute();
  return { cookieValue, csrfToken, expiresAt };
}

/** last_seen_at is written at most this often per session, not on every request. */
const touchIntervalMs = (deps: AuthDeps): number => Math.min(60_000, (deps.config.sessionIdleMinutes * 60_000) / 4);

/** The session's user and CSRF token, or undefined when the cookie is unknown, expired, revoked or its user may not sign in. */
export async function validateSession(deps: AuthDeps, cookieValue: string | undefined): Promise<SessionInfo | undefined> {
  if (typeof cookieValue !== 'string' || !COOKIE_VALUE.test(cookieValue)) return undefined;
  const db = deps.db as AuthDb;
  const idHash = hashOf(cookieValue);
  const session = await db.selectFrom('browser_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!session || session.revoked_at) return undefined;
  const now = deps.clock.now();
  const idleMs = deps.config.sessionIdleMinutes * 60_000;
  if (now.getTime() >= session.expires_at.getTime()) return undefined;
  if (now.getTime() - session.last_seen_at.getTime() >= idleMs) return undefined;
  // Conditional Access sign-in frequency: past this point the user must sign in again.
  if (session.reauthenticate_at && now.getTime() >= session.reauthenticate_at.getTime()) return undefined;
  const user = await findUserRow(deps.db as DirDb, session.user_id);
  if (!user || !user.account_enabled) return undefined;
  if (session.created_at.getTime() < user.sign_in_sessions_valid_from.getTime()) return undefined;
  const interval = touchIntervalMs(deps);
  if (now.getTime() - session.last_seen_at.getTime() >= interval) {
    // Conditional, so concurrent requests on several nodes write once.
    await db
      .updateTable('browser_sessions')
      .set({ last_seen_at: now })
      .where('id_hash', '=', idHash)
      .where('last_seen_at', '<=', new Date(now.getTime() - interval))
      .execute();
  }
  return {
    userId: user.id,
    displayName: user.display_name,
    userPrincipalName: user.user_principal_name,
    csrfToken: session.csrf_token,
    createdAt: session.created_at,
    expiresAt: session.expires_at,
    amr: session.amr,
    authenticatedAt: session.authenticated_at ?? session.created_at,
  };
}

/** Constant-time check of a request's anti-forgery token against its session's. */
export function csrfTokenMatches(session: Pick<SessionInfo, 'csrfToken'>, presented: string | undefined | null): boolean {
  return typeof presented === 'string' && constantTimeEqual(session.csrfToken, presented);
}

/** Throw CSRF_MISMATCH unless the request carries its session's anti-forgery token. */
export function assertCsrf(session: Pick<SessionInfo, 'csrfToken'>, presented: string | undefined | null): void {
  if (!csrfTokenMatches(session, presented)) throw authError('CSRF_MISMATCH', 'The request is missing its anti-forgery token or it does not match; reload the page and try again.');
}

/** Sign out: revoke the session behind this cookie (idempotent) and audit it. */
export async function revokeSession(deps: AuthDeps, cookieValue: string | undefined, input: { ipAddress?: string | null } = {}): Promise<void> {
  if (typeof cookieValue !== 'string' || !COOKIE_VALUE.test(cookieValue)) return;
  await inTransaction(deps.db, async (trx) => {
    const revoked = await (trx as AuthDb)
      .updateTable('browser_sessions')
      .set({ revoked_at: deps.clock.now() })
      .where('id_hash', '=', hashOf(cookieValue))
      .where('revoked_at', 'is', null)
      .returning('user_id')
      .executeTakeFirst();
    if (!revoked) return;
    const user = await findUserRow(trx as DirDb, revoked.user_id);
    const actor: Actor = user
      ? { kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, ipAddress: input.ipAddress ?? null }
      : { kind: 'system' };
    await appendAudit(trx, deps.clock, {
      event: 'auth.signedOut',
      actor,
      targets: [{ id: revoked.user_id, type: 'User', displayName: user?.display_name ?? null, userPrincipalName: user?.user_principal_name ?? null }],
    });
  });
}

/** End every browser session of a user inside the caller's transaction (after a password change). */
export async function revokeUserSessions(trx: Db, deps: Pick<AuthDeps, 'clock'>, userId: string): Promise<void> {
  await (trx as AuthDb).updateTable('browser_sessions').set({ revoked_at: deps.clock.now() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  // Sign-ins still waiting for a second factor end too.
  await (trx as Db<PipelineTables>).deleteFrom('pending_sign_ins').where('user_id', '=', userId).execute();
}

/** Delete sessions that ended (expired, idle or revoked) more than a day ago. Idempotent; run it on a schedule. */
export async function sweepBrowserSessions(deps: AuthDeps): Promise<number> {
  const now = deps.clock.now();
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const idleCutoff = new Date(dayAgo.getTime() - deps.config.sessionIdleMinutes * 60_000);
  const result = await (deps.db as AuthDb)
    .deleteFrom('browser_sessions')
    .where((eb) => eb.or([eb('expires_at', '<', dayAgo), eb('revoked_at', '<', dayAgo), eb('last_seen_at', '<', idleCutoff)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
