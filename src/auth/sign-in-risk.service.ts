import { recentSignInsForRisk } from '#src/audit/index.ts';
import { assessSignInRisk, FAILURE_WINDOW_MINUTES, HISTORY_WINDOW_DAYS, type SignInRiskAssessment } from '#src/policy/index.ts';
import type { Db } from '#src/store/index.ts';

export interface SignInRiskRequest {
  /** Null when the name matched no account: only the address signal (password spray) can fire. */
  userId: string | null;
  ipAddress: string | null;
  /** From GeoIP; null when the address has no entry (private networks). */
  location: { countryOrRegion: string | null; city?: string | null; latitude: number | null; longitude: number | null } | null;
  now: Date;
}

/**
 * Assess the risk of a sign-in attempt before Conditional Access is evaluated (signInRiskLevels conditions read
 * the level). Reads the sign-in log as it is before this attempt is recorded, so call it before appendSignInLog.
 */
export async function gatherSignInRisk(deps: { db: Db }, request: SignInRiskRequest): Promise<SignInRiskAssessment> {
  const history = await recentSignInsForRisk(deps.db, {
    userId: request.userId,
    ipAddress: request.ipAddress,
    historySince: new Date(request.now.getTime() - HISTORY_WINDOW_DAYS * 86_400_000),
    failuresSince: new Date(request.now.getTime() - FAILURE_WINDOW_MINUTES * 60_000),
  });
  return assessSignInRisk({ now: request.now, location: request.location, history });
}
