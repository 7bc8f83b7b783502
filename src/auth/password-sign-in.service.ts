import { dummyPasswordHash, hashPassword, passwordProblem, verifyPassword } from '#src/core/password.ts';
import { appendAudit, appendSignInLog, SIGN_IN_ERROR_CODES, type AuditInput } from '#src/audit/index.ts';
import { findUserRow, verifiedDomains, type DirDb, type UserRow } from '#src/directory/index.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import { deviceDetailFromUserAgent } from '#src/policy/index.ts';
import type { AuthDeps } from './auth.deps.ts';
import { authError } from './auth.errors.ts';
import { revokeSession, type NewSession } from './sessions.service.ts';
import { alertIfEmergencyAccess, type AlertEffects } from './emergency-access.service.ts';
import { settleSignIn, signInWithin, type PendingView, type SignInOutcome, type SignInPipelineDeps } from './sign-in-pipeline.ts';
import { PORTAL_APP_ID as GATEHOUSE_PORTAL_APP_ID } from './conditional-access.applications.ts';
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
  /** Where the browser goes once signed in (a path on this server), kept across a second-factor step. */
  returnTo?: string | null;
}

export type PasswordSignInResult =
  | {
      status: 'signedIn';
      session: NewSession;
      /** False when Conditional Access says the browser must not keep the session (persistentBrowser never). */
      persistent: boolean;
      user: { id: string; displayName: string; userPrincipalName: string };
      /** The administrator asked for a new password at next sign-in: send the user to change it. */
      passwordChangeRequired: boolean;
    }
  | {
      /** Conditional Access (or the per-user MFA state) wants a second factor: continue with the pending sign-in. */
      status: 'mfaRequired';
      pending: { cookieValue: string; view: PendingView };
      user: { id: string; displayName: string; userPrincipalName: string };
      passwordChangeRequired: false;
    };

