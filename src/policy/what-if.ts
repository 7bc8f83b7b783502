/**
 * Conditional Access what-if (Graph `POST /identity/conditionalAccess/evaluate`): reading the request, and turning
 * the evaluator's decision into Graph `whatIfAnalysisResult` objects plus Gatehouse's own summary of the outcome.
 * The decision comes from the one evaluator real sign-ins use; nothing is evaluated twice or differently here.
 */
import type {
  AppliedConditionalAccessPolicy,
  ClientAppType,
  ConditionalAccessDecision,
  DevicePlatform,
  RiskLevel,
} from './conditional-access.types.ts';
import { DEVICE_PLATFORMS } from './conditional-access.validate.ts';
import { isCountryCode, type ValidationResult } from './named-locations.ts';
import { parseIpAddress } from './ip-address.ts';

export const USER_SIGN_IN_TYPE = '#microsoft.graph.userSignIn';
export const APPLICATION_CONTEXT_TYPE = '#microsoft.graph.applicationContext';
export const WHAT_IF_RESULT_TYPE = '#microsoft.graph.whatIfAnalysisResult';

/** A what-if request, read and checked. */
export interface WhatIfRequest {
  userId: string;
  applicationId: string;
  /** Null: the platform is not known (Graph's default `all`), so only policies for every platform apply. */
  devicePlatform: DevicePlatform | null;
  clientAppType: ClientAppType;
  signInRiskLevel: RiskLevel;
  userRiskLevel: RiskLevel;
  /** ISO 3166-1 alpha-2; null to look it up from ipAddress (or unknown). */
  country: string | null;
  ipAddress: string | null;
  isCompliantDevice: boolean;
  appliedPoliciesOnly: boolean;
}

