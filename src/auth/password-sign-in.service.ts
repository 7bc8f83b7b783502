import { dummyPasswordHash, hashPassword, passwordProblem, verifyPassword } from '#src/core/password.ts';
import { appendAudit, type AuditInput } from '#src/audit/index.ts';
import { findUserRow, recordSignIn, setPasswordHash, verifiedDomains, type DirDb, type UserRow } from '#src/directory/index.ts';
import { inTransaction } from '#src/store/index.ts';
import type { AuthDeps } from './auth.deps.ts';
import { authError } from './auth.errors.ts';
import { createSession, revokeSession, type NewSession } from './sessions.service.ts';
import { defaultThrottlePolicy, recordFailure, recordSuccess, reserveAttempt, type ThrottlePolicy } from './sign-in-throttle.ts';

export interface PasswordSignInInput {
  /** userPrincipalName; a bare alias is completed with the tenant's initial domain. */
  userName: string;
  password: string;
  ipAddress?: string | null;
  userAgent?: string | null;
  /** The session cookie the browser already had, revoked so every sign-in gets a new id. */
  previousCookieValue?: string;
  /** Change the password as part of this sign-in (required when the account must change its password). */
  newPassword?: string;
}

export interface PasswordSignInResult {
  session: NewSession;
  user: { id: string; displayName: string; userPrincipalName: string };
  /** The administrator asked for a new password at next sign-in: send the user to change it. */
  passwordChangeRequired: boolean;
}

export interface PasswordSignInDeps extends AuthDeps {
  throttle?: ThrottlePolicy;
}

/** The one message for every refused credential, so the answer never tells which accounts exist or are disabled. */
export const INVALID_CREDENTIALS_MESSAGE = 'The user name or password is incorrect.';
/** Inputs longer than this are refused without hashing (Argon2 cost is per byte). */
const MAX_INPUT = 1024;

async function normalizeUserName(deps: AuthDeps, userName: string): Promise<string> {
  const trimmed = userName.trim().toLowerCase().slice(0, MAX_INPUT);
  if (trimmed.includes('@') || trimmed === '') return trimmed;
  const [domain] = await verifiedDomains(deps.db as DirDb);
  return domain ? `${trimmed}@${domain}` : trimmed;
}

type Outcome = { ok: true; user: UserRow } | { ok: false; user?: UserRow; reason: 'unknownUser' | 'disabled' | 'noPassword' | 'wrongPassword' };

async function checkPassword(deps: AuthDeps, userName: string, password: string): Promise<Outcome> {
  // Ids are not user names: a UUID typed as user name must not find the account by id.
  const user = userName.includes('@') ? await findUserRow(deps.db as DirDb, userName) : undefined;
  const hash = user?.password_hash ?? (await dummyPasswordHash());
  // Always verify, so the time taken does not reveal whether the account exists or has a password.
  const verified = password.length <= MAX_INPUT && (await verifyPassword(hash, password));
  if (!user) return { ok: false, reason: 'unknownUser' };
  if (!user.password_hash) return { ok: false, user, reason: 'noPassword' };
  if (!verified) return { ok: false, user, reason: 'wrongPassword' };
  if (!user.account_enabled) return { ok: false, user, reason: 'disabled' };
  return { ok: true, user };
}

const userTarget = (user: UserRow) => ({ id: user.id, type: 'User', displayName: user.display_name, userPrincipalName: user.user_principal_name });

interface Attempt {
  accountKey: string;
  addressKey: string | undefined;
  policy: ThrottlePolicy;
  ipAddress: string | null;
  userAgent: string | null;
}

class AddressLocked extends Error {
  constructor(readonly retryAt: Date) {
    super('address locked');
  }
}

