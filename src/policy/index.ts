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
/** Ids of Entra's built-in authentication strengths the evaluator understands (MFA, phishing-resistant MFA). */
export { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from './conditional-access.controls.ts';
