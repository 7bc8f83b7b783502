import type { AuthDeps } from './auth.deps.ts';
import type { AuthDb } from './auth.tables.ts';
import { sweepOidcPayloads } from './oidc-adapter.ts';
import { sweepOneTimeTokens } from './one-time-tokens.service.ts';
import { sweepExternalFlows } from './external-flows.ts';
import { sweepMfaChallenges } from './mfa-challenges.ts';
import { sweepBrowserSessions } from './sessions.service.ts';
import { defaultThrottlePolicy, sweepSignInThrottle, type ThrottlePolicy } from './sign-in-throttle.ts';

/**
 * Delete auth state that can no longer be used: expired provider payloads, ended browser sessions, used or
 * expired set-password links, stale throttle counters, abandoned invitation redemptions. Data-driven and idempotent: run it from the scheduler
 * under `runIfLeader(db, 'auth-sweep', ...)`, e.g. every 15 minutes.
 */
export async function sweepAuthState(deps: AuthDeps, policy: ThrottlePolicy = defaultThrottlePolicy): Promise<Record<string, number>> {
  const now = deps.clock.now();
  return {
    oidcPayloads: await sweepOidcPayloads(deps.db as AuthDb, new Date()),
    browserSessions: await sweepBrowserSessions(deps),
    oneTimeTokens: await sweepOneTimeTokens(deps),
    signInThrottle: await sweepSignInThrottle(deps.db, now, policy),
    redemptionFlows: await sweepExternalFlows(deps),
    mfaChallenges: await sweepMfaChallenges(deps.db, now),
  };
}
