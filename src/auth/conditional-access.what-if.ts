import { isAppError, AppError } from '#src/core/errors.ts';
import { findUserRow, getApplicationRow, type DirDb } from '#src/directory/index.ts';
import {
  evaluateConditionalAccess,
  parseWhatIfRequest,
  whatIfDecision,
  whatIfResults,
  type WhatIfAnalysisResult,
  type WhatIfDecision,
} from '#src/policy/index.ts';
import type { Db } from '#src/store/index.ts';
import { BUILT_IN_APPLICATIONS } from './conditional-access.applications.ts';
import { allConditionalAccessPolicies, loadConditionalAccessPolicies, type GraphConditionalAccessPolicy } from './conditional-access.service.ts';
import { emergencyAccessOf } from './emergency-access.service.ts';
import { gatherSignInFacts, type SignInLocationFacts } from './sign-in-facts.ts';

/**
 * Conditional Access what-if: the facts of an imagined sign-in are gathered by the same function real sign-ins
 * use (the user's groups, roles and guest kind from the directory; named locations from the address or the given
 * country) and decided by the same evaluator over the stored policies. Nothing is assumed done: no MFA, no terms
 * accepted; a compliant device only when deviceInfo.isCompliant says so.
 */
export interface WhatIfAnswer {
  value: WhatIfAnalysisResult<GraphConditionalAccessPolicy>[];
  decision: WhatIfDecision & {
    /** The account is an emergency-access account left out of Conditional Access: policies are reported, never enforced. */
    excludedAsEmergencyAccess: boolean;
    signIn: {
      userId: string;
      applicationId: string;
      clientAppType: string;
      platform: string | null;
      userType: 'Member' | 'Guest';
      externalUserKind: string | null;
      homeTenantId: string | null;
      groupCount: number;
      roleIds: string[];
      location: SignInLocationFacts & { matchedLocationIds: string[]; isTrusted: boolean };
    };
  };
}

const invalid = (problem: string): AppError => new AppError('INVALID_VALUE', 400, problem, { details: { problems: [problem] } });

async function applicationExists(db: Db, appId: string): Promise<boolean> {
  if (BUILT_IN_APPLICATIONS.some((app) => app.appId === appId)) return true;
  try {
    return (await getApplicationRow(db as DirDb, appId)).app_id === appId;
  } catch (error) {
    if (isAppError(error) && error.status === 404) return false;
    throw error;
  }
}

export async function evaluateWhatIf(deps: { db: Db }, body: unknown): Promise<WhatIfAnswer> {
  const parsed = parseWhatIfRequest(body);
  if (!parsed.ok) throw new AppError('INVALID_VALUE', 400, parsed.problems.join('; '), { details: { problems: parsed.problems } });
  const request = parsed.value;
  const user = await findUserRow(deps.db as DirDb, request.userId);
  if (!user || user.id !== request.userId) throw invalid(`signInIdentity.userId: no user with id '${request.userId}'`);
  if (!(await applicationExists(deps.db, request.applicationId))) throw invalid(`signInContext.includeApplications[0]: no application with id '${request.applicationId}'`);
  const gathered = await gatherSignInFacts(deps, {
    userId: user.id,
    applicationId: request.applicationId,
    clientAppType: request.clientAppType,
    platform: request.devicePlatform,
    ipAddress: request.ipAddress,
    ...(request.country !== null ? { countryOrRegion: request.country } : {}),
    signInRiskLevel: request.signInRiskLevel,
    userRiskLevel: request.userRiskLevel,
    satisfied: { mfa: false, phishingResistant: false, compliantDevice: request.isCompliantDevice, termsOfUse: [] },
    lastSignInAgeMinutes: null,
  });
  const policies = await loadConditionalAccessPolicies(deps.db);
  const decision = evaluateConditionalAccess(policies, gathered.facts);
  const graphPolicies = await allConditionalAccessPolicies(deps.db);
  const emergency = await emergencyAccessOf(deps.db, user.id);
  const excluded = emergency?.excludeFromConditionalAccess === true;
  const summary = whatIfDecision(decision);
  const { facts } = gathered;
  return {
    value: whatIfResults(graphPolicies, decision, request.appliedPoliciesOnly),
    decision: {
      ...summary,
      ...(excluded ? { outcome: 'allow' as const, required: [], conditionalAccessStatus: 'notApplied' as const } : {}),
      excludedAsEmergencyAccess: excluded,
      signIn: {
        userId: user.id,
        applicationId: facts.applicationId,
        clientAppType: facts.clientAppType,
        platform: facts.platform,
        userType: facts.user.userType,
        externalUserKind: facts.user.externalUserKind,
        homeTenantId: facts.user.homeTenantId,
        groupCount: facts.user.groupIds.length,
        roleIds: facts.user.roleIds,
        location: { ...gathered.location, ...facts.location },
      },
    },
  };
}
