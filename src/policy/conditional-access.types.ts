/**
 * Microsoft Graph v1.0 `conditionalAccessPolicy` as stored and served, plus the sign-in facts the evaluator reads
 * and the decision it returns. The decision mirrors Graph's `signIn.appliedConditionalAccessPolicies` so it can be
 * logged as is.
 */

export type ConditionalAccessPolicyState = 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';

/** Flags of `guestOrExternalUserTypes`; Graph stores them as one comma-separated string. */
export type GuestOrExternalUserType =
  | 'none'
  | 'internalGuest'
  | 'b2bCollaborationGuest'
  | 'b2bCollaborationMember'
  | 'b2bDirectConnectUser'
  | 'otherExternalUser'
  | 'serviceProvider';

export interface ConditionalAccessExternalTenants {
  '@odata.type'?: string;
  membershipKind: 'all' | 'enumerated';
  /** Tenant ids; only read when `membershipKind` is `enumerated`. */
  members?: string[];
}

export interface ConditionalAccessGuestsOrExternalUsers {
  /** Comma-separated `GuestOrExternalUserType` flags, e.g. `b2bCollaborationGuest,b2bCollaborationMember`. */
  guestOrExternalUserTypes: string;
  /** Absent means every tenant. */
  externalTenants?: ConditionalAccessExternalTenants | null;
}

export interface ConditionalAccessUsers {
  /** User ids, or one of the special values `All`, `None`, `GuestsOrExternalUsers`. */
  includeUsers: string[];
  /** User ids, or `GuestsOrExternalUsers`. */
  excludeUsers: string[];
  includeGroups: string[];
  excludeGroups: string[];
  /** Directory role template ids. */
  includeRoles: string[];
  excludeRoles: string[];
  includeGuestsOrExternalUsers?: ConditionalAccessGuestsOrExternalUsers | null;
  excludeGuestsOrExternalUsers?: ConditionalAccessGuestsOrExternalUsers | null;
}

export interface ConditionalAccessApplications {
  /** Application ids, or `All` / `None`. */
  includeApplications: string[];
  excludeApplications: string[];
}

export type ClientAppType = 'browser' | 'mobileAppsAndDesktopClients' | 'exchangeActiveSync' | 'other';
export type ConditionalAccessClientApp = 'all' | 'easSupported' | ClientAppType;

export type DevicePlatform = 'android' | 'iOS' | 'windows' | 'windowsPhone' | 'macOS' | 'linux';

export interface ConditionalAccessPlatforms {
  /** Platforms or `all`; an empty list is read as `all`. */
  includePlatforms: (DevicePlatform | 'all')[];
  excludePlatforms: (DevicePlatform | 'all')[];
}

export interface ConditionalAccessLocations {
  /** Named location ids, or `All` / `AllTrusted`; an empty list is read as `All`. */
  includeLocations: string[];
  excludeLocations: string[];
}

export type RiskLevel = 'none' | 'low' | 'medium' | 'high';
export type ConditionalAccessRiskLevel = RiskLevel | 'hidden';

export interface ConditionalAccessConditions {
  users: ConditionalAccessUsers;
  applications: ConditionalAccessApplications;
  /** Empty or containing `all` means every client. */
  clientAppTypes: ConditionalAccessClientApp[];
  platforms?: ConditionalAccessPlatforms | null;
  locations?: ConditionalAccessLocations | null;
  /** Empty means any level. */
  signInRiskLevels: ConditionalAccessRiskLevel[];
  userRiskLevels: ConditionalAccessRiskLevel[];
}

export type BuiltInGrantControl =
  | 'block'
  | 'mfa'
  | 'compliantDevice'
  | 'domainJoinedDevice'
  | 'approvedApplication'
  | 'compliantApplication'
  | 'passwordChange';

export interface AuthenticationStrengthPolicyRef {
  id: string;
  displayName?: string;
  allowedCombinations?: string[];
}

export interface ConditionalAccessGrantControls {
  operator: 'AND' | 'OR';
  builtInControls: BuiltInGrantControl[];
  authenticationStrength?: AuthenticationStrengthPolicyRef | null;
  /** Terms-of-use agreement ids. */
  termsOfUse?: string[];
}

