/**
 * Graph's `signIn` (v1.0, plus the beta properties userType, authenticationMethodsUsed and
 * authenticationRequirement that the admin UI filters on) as Gatehouse stores and serves it, and the entry the
 * sign-in pipeline hands over. Gatehouse extensions are marked; Graph clients ignore unknown properties.
 */

export type SignInUserType = 'member' | 'guest';
export type SignInRiskLevel = 'none' | 'low' | 'medium' | 'high' | 'hidden';
export type SignInRiskState = 'none' | 'confirmedSafe' | 'remediated' | 'dismissed' | 'atRisk' | 'confirmedCompromised';
export type SignInConditionalAccessStatus = 'success' | 'failure' | 'notApplied';
export type AuthenticationRequirement = 'singleFactorAuthentication' | 'multiFactorAuthentication';

/** Graph's appliedConditionalAccessPolicy.result. */
export type SignInAppliedPolicyResult =
  | 'success'
  | 'failure'
  | 'notApplied'
  | 'notEnabled'
  | 'unknown'
  | 'reportOnlySuccess'
  | 'reportOnlyFailure'
  | 'reportOnlyNotApplied'
  | 'reportOnlyInterrupted';

export interface SignInAppliedPolicy {
  id: string;
  displayName: string;
  enforcedGrantControls: string[];
  enforcedSessionControls: string[];
  result: SignInAppliedPolicyResult;
  /** Gatehouse extension: why the policy applied or not (the evaluator's reasons), shown in the admin UI. */
  reasons: string[];
}

export interface SignInStatus {
  /** 0 on success; Entra's AADSTS numbers otherwise (SIGN_IN_ERROR_CODES). */
  errorCode: number;
  failureReason: string | null;
  additionalDetails: string | null;
}

export interface SignInDeviceDetail {
  deviceId: string | null;
  displayName: string | null;
  operatingSystem: string | null;
  browser: string | null;
  isCompliant: boolean;
  isManaged: boolean;
  trustType: string | null;
}

export interface SignInLocation {
  city: string | null;
  state: string | null;
  countryOrRegion: string | null;
  geoCoordinates: { altitude: number | null; latitude: number | null; longitude: number | null } | null;
}

export interface SignInAuthenticationDetail {
  /** e.g. Password, Passkey (device-bound), Authenticator app (TOTP), Recovery code, Email OTP, Federated. */
  authenticationMethod: string;
  authenticationMethodDetail: string | null;
  authenticationStepDateTime: string | null;
  authenticationStepRequirement: string | null;
  authenticationStepResultDetail: string | null;
  succeeded: boolean;
}

/** Gatehouse extension: one risk signal behind riskEventTypes_v2, with what was seen. */
export interface SignInRiskReason {
  type: string;
  detail: string;
}

/** A sign-in as /v1.0/auditLogs/signIns returns it. */
export interface SignIn {
  id: string;
  createdDateTime: string;
  userId: string | null;
  userPrincipalName: string;
  userDisplayName: string | null;
  userType: SignInUserType | null;
  appId: string;
  appDisplayName: string;
  resourceId: string | null;
  resourceDisplayName: string | null;
  ipAddress: string | null;
  clientAppUsed: string;
  isInteractive: boolean;
  homeTenantId: string | null;
  resourceTenantId: string | null;
  correlationId: string | null;
  status: SignInStatus;
  conditionalAccessStatus: SignInConditionalAccessStatus;
  appliedConditionalAccessPolicies: SignInAppliedPolicy[];
  deviceDetail: SignInDeviceDetail;
  location: SignInLocation;
  riskLevelDuringSignIn: SignInRiskLevel;
  riskLevelAggregated: SignInRiskLevel;
  riskState: SignInRiskState;
  riskDetail: string;
  riskEventTypes_v2: string[];
  /** Gatehouse extension: the risk signals with their details. */
  riskReasons: SignInRiskReason[];
  authenticationRequirement: AuthenticationRequirement;
  authenticationMethodsUsed: string[];
  authenticationDetails: SignInAuthenticationDetail[];
}

/**
 * What the sign-in pipeline records about one attempt. Graph names throughout; optional parts default to the
 * "nothing known" value. `createdDateTime` and `id` are set by appendSignInLog.
 */
export interface SignInLogEntry {
  /** Null when the name matched no account (the attempt is logged under the name as typed). */
  userId: string | null;
  userPrincipalName: string;
  userDisplayName?: string | null;
  userType?: SignInUserType | null;
  appId: string;
  appDisplayName: string;
  resourceId?: string | null;
  resourceDisplayName?: string | null;
  ipAddress: string | null;
  /** Entra's values: Browser, Mobile Apps and Desktop clients, ... */
  clientAppUsed: string;
  isInteractive: boolean;
  /** The user's home tenant: Gatehouse's for members, the partner's for guests. */
  homeTenantId: string | null;
  resourceTenantId: string | null;
  correlationId?: string | null;
  /** errorCode 0 for success. failureReason defaults to Entra's text for a known code. */
  status: { errorCode: number; failureReason?: string | null; additionalDetails?: string | null };
  conditionalAccessStatus: SignInConditionalAccessStatus;
  /** The evaluator's applied policies can be passed as they are (`reasons` included). */
  appliedConditionalAccessPolicies?: readonly {
    id: string;
    displayName: string;
    enforcedGrantControls?: readonly string[];
    enforcedSessionControls?: readonly string[];
    result: SignInAppliedPolicyResult;
    reasons?: readonly string[];
  }[];
  deviceDetail?: Partial<SignInDeviceDetail> | null;
  location?: {
    city?: string | null;
    state?: string | null;
    countryOrRegion: string | null;
    latitude?: number | null;
    longitude?: number | null;
  } | null;
  /** The assessment of assessSignInRisk; absent means no risk was assessed (level none). */
  risk?: { level: 'none' | 'low' | 'medium' | 'high'; reasons: readonly SignInRiskReason[] } | null;
  authenticationRequirement: AuthenticationRequirement;
  authenticationDetails?: readonly {
    authenticationMethod: string;
    authenticationMethodDetail?: string | null;
    succeeded: boolean;
    authenticationStepDateTime?: Date | string | null;
    authenticationStepRequirement?: string | null;
    authenticationStepResultDetail?: string | null;
  }[];
}

/** What the risk signals need from the log (recentSignInsForRisk). */
export interface SignInRiskHistory {
  /** Successful sign-ins of the user in the history window (0: no history, so no "new country"). */
  userSuccessCount: number;
  /** Distinct countries (ISO 3166 alpha-2) of those successful sign-ins. */
  userCountries: string[];
  /** The user's latest successful sign-in with known coordinates, for impossible travel. */
  lastLocatedSuccess: { createdDateTime: Date; countryOrRegion: string | null; city: string | null; latitude: number; longitude: number } | null;
  /** Credential failures against the user in the failure window. */
  userFailures: number;
  /** Credential failures from the address in the failure window. */
  addressFailures: number;
  /** Distinct accounts (user id, or the name as typed) those address failures were against. */
  addressDistinctAccounts: number;
}
