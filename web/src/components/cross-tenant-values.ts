/**
 * The cross-tenant access form's state and how it maps to Graph's settings: "all users" is the AllUsers target,
 * a section switched off (partner settings only) is null, meaning the default applies. Pure functions.
 */
import {
  ALL_APPLICATIONS,
  ALL_USERS,
  type AccessType,
  type B2BSetting,
  type CrossTenantPatch,
  type CrossTenantSettings,
  type InboundTrust,
  type PolicyTarget,
  type TargetConfiguration,
} from '../api/cross-tenant.ts';

export type AppliesTo = 'all' | 'selected';
export type TargetKind = 'usersAndGroups' | 'applications';

export interface TargetsDraft {
  accessType: AccessType;
  appliesTo: AppliesTo;
  ids: string[];
  /** Types of the ids loaded from the server, so a group stays a group; new ids are taken as users. */
  knownTypes: Record<string, PolicyTarget['targetType']>;
}

export interface InboundDraft {
  usersAndGroups: TargetsDraft;
  applications: TargetsDraft;
}

export interface TrustDraft {
  isMfaAccepted: boolean;
  isCompliantDeviceAccepted: boolean;
  /** Not offered in the form; kept as it is. */
  isHybridAzureADJoinedDeviceAccepted: boolean;
}

export interface ConsentDraft {
  inboundAllowed: boolean;
  /** Not offered in the form (outbound is not enforced); kept as it is. */
  outboundAllowed: boolean | null;
}

/** Each section is null when it inherits the default (partner settings only). */
export interface CrossTenantFormValues {
  inbound: InboundDraft | null;
  trust: TrustDraft | null;
  consent: ConsentDraft | null;
}

const allKeyword = (kind: TargetKind) => (kind === 'usersAndGroups' ? ALL_USERS : ALL_APPLICATIONS);

function targetsDraftOf(kind: TargetKind, config: TargetConfiguration | null | undefined): TargetsDraft {
  if (!config) return { accessType: 'allowed', appliesTo: 'all', ids: [], knownTypes: {} };
  const all = config.targets.some((t) => t.target === allKeyword(kind));
  const selected = config.targets.filter((t) => t.target !== allKeyword(kind));
  return {
    accessType: config.accessType,
    appliesTo: all ? 'all' : 'selected',
    ids: all ? [] : selected.map((t) => t.target),
    knownTypes: Object.fromEntries(selected.map((t) => [t.target, t.targetType])),
  };
}

export function inboundDraftOf(setting: B2BSetting | null, fallback: B2BSetting | null): InboundDraft {
  return {
    usersAndGroups: targetsDraftOf('usersAndGroups', setting?.usersAndGroups ?? fallback?.usersAndGroups),
    applications: targetsDraftOf('applications', setting?.applications ?? fallback?.applications),
  };
}

export const trustDraftOf = (trust: InboundTrust | null): TrustDraft => ({
  isMfaAccepted: trust?.isMfaAccepted ?? false,
  isCompliantDeviceAccepted: trust?.isCompliantDeviceAccepted ?? false,
  isHybridAzureADJoinedDeviceAccepted: trust?.isHybridAzureADJoinedDeviceAccepted ?? false,
});

export const consentDraftOf = (consent: CrossTenantSettings['automaticUserConsentSettings']): ConsentDraft => ({
  inboundAllowed: consent?.inboundAllowed ?? false,
  outboundAllowed: consent?.outboundAllowed ?? null,
});

/**
 * The form's starting point. For a partner, a section it does not customize starts switched off; switching it on
 * starts from the default's values (`defaults`).
 */
export function formValuesOf(settings: CrossTenantSettings, defaults: CrossTenantSettings, partner: boolean): CrossTenantFormValues {
  const inherits = <T>(value: T | null) => partner && value === null;
  return {
    inbound: inherits(settings.b2bCollaborationInbound)
      ? null
      : inboundDraftOf(settings.b2bCollaborationInbound, defaults.b2bCollaborationInbound),
    trust: inherits(settings.inboundTrust) ? null : trustDraftOf(settings.inboundTrust),
    consent: inherits(settings.automaticUserConsentSettings) ? null : consentDraftOf(settings.automaticUserConsentSettings),
  };
}

function targetConfigurationOf(kind: TargetKind, draft: TargetsDraft): TargetConfiguration {
  const defaultType = kind === 'usersAndGroups' ? 'user' : 'application';
  const targets: PolicyTarget[] =
    draft.appliesTo === 'all'
      ? [{ target: allKeyword(kind), targetType: defaultType }]
      : draft.ids.map((id) => ({ target: id, targetType: draft.knownTypes[id] ?? defaultType }));
  return { accessType: draft.accessType, targets };
}

/** The three properties the form edits, as the server stores them. */
function settingsOf(values: CrossTenantFormValues): Pick<CrossTenantSettings, 'b2bCollaborationInbound' | 'inboundTrust' | 'automaticUserConsentSettings'> {
  return {
    b2bCollaborationInbound: values.inbound && {
      usersAndGroups: targetConfigurationOf('usersAndGroups', values.inbound.usersAndGroups),
      applications: targetConfigurationOf('applications', values.inbound.applications),
    },
    inboundTrust: values.trust && { ...values.trust },
    automaticUserConsentSettings: values.consent && { ...values.consent },
  };
}

/** Only the top-level properties that changed; each is sent whole, as the server replaces it whole. */
export function crossTenantPatch(initial: CrossTenantFormValues, values: CrossTenantFormValues): CrossTenantPatch {
  const before = settingsOf(initial);
  const after = settingsOf(values);
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof typeof after)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) patch[key] = after[key];
  }
  return patch as CrossTenantPatch;
}

/** A problem that keeps the form from saving, or null. */
export function targetsError(kind: TargetKind, draft: TargetsDraft): string | null {
  if (draft.appliesTo === 'selected' && draft.ids.length === 0) {
    return kind === 'usersAndGroups' ? 'Enter at least one id, or choose All users.' : 'Enter at least one id, or choose All applications.';
  }
  return null;
}

export function formIsValid(values: CrossTenantFormValues): boolean {
  return !values.inbound || (!targetsError('usersAndGroups', values.inbound.usersAndGroups) && !targetsError('applications', values.inbound.applications));
}

/** "Allowed: all users", "Blocked: 2 targets" and the like, for one target configuration. */
export function describeTargets(kind: TargetKind, config: TargetConfiguration | null | undefined): string {
  if (!config) return 'Inherited';
  const verb = config.accessType === 'allowed' ? 'Allowed' : 'Blocked';
  if (config.targets.some((t) => t.target === allKeyword(kind))) {
    return `${verb}: ${kind === 'usersAndGroups' ? 'all users' : 'all applications'}`;
  }
  const n = config.targets.length;
  return `${verb}: ${n} ${n === 1 ? 'target' : 'targets'}`;
}

/** A B2B setting in one line, for tables and read-only views. */
export function describeB2BSetting(setting: B2BSetting | null): string {
  if (!setting) return 'Inherited';
  return `Users and groups ${describeTargets('usersAndGroups', setting.usersAndGroups).toLowerCase()}; applications ${describeTargets('applications', setting.applications).toLowerCase()}`;
}