export interface PasswordSignInDeps extends SignInPipelineDeps {
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
  userName: string;
  /** The user name as typed (trimmed, lower case, no domain added). */
  typed: string;
  returnTo: string | null;
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

/**
 * The password was right: give the attempt back, set a new password first if given, and run the sign-in
 * pipeline (Conditional Access, second factor, session, sign-in log) in the same transaction.
 */
async function succeed(deps: PasswordSignInDeps, attempt: Attempt, user: UserRow, newPasswordHash?: string): Promise<SignInOutcome> {
  const step = await inTransaction(deps.db, async (trx) => {
    await recordSuccess(trx, attempt.accountKey, attempt.addressKey);
    // A new password (forced change) is applied by the pipeline only when this sign-in completes: never for a
    // blocked one, and after the second factor when one is required. Setting it ends every other session.
    return signInWithin(trx, deps, { userId: user.id, method: 'password', ipAddress: attempt.ipAddress, userAgent: attempt.userAgent, returnTo: attempt.returnTo, ...(newPasswordHash ? { newPasswordHash } : {}) });
  });
  return settleSignIn(deps, step);
}

/** Audit the failure, and lock the account or address that reached its limit (each lockout audited). */
async function fail(deps: PasswordSignInDeps, attempt: Attempt, outcome: Extract<Outcome, { ok: false }>): Promise<AlertEffects> {
  const { policy } = attempt;
  const now = deps.clock.now();
  return inTransaction(deps.db, async (trx) => {
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
    return logFailure(trx, deps, attempt, outcome);
  });
}

const FAILURE_CODES = {
  unknownUser: SIGN_IN_ERROR_CODES.invalidCredentials.code,
  noPassword: SIGN_IN_ERROR_CODES.invalidCredentials.code,
  wrongPassword: SIGN_IN_ERROR_CODES.invalidCredentials.code,
  disabled: SIGN_IN_ERROR_CODES.accountDisabled.code,
  locked: SIGN_IN_ERROR_CODES.accountLocked.code,
} as const;

/**
 * The sign-in log entry of a refused password, and the critical alert when the account is an emergency-access
 * one. An unknown user name is logged as typed only when it looks like a user name (people type passwords into
 * the user name field).
 */
async function logFailure(trx: Db, deps: PasswordSignInDeps, attempt: Attempt, outcome: { user?: UserRow; reason: keyof typeof FAILURE_CODES }): Promise<AlertEffects> {
  const user = outcome.user;
  await appendSignInLog(trx, deps.clock, {
    userId: user?.id ?? null,
    userPrincipalName: user?.user_principal_name ?? (await typedUserName(trx, attempt)),
    userDisplayName: user?.display_name ?? null,
    userType: user ? (user.user_type === 'Guest' ? 'guest' : 'member') : null,
    appId: GATEHOUSE_PORTAL_APP_ID,
    appDisplayName: 'Gatehouse portal',
    ipAddress: attempt.ipAddress,
    clientAppUsed: 'Browser',
    isInteractive: true,
    homeTenantId: null,
    resourceTenantId: null,
    status: { errorCode: FAILURE_CODES[outcome.reason] },
    conditionalAccessStatus: 'notApplied',
    authenticationRequirement: 'singleFactorAuthentication',
    authenticationDetails: [{ authenticationMethod: 'Password', succeeded: false, authenticationStepDateTime: deps.clock.now() }],
    deviceDetail: deviceDetailFromUserAgent(attempt.userAgent),
  });
  if (!user) return { mailIds: [], alertIds: [] };
  return alertIfEmergencyAccess(trx, { ...deps, publicUrl: deps.config.publicUrl }, {
    kind: 'signInFailed',
    user,
    details: { reason: outcome.reason === 'locked' ? 'sign-in locked after too many failures' : 'wrong password or account disabled', ipAddress: attempt.ipAddress, userAgent: attempt.userAgent },
  });
}

/**
 * What the log shows for a name that matched no account: the name as typed only when it was typed with one of the
 * tenant's verified domains (a real-looking user name); anything else may be a password typed into the wrong field.
 */
async function typedUserName(db: Db, attempt: Attempt): Promise<string> {
  const at = attempt.typed.lastIndexOf('@');
  if (at <= 0 || !/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(attempt.typed)) return '(not a user name)';
  const domains = (await verifiedDomains(db as DirDb)).map((domain) => domain.toLowerCase());
  return domains.includes(attempt.typed.slice(at + 1)) ? attempt.typed : '(not a user name)';
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
    userName,
    typed: input.userName.trim().toLowerCase().slice(0, MAX_INPUT),
    returnTo: input.returnTo ?? null,
  };
  try {
    await reserve(deps, attempt, deps.clock.now());
  } catch (error) {
    const effects = await inTransaction(deps.db, async (trx) => logFailure(trx, deps, attempt, { user: userName.includes('@') ? await findUserRow(trx as DirDb, userName) : undefined, reason: 'locked' }));
    deps.notify?.(effects);
    throw error;
  }
  const outcome = await checkPassword(deps, userName, input.password);
  if (!outcome.ok) {
    // Not inside `notify?.(…)`: an optional call skips evaluating its arguments when there is no notifier.
    const effects = await fail(deps, attempt, outcome);
    deps.notify?.(effects);
    throw authError('INVALID_CREDENTIALS', INVALID_CREDENTIALS_MESSAGE);
  }
  const user = outcome.user;
  const newPasswordHash = await newPasswordFor(deps, attempt, user, input);
  const result = await succeed(deps, attempt, user, newPasswordHash);
  const summary = { id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name };
  if (result.status === 'mfaRequired') return { status: 'mfaRequired', pending: { cookieValue: result.cookieValue, view: result.view }, user: summary, passwordChangeRequired: false };
  if (input.previousCookieValue) await revokeSession(deps, input.previousCookieValue, { ipAddress: attempt.ipAddress });
  return {
    status: 'signedIn',
    session: result.session,
    persistent: result.persistent,
    user: summary,
    passwordChangeRequired: user.password_change_required && newPasswordHash === undefined,
  };
}

/**
 * A user whose password must change (forceChangePasswordNextSignIn) gets no session until they send a new one
 * with their current credentials; the new password must follow the rules and differ from the current one.
 */
async function newPasswordFor(deps: PasswordSignInDeps, attempt: Attempt, user: UserRow, input: PasswordSignInInput): Promise<string | undefined> {
  if (input.newPassword === undefined) {
    if (!user.password_change_required) return undefined;
    await giveBack(deps, attempt, user, 'password accepted; a new password must be chosen first');
    throw authError('PASSWORD_CHANGE_REQUIRED', 'Your password has expired or was set by an administrator: choose a new password to sign in.');
  }
  const problem = passwordProblem(input.newPassword) ?? (input.newPassword === input.password ? 'it must differ from the current password' : undefined);
  if (problem) {
    await giveBack(deps, attempt, user, 'password accepted; the new password was refused');
    throw authError('PASSWORD_REJECTED', `New password: ${problem}.`);
  }
  return hashPassword(input.newPassword);
}

/**
 * The credentials were right but the sign-in stops here (a new password is needed first): give the attempt back,
 * and for an emergency-access account raise the alert every use of it raises.
 */
async function giveBack(deps: PasswordSignInDeps, attempt: Attempt, user: UserRow, reason: string): Promise<void> {
  const effects = await inTransaction(deps.db, async (trx) => {
    await recordSuccess(trx, attempt.accountKey, attempt.addressKey);
    return alertIfEmergencyAccess(trx, { ...deps, publicUrl: deps.config.publicUrl }, { kind: 'signInInterrupted', user, details: { reason, ipAddress: attempt.ipAddress, userAgent: attempt.userAgent } });
  });
  deps.notify?.(effects);
}