export interface SignInFrequencySessionControl {
  isEnabled: boolean;
  type: 'hours' | 'days' | null;
  value: number | null;
  frequencyInterval: 'timeBased' | 'everyTime';
}

export interface PersistentBrowserSessionControl {
  isEnabled: boolean;
  mode: 'always' | 'never';
}

export interface ConditionalAccessSessionControls {
  signInFrequency?: SignInFrequencySessionControl | null;
  persistentBrowser?: PersistentBrowserSessionControl | null;
}

export interface ConditionalAccessPolicy {
  id: string;
  displayName: string;
  state: ConditionalAccessPolicyState;
  conditions: ConditionalAccessConditions;
  grantControls?: ConditionalAccessGrantControls | null;
  sessionControls?: ConditionalAccessSessionControls | null;
}

export type ExternalUserKind = 'b2bCollaborationGuest' | 'b2bCollaborationMember' | 'internalGuest' | 'otherExternalUser';

/** What is known about one sign-in, gathered by the caller; the evaluator looks nothing up. */
export interface SignInFacts {
  user: {
    id: string;
    /** Transitive group memberships. */
    groupIds: string[];
    roleIds: string[];
    userType: 'Member' | 'Guest';
    /** Null for an internal member. */
    externalUserKind: ExternalUserKind | null;
    homeTenantId: string | null;
  };
  applicationId: string;
  clientAppType: ClientAppType;
  /** Null when the platform could not be told. */
  platform: DevicePlatform | null;
  location: { matchedLocationIds: string[]; isTrusted: boolean };
  signInRiskLevel: RiskLevel;
  userRiskLevel: RiskLevel;
  satisfied: {
    mfa: boolean;
    phishingResistant: boolean;
    compliantDevice: boolean;
    /** Accepted terms-of-use agreement ids. */
    termsOfUse: string[];
    domainJoinedDevice?: boolean;
    approvedApplication?: boolean;
    compliantApplication?: boolean;
    passwordChanged?: boolean;
  };
  /** Minutes since the user last authenticated interactively; null or absent when unknown. */
  lastSignInAgeMinutes?: number | null;
}

/**
 * A control the user can still satisfy by acting: `reauthentication` comes from sign-in frequency, the others
 * from grant controls.
 */
export type Requirement = 'mfa' | 'phishingResistant' | 'compliantDevice' | 'reauthentication' | `termsOfUse:${string}`;

export type AppliedPolicyResult =
  | 'success'
  | 'failure'
  | 'notApplied'
  | 'notEnabled'
  | 'reportOnlySuccess'
  | 'reportOnlyFailure'
  | 'reportOnlyNotApplied';

export interface AppliedConditionalAccessPolicy {
  id: string;
  displayName: string;
  result: AppliedPolicyResult;
  enforcedGrantControls: string[];
  enforcedSessionControls: string[];
  /** Why the policy applied or not, e.g. `user excluded by excludeGroups g1`. */
  reasons: string[];
}

export type MergedSignInFrequency =
  | { frequencyInterval: 'everyTime'; policyId: string }
  | { frequencyInterval: 'timeBased'; type: 'hours' | 'days'; value: number; minutes: number; policyId: string };

export interface MergedSessionControls {
  /** The strictest sign-in frequency of the enforced policies, or null when none sets one. */
  signInFrequency: MergedSignInFrequency | null;
  /** `never` when any enforced policy says never, else `always` when one says always, else null. */
  persistentBrowser: 'always' | 'never' | null;
  /** True when `lastSignInAgeMinutes` is older than the strictest sign-in frequency allows. */
  reauthenticationRequired: boolean;
}

export interface ConditionalAccessDecision {
  outcome: 'allow' | 'block' | 'interrupt';
  /** For `interrupt`: what the user must still do; satisfying all of it would allow the sign-in. */
  required: Requirement[];
  appliedPolicies: AppliedConditionalAccessPolicy[];
  sessionControls: MergedSessionControls;
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
}