const RISK: readonly RiskLevel[] = ['none', 'low', 'medium', 'high'];
const CLIENTS: readonly (ClientAppType | 'all')[] = ['all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other'];
const CONDITION_KEYS = ['devicePlatform', 'clientAppType', 'signInRiskLevel', 'userRiskLevel', 'country', 'ipAddress', 'deviceInfo', 'servicePrincipalRiskLevel', 'insiderRiskLevel', 'authenticationFlow'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Read a what-if body. Graph's defaults apply: clientAppType `all` and devicePlatform `all`, risk levels `none`.
 * A sign-in has one client app type, so `all` is evaluated as `browser` (a portal sign-in); an `all` platform is an
 * unknown one. Only user sign-ins to one application are supported (no workload identities, user actions or
 * authentication contexts: Gatehouse's policies have none).
 */
export function parseWhatIfRequest(body: unknown): ValidationResult<WhatIfRequest> {
  const problems: string[] = [];
  if (!isObject(body)) return { ok: false, problems: ['the body must be a JSON object'] };
  for (const key of Object.keys(body)) {
    if (!['signInIdentity', 'signInContext', 'signInConditions', 'appliedPoliciesOnly'].includes(key) && !key.startsWith('@odata.')) problems.push(`${key}: is not a parameter of evaluate`);
  }
  const identity = body.signInIdentity;
  let userId = '';
  if (!isObject(identity)) problems.push(`signInIdentity: required, e.g. {"@odata.type":"${USER_SIGN_IN_TYPE}","userId":"…"}`);
  else if (identity['@odata.type'] !== undefined && identity['@odata.type'] !== USER_SIGN_IN_TYPE) problems.push(`signInIdentity.@odata.type: only ${USER_SIGN_IN_TYPE} is supported (Gatehouse has no workload identity policies)`);
  else if (typeof identity.userId !== 'string' || identity.userId === '') problems.push('signInIdentity.userId: required');
  else userId = identity.userId;

  const context = body.signInContext;
  let applicationId = '';
  if (!isObject(context)) problems.push(`signInContext: required, e.g. {"@odata.type":"${APPLICATION_CONTEXT_TYPE}","includeApplications":["…"]}`);
  else if (context['@odata.type'] !== undefined && context['@odata.type'] !== APPLICATION_CONTEXT_TYPE) problems.push(`signInContext.@odata.type: only ${APPLICATION_CONTEXT_TYPE} is supported (no user actions or authentication contexts)`);
  else if (!Array.isArray(context.includeApplications) || context.includeApplications.length !== 1 || typeof context.includeApplications[0] !== 'string') {
    problems.push('signInContext.includeApplications: name exactly one application id');
  } else applicationId = context.includeApplications[0];

  const conditions = body.signInConditions ?? {};
  if (!isObject(conditions)) return { ok: false, problems: [...problems, 'signInConditions: must be an object'] };
  for (const key of Object.keys(conditions)) {
    if (!CONDITION_KEYS.includes(key) && !key.startsWith('@odata.')) problems.push(`signInConditions.${key}: is not a sign-in condition`);
  }
  const platform = conditions.devicePlatform ?? 'all';
  if (platform !== 'all' && !(DEVICE_PLATFORMS as readonly unknown[]).includes(platform)) problems.push(`signInConditions.devicePlatform: '${String(platform)}' is not one of all, ${DEVICE_PLATFORMS.join(', ')}`);
  const client = conditions.clientAppType ?? 'all';
  if (!(CLIENTS as readonly unknown[]).includes(client)) problems.push(`signInConditions.clientAppType: '${String(client)}' is not one of ${CLIENTS.join(', ')}`);
  const risk = (key: string): RiskLevel => {
    const level = conditions[key] ?? 'none';
    if ((RISK as readonly unknown[]).includes(level)) return level as RiskLevel;
    problems.push(`signInConditions.${key}: '${String(level)}' is not one of ${RISK.join(', ')}`);
    return 'none';
  };
  const signInRiskLevel = risk('signInRiskLevel');
  const userRiskLevel = risk('userRiskLevel');
  for (const key of ['servicePrincipalRiskLevel', 'insiderRiskLevel', 'authenticationFlow']) {
    if (conditions[key] !== undefined && conditions[key] !== null && conditions[key] !== 'none') problems.push(`signInConditions.${key}: is not supported by Gatehouse`);
  }
  let country: string | null = null;
  if (conditions.country !== undefined && conditions.country !== null && conditions.country !== '') {
    const code = typeof conditions.country === 'string' ? conditions.country.toUpperCase() : '';
    if (!isCountryCode(code)) problems.push(`signInConditions.country: '${String(conditions.country)}' is not an ISO 3166-1 alpha-2 country or region code`);
    else country = code;
  }
  let ipAddress: string | null = null;
  if (conditions.ipAddress !== undefined && conditions.ipAddress !== null && conditions.ipAddress !== '') {
    if (typeof conditions.ipAddress !== 'string' || parseIpAddress(conditions.ipAddress) === null) problems.push(`signInConditions.ipAddress: '${String(conditions.ipAddress)}' is not an IPv4 or IPv6 address`);
    else ipAddress = conditions.ipAddress.trim();
  }
  const device = conditions.deviceInfo;
  if (device !== undefined && device !== null && !isObject(device)) problems.push('signInConditions.deviceInfo: must be an object');
  const isCompliant = isObject(device) ? device.isCompliant ?? false : false;
  if (typeof isCompliant !== 'boolean') problems.push('signInConditions.deviceInfo.isCompliant: must be true or false');
  const appliedPoliciesOnly = body.appliedPoliciesOnly ?? false;
  if (typeof appliedPoliciesOnly !== 'boolean') problems.push('appliedPoliciesOnly: must be true or false');
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      userId,
      applicationId,
      devicePlatform: platform === 'all' ? null : (platform as DevicePlatform),
      clientAppType: client === 'all' ? 'browser' : (client as ClientAppType),
      signInRiskLevel,
      userRiskLevel,
      country,
      ipAddress,
      isCompliantDevice: isCompliant === true,
      appliedPoliciesOnly: appliedPoliciesOnly === true,
    },
  };
}

