/** Graph v1.0 conditionalAccessPolicy shapes, the sign-in facts the evaluator reads, and the decision it returns. */
export type {
  AppliedConditionalAccessPolicy, AppliedPolicyResult, AuthenticationStrengthPolicyRef, BuiltInGrantControl, ClientAppType,
  ConditionalAccessApplications, ConditionalAccessClientApp, ConditionalAccessConditions, ConditionalAccessDecision,
  ConditionalAccessExternalTenants, ConditionalAccessGrantControls, ConditionalAccessGuestsOrExternalUsers,
  ConditionalAccessLocations, ConditionalAccessPlatforms, ConditionalAccessPolicy, ConditionalAccessPolicyState,
  ConditionalAccessRiskLevel, ConditionalAccessSessionControls, ConditionalAccessUsers, DevicePlatform, ExternalUserKind,
  GuestOrExternalUserType, MergedSessionControls, MergedSignInFrequency, PersistentBrowserSessionControl, Requirement,
  RiskLevel, SignInFacts, SignInFrequencySessionControl,
} from './conditional-access.types.ts';
/** Decide a sign-in against every conditional access policy: allow, block, or interrupt with what is still required. */
export { evaluateConditionalAccess } from './conditional-access.evaluate.ts';
/**
 * Compile a policy set once and evaluate many sign-ins with it (`.evaluate(facts)`, `.explain(facts)` for what-if);
 * `explainPolicy` is one policy against one sign-in with every condition's answer and the report entry.
 */
export {
  compileConditionalAccess, explainPolicy, type CompiledPolicySet, type ConditionName, type ConditionOutcome, type PolicyExplanation,
} from './conditional-access.compile.ts';
/** What one policy's grant controls demand of a sign-in (part of a `PolicyExplanation`). */
export type { GrantOutcome } from './conditional-access.controls.ts';
/** Ids of Entra's built-in authentication strengths the evaluator understands (MFA, phishing-resistant MFA). */
export { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from './conditional-access.controls.ts';
/** Sign-in risk from local signals (new country, impossible travel, password spray, brute force): level and reasons. */
export {
  assessSignInRisk, haversineKm, IMPOSSIBLE_TRAVEL_KMH, IMPOSSIBLE_TRAVEL_MIN_KM, FAILURE_WINDOW_MINUTES, HISTORY_WINDOW_DAYS,
  PASSWORD_SPRAY_MIN_ACCOUNTS, PASSWORD_SPRAY_HIGH_ACCOUNTS, BRUTE_FORCE_MIN_FAILURES, BRUTE_FORCE_HIGH_FAILURES, SIGNAL_LEVELS,
  type SignInRiskAssessment, type SignInRiskInput, type SignInRiskReason, type SignInRiskType,
} from './sign-in-risk.ts';
/** Checking a conditionalAccessPolicy body for create and update (every problem names its property path). */
export {
  validateConditionalAccessPolicy, conditionalAccessReferences, mergePolicyPatch, DEFAULT_NEW_POLICY_STATE, POLICY_STATES,
  GUEST_OR_EXTERNAL_USER_TYPES, CLIENT_APP_TYPES, DEVICE_PLATFORMS, RISK_LEVELS, BUILT_IN_CONTROLS, AUTHENTICATION_STRENGTHS,
  type ConditionalAccessPolicyBody, type KnownPolicyIds, type PolicyReferences,
} from './conditional-access.validate.ts';
/** Named locations (IP ranges, countries): checking a body, and which locations a sign-in comes from. */
export {
  validateNamedLocation, matchNamedLocations, compileNamedLocations, isCountryCode, COUNTRIES, IP_NAMED_LOCATION, COUNTRY_NAMED_LOCATION,
  IPV4_RANGE, IPV6_RANGE, MAX_IP_RANGES,
  type NamedLocation, type NamedLocationInput, type IpNamedLocation, type CountryNamedLocation, type IpRange, type SignInOrigin,
  type LocationMatch, type CompiledNamedLocations, type ValidationResult,
} from './named-locations.ts';
/** IP address and CIDR parsing (IPv4, IPv6, IPv4-mapped IPv6) without node:net. */
export { parseIpAddress, parseCidr, cidrContains, formatAddress, type ParsedAddress, type ParsedCidr } from './ip-address.ts';
/** What a User-Agent says (platform, browser, OS) and which client app type a sign-in is. */
export { platformFromUserAgent, clientAppTypeFrom, clientAppUsedLabel, deviceDetailFromUserAgent, type SignInChannel, type DeviceDetail } from './user-agent.ts';
/** Conditional Access what-if: reading the request, Graph whatIfAnalysisResult objects, Gatehouse's decision summary. */
export {
  parseWhatIfRequest, whatIfResults, whatIfDecision, analysisReasonsOf, policyApplied, USER_SIGN_IN_TYPE, APPLICATION_CONTEXT_TYPE,
  type WhatIfRequest, type WhatIfAnalysisResult, type WhatIfDecision,
} from './what-if.ts';
/** Combine one sign-in's decisions for several applications (a client and the API it calls). */
export { combineDecisions } from './conditional-access.combine.ts';