/** Count the attempt against the account and the address, or throw SIGN_IN_LOCKED (counting nothing). */
async function reserve(deps: AuthDeps, attempt: Attempt, now: Date): Promise<void> {
  const { policy } = attempt;
  const refused = await inTransaction(deps.db, async (trx) => {
    const account = await reserveAttempt(trx, attempt.accountKey, policy.accountFailures, now, policy);
    if (!account.ok) return account.retryAt;
    if (attempt.addressKey) {
      const address = await reserveAttempt(trx, attempt.addressKey, policy.addressFailures, now, policy);
      // Throwing rolls the account reservation back: a refused attempt is not counted.
      if (!address.ok) throw new AddressLocked(address.retryAt);
    }
    return undefined;
  }).catch((error: unknown) => {
    if (error instanceof AddressLocked) return error.retryAt;
    throw error;
  });
  if (refused) {
    const minutes = Math.max(1, Math.ceil((refused.getTime() - now.getTime()) / 60_000));
    throw authError('SIGN_IN_LOCKED', `Too many failed sign-in attempts. Sign-in is locked for this account or network; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
  }
}

/** Open the session, record and audit the sign-in, give the attempt back; set a new password first if given. */
async function succeed(deps: AuthDeps, attempt: Attempt, user: UserRow, newPasswordHash?: string): Promise<NewSession> {
  const now = deps.clock.now();
  return inTransaction(deps.db, async (trx) => {
    await recordSuccess(trx, attempt.accountKey, attempt.addressKey);
    if (newPasswordHash) {
      // Ends every other session of the user; the one opened below is the only one left.
      const actor = { kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, ipAddress: attempt.ipAddress } as const;
      await setPasswordHash({ db: trx as DirDb, clock: deps.clock }, actor, user.id, newPasswordHash, trx as DirDb);
    }
    const session = await createSession(trx, deps, user.id, attempt);
    await recordSignIn(trx as DirDb, user.id, now, true);
    await appendAudit(trx, deps.clock, {
      event: 'auth.signedIn',
      actor: { kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, ipAddress: attempt.ipAddress },
      targets: [userTarget(user)],
      details: { method: 'password', ipAddress: attempt.ipAddress, userAgent: attempt.userAgent },
    });
    return session;
  });
}

/** Audit the failure, and lock the account or address that reached its limit (each lockout audited). */
async function fail(deps: AuthDeps, attempt: Attempt, outcome: Extract<Outcome, { ok: false }>): Promise<void> {
  const { policy } = attempt;
  const now = deps.clock.now();
  await inTransaction(deps.db, async (trx) => {
    const events: AuditInput[] = [
      {
        event: 'auth.signInFailed',
        actor: { kind: 'system' },
        targets: outcome.user ? [userTarget(outcome.user)] : [],
        result: 'failure',
        resultReason: INVALID_CREDENTIALS_MESSAGE,
        // An unknown user name is not recorded: people type passwords into the user name field.
        details: { method: 'password', reason: outcome.reason, ipAddress: attempt.ipAddress, userAgent: attempt.userAgent },
      },
    ];
    const limits: [string, number, 'account' | 'address'][] = [[attempt.accountKey, policy.accountFailures, 'account']];
    if (attempt.addressKey) limits.push([attempt.addressKey, policy.addressFailures, 'address']);
    for (const [key, limit, scope] of limits) {
      const result = await recordFailure(trx, key, limit, now, policy);
      if (!result.lockedUntil) continue;
      events.push({
        event: 'auth.lockedOut',
        actor: { kind: 'system' },
        targets: scope === 'account' && outcome.user ? [userTarget(outcome.user)] : [],
        result: 'failure',
        resultReason: `${result.failures} failed sign-in attempts within ${policy.windowMinutes} minutes`,
        details: { scope, ipAddress: attempt.ipAddress, failures: result.failures, lockedUntil: result.lockedUntil.toISOString() },
      });
    }
    await appendAudit(trx, deps.clock, events);
  });
}

/**
 * Local password sign-in to the portal. Counts the attempt against the account and the source address first
 * (locked for `lockMinutes` after too many failures; every lockout audited), verifies the Argon2id hash, and on
 * success opens a new browser session, records the sign-in and audits it. Wrong password, unknown user, disabled
 * account and an account without a password all get INVALID_CREDENTIALS with the same message. The password is
 * never logged or audited.
 */
export async function signInWithPassword(deps: PasswordSignInDeps, input: PasswordSignInInput): Promise<PasswordSignInResult> {
  const userName = await normalizeUserName(deps, input.userName);
  const attempt: Attempt = {
    accountKey: `account:${userName}`,
    addressKey: input.ipAddress ? `address:${input.ipAddress}` : undefined,
    policy: deps.throttle ?? defaultThrottlePolicy,
    ipAddress: input.ipAddress ?? null,
    userAgent: input.userAgent ? input.userAgent.slice(0, 512) : null,
  };
  await reserve(deps, attempt, deps.clock.now());
  const outcome = await checkPassword(deps, userName, input.password);
  if (!outcome.ok) {
    await fail(deps, attempt, outcome);
    throw authError('INVALID_CREDENTIALS', INVALID_CREDENTIALS_MESSAGE);
  }
  const user = outcome.user;
  const newPasswordHash = await newPasswordFor(deps, attempt, user, input);
  const session = await succeed(deps, attempt, user, newPasswordHash);
  if (input.previousCookieValue) await revokeSession(deps, input.previousCookieValue, { ipAddress: attempt.ipAddress });
  return {
    session,
    user: { id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name },
    passwordChangeRequired: user.password_change_required && newPasswordHash === undefined,
  };
}

/**
 * A user whose password must change (forceChangePasswordNextSignIn) gets no session until they send a new one
 * with their current credentials; the new password must follow the rules and differ from the current one.
 */
async function newPasswordFor(deps: AuthDeps, attempt: Attempt, user: UserRow, input: PasswordSignInInput): Promise<string | undefined> {
  if (input.newPassword === undefined) {
    if (!user.password_change_required) return undefined;
    await inTransaction(deps.db, (trx) => recordSuccess(trx, attempt.accountKey, attempt.addressKey));
    throw authError('PASSWORD_CHANGE_REQUIRED', 'Your password has expired or was set by an administrator: choose a new password to sign in.');
  }
  const problem = passwordProblem(input.newPassword) ?? (input.newPassword === input.password ? 'it must differ from the current password' : undefined);
  if (problem) {
    // The credentials were right: give the attempt back before refusing the new password.
    await inTransaction(deps.db, (trx) => recordSuccess(trx, attempt.accountKey, attempt.addressKey));
    throw authError('PASSWORD_REJECTED', `New password: ${problem}.`);
  }
  return hashPassword(input.newPassword);
}
