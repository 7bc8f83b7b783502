import { appendAudit, type AuditInput } from '#src/audit/index.ts';
import type { UserRow } from '#src/directory/index.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import type { MfaDeps } from './mfa-deps.ts';
import { userTarget } from './mfa-deps.ts';
import { defaultThrottlePolicy, recordFailure, recordSuccess, reserveAttempt } from './sign-in-throttle.ts';

export type SecondFactor = 'softwareOath' | 'recoveryCode' | 'fido2';

/** What a check decided: accepted (with the audit events of its changes), or refused with the reason. */
export type CheckOutcome = { ok: true; events?: AuditInput[] } | { ok: false; reason: string };

/** The throttle key of a user's second factors: every kind counts against the same limit. */
export const mfaThrottleKey = (userId: string): string => `mfa:${userId}`;

/**
 * Run one second-factor check under the per-user MFA throttle, in one transaction: the attempt is counted before the
 * check (so parallel guesses cannot get past the limit), given back when it succeeds, and a refusal is audited and
 * locks the user's second factors for `lockMinutes` once `accountFailures` are reached (the lockout audited as for
 * passwords). Throws SIGN_IN_LOCKED, counting nothing, while locked. The throttle row lock also serializes checks of
 * one user, which makes "a time step or counter is used once" hold across nodes.
 */
export async function throttledCheck(deps: MfaDeps, user: UserRow, factor: SecondFactor, check: (trx: Db) => Promise<CheckOutcome>): Promise<boolean> {
  const policy = deps.throttle ?? defaultThrottlePolicy;
  const key = mfaThrottleKey(user.id);
  const now = deps.clock.now();
  return inTransaction(deps.db, async (trx) => {
    const reservation = await reserveAttempt(trx, key, policy.accountFailures, now, policy);
    if (!reservation.ok) {
      const minutes = Math.max(1, Math.ceil((reservation.retryAt.getTime() - now.getTime()) / 60_000));
      throw authError('SIGN_IN_LOCKED', `Too many wrong second-factor attempts. Verification is locked for this account; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
    }
    const outcome = await check(trx);
    if (outcome.ok) {
      await recordSuccess(trx, key, undefined);
      if (outcome.events?.length) await appendAudit(trx, deps.clock, outcome.events);
      return true;
    }
    const events: AuditInput[] = [
      {
        event: 'mfa.verificationFailed',
        actor: { kind: 'system' },
        targets: [userTarget(user)],
        result: 'failure',
        resultReason: outcome.reason,
        details: { method: factor },
      },
    ];
    const failure = await recordFailure(trx, key, policy.accountFailures, now, policy);
    if (failure.lockedUntil) {
      events.push({
        event: 'auth.lockedOut',
        actor: { kind: 'system' },
        targets: [userTarget(user)],
        result: 'failure',
        resultReason: `${failure.failures} failed second-factor attempts within ${policy.windowMinutes} minutes`,
        details: { scope: 'mfa', failures: failure.failures, lockedUntil: failure.lockedUntil.toISOString() },
      });
    }
    await appendAudit(trx, deps.clock, events);
    return false;
  });
}