/** Graph's whatIfAnalysisReasons for one condition the sign-in failed, from the evaluator's reason text. */
const REASON_CATEGORIES: [prefix: RegExp, reason: string][] = [
  [/^policy is disabled/, 'policyNotEnabled'],
  [/^user\b/, 'users'],
  [/^application\b/, 'application'],
  [/^client app type\b/, 'clientApps'],
  [/^platform/, 'devicePlatform'],
  [/^location/, 'location'],
  [/^signInRisk/, 'signInRisk'],
  [/^userRisk/, 'userRisk'],
];

/** Whether the policy's conditions matched the sign-in (enforced or report-only alike). */
export const policyApplied = (report: AppliedConditionalAccessPolicy): boolean =>
  report.result !== 'notApplied' && report.result !== 'notEnabled' && report.result !== 'reportOnlyNotApplied';

/**
 * Why a policy did not apply, as Graph's flag list (`users`, `location,signInRisk`, …); `notSet` when it applied.
 * The evaluator reports only the failed conditions of a policy that did not apply, so each reason names one.
 */
export function analysisReasonsOf(report: AppliedConditionalAccessPolicy): string {
  if (policyApplied(report)) return 'notSet';
  const found: string[] = [];
  for (const reason of report.reasons) {
    const category = REASON_CATEGORIES.find(([prefix]) => prefix.test(reason))?.[1] ?? 'notEnoughInformation';
    if (!found.includes(category)) found.push(category);
  }
  return found.length > 0 ? found.join(',') : 'notEnoughInformation';
}

export type WhatIfAnalysisResult<P> = P & { '@odata.type': typeof WHAT_IF_RESULT_TYPE; policyApplies: boolean; analysisReasons: string };

/**
 * The whatIfAnalysisResult of each policy (its Graph properties plus policyApplies and analysisReasons), in the
 * order given; with `appliedPoliciesOnly`, only the policies that apply.
 */
export function whatIfResults<P extends { id: string }>(policies: readonly P[], decision: ConditionalAccessDecision, appliedPoliciesOnly: boolean): WhatIfAnalysisResult<P>[] {
  const reports = new Map(decision.appliedPolicies.map((report) => [report.id, report]));
  const results: WhatIfAnalysisResult<P>[] = [];
  for (const policy of policies) {
    const report = reports.get(policy.id);
    if (!report) continue;
    const policyApplies = policyApplied(report);
    if (appliedPoliciesOnly && !policyApplies) continue;
    results.push({ '@odata.type': WHAT_IF_RESULT_TYPE, ...policy, policyApplies, analysisReasons: analysisReasonsOf(report) });
  }
  return results;
}

/** Gatehouse's extension of the what-if answer: the final decision and, per policy, the result and why. */
export interface WhatIfDecision {
  outcome: ConditionalAccessDecision['outcome'];
  required: ConditionalAccessDecision['required'];
  conditionalAccessStatus: ConditionalAccessDecision['conditionalAccessStatus'];
  sessionControls: ConditionalAccessDecision['sessionControls'];
  policies: (Pick<AppliedConditionalAccessPolicy, 'id' | 'displayName' | 'result' | 'reasons' | 'enforcedGrantControls' | 'enforcedSessionControls'> & { analysisReasons: string })[];
}

export function whatIfDecision(decision: ConditionalAccessDecision): WhatIfDecision {
  return {
    outcome: decision.outcome,
    required: decision.required,
    conditionalAccessStatus: decision.conditionalAccessStatus,
    sessionControls: decision.sessionControls,
    policies: decision.appliedPolicies.map((report) => ({
      id: report.id,
      displayName: report.displayName,
      result: report.result,
      reasons: report.reasons,
      enforcedGrantControls: report.enforcedGrantControls,
      enforcedSessionControls: report.enforcedSessionControls,
      analysisReasons: analysisReasonsOf(report),
    })),
  };
}
