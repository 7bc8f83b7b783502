/**
 * Checking a Graph `conditionalAccessPolicy` body before it is stored: for create (POST) and update (PATCH, merged
 * over the stored policy the way Graph merges it). Every problem names the property path it concerns, e.g.
 * `conditions.users.includeGroups[1]: no group with id …`, so an administrator (or a script) can fix it. Ids are
 * checked against sets of known ids the caller looks up first (`conditionalAccessReferences` says which).
 * Pure: nothing is looked up here.
 */
import { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from './conditional-access.controls.ts';
import type {
  BuiltInGrantControl,
  ConditionalAccessApplications,
  ConditionalAccessClientApp,
  ConditionalAccessConditions,
  ConditionalAccessExternalTenants,
  ConditionalAccessGrantControls,
  ConditionalAccessGuestsOrExternalUsers,
  ConditionalAccessLocations,
  ConditionalAccessPlatforms,
  ConditionalAccessPolicyState,
  ConditionalAccessRiskLevel,
  ConditionalAccessSessionControls,
  ConditionalAccessUsers,
  DevicePlatform,
  GuestOrExternalUserType,
  PersistentBrowserSessionControl,
  SignInFrequencySessionControl,
} from './conditional-access.types.ts';
import type { ValidationResult } from './named-locations.ts';

/** A policy as stored: everything of the Graph shape the evaluator reads, normalized (no id, no timestamps). */
export interface ConditionalAccessPolicyBody {
  displayName: string;
  state: ConditionalAccessPolicyState;
  conditions: ConditionalAccessConditions;
  grantControls: ConditionalAccessGrantControls | null;
  sessionControls: ConditionalAccessSessionControls | null;
}

/** The ids that exist, by kind; the caller looks up exactly the ids `conditionalAccessReferences` lists. */
export interface KnownPolicyIds {
  users: ReadonlySet<string>;
  groups: ReadonlySet<string>;
  /** Directory role template ids. */
  roles: ReadonlySet<string>;
  namedLocations: ReadonlySet<string>;
  /** Application (client) ids: registered apps, Gatehouse's portal and API, the CLI, gateway targets. */
  applications: ReadonlySet<string>;
}

export interface PolicyReferences {
  users: string[];
  groups: string[];
  roles: string[];
  namedLocations: string[];
  applications: string[];
}

/** New policies are report-only unless the body says otherwise (so a mistake shows in the log, not as a lockout). */
export const DEFAULT_NEW_POLICY_STATE: ConditionalAccessPolicyState = 'enabledForReportingButNotEnforced';

export const POLICY_STATES: readonly ConditionalAccessPolicyState[] = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];
export const GUEST_OR_EXTERNAL_USER_TYPES: readonly GuestOrExternalUserType[] = [
  'none', 'internalGuest', 'b2bCollaborationGuest', 'b2bCollaborationMember', 'b2bDirectConnectUser', 'otherExternalUser', 'serviceProvider',
];
export const CLIENT_APP_TYPES: readonly ConditionalAccessClientApp[] = ['all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'easSupported', 'other'];
export const DEVICE_PLATFORMS: readonly DevicePlatform[] = ['android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux'];
export const RISK_LEVELS: readonly ConditionalAccessRiskLevel[] = ['low', 'medium', 'high', 'hidden', 'none'];
export const BUILT_IN_CONTROLS: readonly BuiltInGrantControl[] = ['block', 'mfa', 'compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication', 'passwordChange'];
/** Entra's built-in authentication strengths Gatehouse can evaluate. */
export const AUTHENTICATION_STRENGTHS: Readonly<Record<string, string>> = {
  [MFA_STRENGTH_ID]: 'Multifactor authentication',
  [PHISHING_RESISTANT_STRENGTH_ID]: 'Phishing-resistant MFA',
};
const ALL_TENANTS_TYPE = '#microsoft.graph.conditionalAccessAllExternalTenants';
const ENUMERATED_TENANTS_TYPE = '#microsoft.graph.conditionalAccessEnumeratedExternalTenants';
/** Longest id list accepted in one condition (Entra's policy size limit is reached well before this). */
const MAX_LIST = 1000;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isEmpty = (value: unknown): boolean => value === null || value === undefined || value === false || (Array.isArray(value) && value.length === 0);

/** Merge a PATCH body over the stored policy: objects merge property by property; lists and values replace. */
export function mergePolicyPatch(before: unknown, patch: unknown): unknown {
  if (!isObject(before) || !isObject(patch)) return patch === undefined ? before : patch;
  const out: Json = { ...before };
  for (const [key, value] of Object.entries(patch)) out[key] = mergePolicyPatch(before[key], value);
  return out;
}

/** Collects problems with their paths while the body is walked once. */
class Checker {
  readonly problems: string[] = [];
  constructor(readonly known: KnownPolicyIds | null) {}

  add(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  /** Refuse properties the shape does not have; `ignorable` ones (Graph features Gatehouse lacks) only when empty. */
  properties(path: string, value: Json, allowed: readonly string[], ignorable: readonly string[] = []): void {
    for (const [key, item] of Object.entries(value)) {
      if (allowed.includes(key) || key.startsWith('@odata.')) continue;
      const at = path ? `${path}.${key}` : key;
      if (ignorable.includes(key)) {
        if (!isEmpty(item)) this.add(at, 'is not supported by Gatehouse; leave it empty or null');
      } else {
        this.add(at, 'is not a property of this object');
      }
    }
  }

  object(path: string, value: unknown): Json | null {
    if (isObject(value)) return value;
    this.add(path, 'must be an object');
    return null;
  }

  /** A required object whose absence was already reported: an empty one stands in, with no second message. */
  required(path: string, value: unknown): Json {
    if (value === undefined || value === null) return {};
    return this.object(path, value) ?? {};
  }

  strings(path: string, value: unknown, options: { required?: boolean } = {}): string[] {
    if (value === undefined || value === null) {
      if (options.required) this.add(path, 'is required');
      return [];
    }
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      this.add(path, 'must be a list of strings');
      return [];
    }
    if (value.length > MAX_LIST) {
      this.add(path, `at most ${MAX_LIST} entries`);
      return [];
    }
    const seen = new Set<string>();
    value.forEach((item: string, index) => {
      if (seen.has(item)) this.add(`${path}[${index}]`, `'${item}' is listed twice`);
      seen.add(item);
    });
    return value as string[];
  }

  enumList<T extends string>(path: string, value: unknown, allowed: readonly T[], options: { required?: boolean } = {}): T[] {
    const list = this.strings(path, value, options);
    list.forEach((item, index) => {
      if (!(allowed as readonly string[]).includes(item)) this.add(`${path}[${index}]`, `'${item}' is not one of ${allowed.join(', ')}`);
    });
    return list as T[];
  }

  /** A special value such as All or None must stand alone in its list. */
  alone(path: string, list: readonly string[], special: readonly string[]): void {
    const found = special.find((value) => list.includes(value));
    if (found !== undefined && list.length > 1) this.add(path, `'${found}' cannot be combined with other entries`);
  }

  /** Each entry that is not a special value must be a known id of its kind. */
  ids(path: string, list: readonly string[], special: readonly string[], kind: keyof KnownPolicyIds, noun: string): void {
    if (!this.known) return;
    const known = this.known[kind];
    list.forEach((item, index) => {
      if (!special.includes(item) && !known.has(item)) this.add(`${path}[${index}]`, `no ${noun} with id '${item}'`);
    });
  }
}

function guestsOrExternal(c: Checker, path: string, value: unknown): ConditionalAccessGuestsOrExternalUsers | null {
  if (value === undefined || value === null) return null;
  const body = c.object(path, value);
  if (!body) return null;
  c.properties(path, body, ['guestOrExternalUserTypes', 'externalTenants']);
  const raw = body.guestOrExternalUserTypes;
  const typesPath = `${path}.guestOrExternalUserTypes`;
  let types: string[] = [];
  if (typeof raw !== 'string' || raw.trim() === '') {
    c.add(typesPath, `must be a comma-separated list of ${GUEST_OR_EXTERNAL_USER_TYPES.join(', ')}`);
  } else {
    types = raw.split(',').map((flag) => flag.trim());
    for (const flag of types) {
      if (!(GUEST_OR_EXTERNAL_USER_TYPES as readonly string[]).includes(flag)) c.add(typesPath, `'${flag}' is not one of ${GUEST_OR_EXTERNAL_USER_TYPES.join(', ')}`);
    }
    if (new Set(types).size !== types.length) c.add(typesPath, 'lists a type twice');
    if (types.includes('none') && types.length > 1) c.add(typesPath, "'none' cannot be combined with other types");
  }
  const tenants = externalTenants(c, `${path}.externalTenants`, body.externalTenants);
  return { guestOrExternalUserTypes: types.join(','), externalTenants: tenants };
}

function externalTenants(c: Checker, path: string, value: unknown): ConditionalAccessExternalTenants | null {
  if (value === undefined || value === null) return null;
  const body = c.object(path, value);
  if (!body) return null;
  c.properties(path, body, ['membershipKind', 'members']);
  const type = body['@odata.type'];
  const kindFromType = type === ALL_TENANTS_TYPE ? 'all' : type === ENUMERATED_TENANTS_TYPE ? 'enumerated' : undefined;
  if (type !== undefined && kindFromType === undefined) c.add(`${path}.@odata.type`, `must be ${ALL_TENANTS_TYPE} or ${ENUMERATED_TENANTS_TYPE}`);
  const kind = body.membershipKind ?? kindFromType;
  if (kind !== 'all' && kind !== 'enumerated') {
    c.add(`${path}.membershipKind`, "must be 'all' or 'enumerated'");
    return null;
  }
  if (kindFromType !== undefined && kindFromType !== kind) c.add(`${path}.membershipKind`, `'${kind}' contradicts @odata.type ${String(type)}`);
  const members = c.strings(`${path}.members`, body.members);
  members.forEach((member, index) => {
    if (!/^\S{1,2048}$/.test(member)) c.add(`${path}.members[${index}]`, 'must be a tenant id (or a partner issuer) without spaces');
  });
  if (kind === 'enumerated') {
    if (members.length === 0) c.add(`${path}.members`, "list at least one tenant id when membershipKind is 'enumerated' (or use 'all')");
    return { '@odata.type': ENUMERATED_TENANTS_TYPE, membershipKind: 'enumerated', members };
  }
  if (members.length > 0) c.add(`${path}.members`, "must be empty when membershipKind is 'all'");
  return { '@odata.type': ALL_TENANTS_TYPE, membershipKind: 'all' };
}

function users(c: Checker, value: unknown): ConditionalAccessUsers {
  const path = 'conditions.users';
  const body = c.required(path, value);
  c.properties(path, body, ['includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups', 'includeRoles', 'excludeRoles', 'includeGuestsOrExternalUsers', 'excludeGuestsOrExternalUsers']);
  const list = (key: string) => c.strings(`${path}.${key}`, body[key]);
  const result: ConditionalAccessUsers = {
    includeUsers: list('includeUsers'),
    excludeUsers: list('excludeUsers'),
    includeGroups: list('includeGroups'),
    excludeGroups: list('excludeGroups'),
    includeRoles: list('includeRoles'),
    excludeRoles: list('excludeRoles'),
    includeGuestsOrExternalUsers: guestsOrExternal(c, `${path}.includeGuestsOrExternalUsers`, body.includeGuestsOrExternalUsers),
    excludeGuestsOrExternalUsers: guestsOrExternal(c, `${path}.excludeGuestsOrExternalUsers`, body.excludeGuestsOrExternalUsers),
  };
  c.alone(`${path}.includeUsers`, result.includeUsers, ['All', 'None']);
  if (result.includeUsers.includes('None') && (result.includeGroups.length > 0 || result.includeRoles.length > 0 || result.includeGuestsOrExternalUsers)) {
    c.add(`${path}.includeUsers`, "'None' cannot be combined with included groups, roles or guests");
  }
  result.excludeUsers.forEach((item, index) => {
    if (item === 'All' || item === 'None') c.add(`${path}.excludeUsers[${index}]`, `'${item}' cannot be excluded; exclude users, groups, roles or GuestsOrExternalUsers`);
  });
  c.ids(`${path}.includeUsers`, result.includeUsers, ['All', 'None', 'GuestsOrExternalUsers'], 'users', 'user');
  c.ids(`${path}.excludeUsers`, result.excludeUsers, ['All', 'None', 'GuestsOrExternalUsers'], 'users', 'user');
  for (const key of ['includeGroups', 'excludeGroups'] as const) c.ids(`${path}.${key}`, result[key], [], 'groups', 'group');
  for (const key of ['includeRoles', 'excludeRoles'] as const) c.ids(`${path}.${key}`, result[key], [], 'roles', 'directory role template');
  const includesAnyone = result.includeUsers.length + result.includeGroups.length + result.includeRoles.length > 0 || result.includeGuestsOrExternalUsers !== null;
  if (!includesAnyone && isObject(value)) {
    c.add(path, 'include at least one of includeUsers, includeGroups, includeRoles or includeGuestsOrExternalUsers (includeUsers ["None"] includes no one)');
  }
  return result;
}

function applications(c: Checker, value: unknown): ConditionalAccessApplications {
  const path = 'conditions.applications';
  const body = c.required(path, value);
  c.properties(path, body, ['includeApplications', 'excludeApplications'], ['includeUserActions', 'includeAuthenticationContextClassReferences', 'applicationFilter', 'globalSecureAccess']);
  const include = c.strings(`${path}.includeApplications`, body.includeApplications);
  const exclude = c.strings(`${path}.excludeApplications`, body.excludeApplications);
  if (include.length === 0 && isObject(value)) c.add(`${path}.includeApplications`, "include at least one application, 'All' or 'None'");
  c.alone(`${path}.includeApplications`, include, ['All', 'None']);
  exclude.forEach((item, index) => {
    if (item === 'All' || item === 'None') c.add(`${path}.excludeApplications[${index}]`, `'${item}' cannot be excluded`);
  });
  c.ids(`${path}.includeApplications`, include, ['All', 'None'], 'applications', 'application');
  c.ids(`${path}.excludeApplications`, exclude, ['All', 'None'], 'applications', 'application');
  return { includeApplications: include, excludeApplications: exclude };
}

function platforms(c: Checker, value: unknown): ConditionalAccessPlatforms | null {
  const path = 'conditions.platforms';
  if (value === undefined || value === null) return null;
  const body = c.object(path, value);
  if (!body) return null;
  c.properties(path, body, ['includePlatforms', 'excludePlatforms']);
  const include = c.enumList(`${path}.includePlatforms`, body.includePlatforms, [...DEVICE_PLATFORMS, 'all'] as const);
  const exclude = c.enumList(`${path}.excludePlatforms`, body.excludePlatforms, [...DEVICE_PLATFORMS, 'all'] as const);
  if (include.length === 0) c.add(`${path}.includePlatforms`, "include at least one platform or 'all' (or set platforms to null)");
  c.alone(`${path}.includePlatforms`, include, ['all']);
  if (exclude.includes('all')) c.add(`${path}.excludePlatforms`, "'all' cannot be excluded; list the platforms to exclude");
  return { includePlatforms: include, excludePlatforms: exclude };
}

function locations(c: Checker, value: unknown): ConditionalAccessLocations | null {
  const path = 'conditions.locations';
  if (value === undefined || value === null) return null;
  const body = c.object(path, value);
  if (!body) return null;
  c.properties(path, body, ['includeLocations', 'excludeLocations']);
  const include = c.strings(`${path}.includeLocations`, body.includeLocations);
  const exclude = c.strings(`${path}.excludeLocations`, body.excludeLocations);
  if (include.length === 0) c.add(`${path}.includeLocations`, "include 'All', 'AllTrusted' or named locations (or set locations to null)");
  c.alone(`${path}.includeLocations`, include, ['All']);
  exclude.forEach((item, index) => {
    if (item === 'All') c.add(`${path}.excludeLocations[${index}]`, "'All' cannot be excluded");
  });
  c.ids(`${path}.includeLocations`, include, ['All', 'AllTrusted'], 'namedLocations', 'named location');
  c.ids(`${path}.excludeLocations`, exclude, ['All', 'AllTrusted'], 'namedLocations', 'named location');
  return { includeLocations: include, excludeLocations: exclude };
}

function conditions(c: Checker, value: unknown): ConditionalAccessConditions {
  const body = c.required('conditions', value);
  c.properties('conditions', body, ['users', 'applications', 'clientAppTypes', 'platforms', 'locations', 'signInRiskLevels', 'userRiskLevels'], [
    'servicePrincipalRiskLevels', 'clientApplications', 'devices', 'times', 'insiderRiskLevels', 'authenticationFlows', 'deviceStates', 'agentIdRiskLevels',
  ]);
  if (body.users === undefined || body.users === null) c.add('conditions.users', 'is required');
  if (body.applications === undefined || body.applications === null) c.add('conditions.applications', 'is required');
  const clientAppTypes = body.clientAppTypes === undefined ? ['all' as const] : c.enumList('conditions.clientAppTypes', body.clientAppTypes, CLIENT_APP_TYPES, { required: true });
  c.alone('conditions.clientAppTypes', clientAppTypes, ['all']);
  return {
    users: users(c, body.users),
    applications: applications(c, body.applications),
    clientAppTypes: clientAppTypes.length === 0 ? ['all'] : clientAppTypes,
    platforms: platforms(c, body.platforms),
    locations: locations(c, body.locations),
    signInRiskLevels: c.enumList('conditions.signInRiskLevels', body.signInRiskLevels, RISK_LEVELS),
    userRiskLevels: c.enumList('conditions.userRiskLevels', body.userRiskLevels, RISK_LEVELS),
  };
}

function grantControls(c: Checker, value: unknown, policy: { userRiskLevels: string[] }): ConditionalAccessGrantControls | null {
  const path = 'grantControls';
  if (value === undefined || value === null) return null;
  const body = c.object(path, value);
  if (!body) return null;
  c.properties(path, body, ['operator', 'builtInControls', 'authenticationStrength', 'termsOfUse'], ['customAuthenticationFactors']);
  const operator = body.operator ?? 'OR';
  if (operator !== 'AND' && operator !== 'OR') c.add(`${path}.operator`, "must be 'AND' or 'OR'");
  const builtInControls = body.builtInControls === undefined ? [] : c.enumList(`${path}.builtInControls`, body.builtInControls, BUILT_IN_CONTROLS);
  for (const [index, control] of (Array.isArray(body.builtInControls) ? body.builtInControls : []).entries()) {
    if (control === 'riskRemediation') c.add(`${path}.builtInControls[${index}]`, "'riskRemediation' is not supported by Gatehouse; use passwordChange or mfa");
  }
  const termsOfUse = c.strings(`${path}.termsOfUse`, body.termsOfUse);
  termsOfUse.forEach((id, index) => {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) c.add(`${path}.termsOfUse[${index}]`, `'${id}' is not a terms of use agreement id (a GUID)`);
  });
  let authenticationStrength: ConditionalAccessGrantControls['authenticationStrength'] = null;
  if (body.authenticationStrength !== undefined && body.authenticationStrength !== null) {
    const strength = c.object(`${path}.authenticationStrength`, body.authenticationStrength);
    const id = strength?.id;
    if (strength && (typeof id !== 'string' || AUTHENTICATION_STRENGTHS[id] === undefined)) {
      c.add(`${path}.authenticationStrength.id`, `'${String(id)}' is not an authentication strength Gatehouse supports: ${Object.entries(AUTHENTICATION_STRENGTHS).map(([key, name]) => `${key} (${name})`).join(', ')}`);
    } else if (strength) {
      authenticationStrength = { id: id as string, displayName: AUTHENTICATION_STRENGTHS[id as string] };
    }
  }
  const count = builtInControls.length + termsOfUse.length + (authenticationStrength ? 1 : 0);
  if (builtInControls.includes('block') && count > 1) c.add(`${path}.builtInControls`, "'block' cannot be combined with other controls");
  if (authenticationStrength && builtInControls.includes('mfa')) c.add(`${path}.authenticationStrength`, "cannot be combined with the 'mfa' control (an authentication strength already requires MFA)");
  if (builtInControls.includes('passwordChange') && policy.userRiskLevels.length === 0) c.add(`${path}.builtInControls`, "'passwordChange' needs conditions.userRiskLevels (it remediates user risk)");
  if (count === 0) return null;
  return { operator: operator === 'AND' ? 'AND' : 'OR', builtInControls, authenticationStrength, termsOfUse };
}

const HOURS = { min: 1, max: 23 };
const DAYS = { min: 1, max: 365 };

function signInFrequency(c: Checker, value: unknown): SignInFrequencySessionControl | null {
  const path = 'sessionControls.signInFrequency';
  if (value === undefined || value === null) return null;
  const body = c.object(path, value);
  if (!body) return null;
  c.properties(path, body, ['isEnabled', 'type', 'value', 'frequencyInterval', 'authenticationType']);
  const isEnabled = body.isEnabled ?? true;
  if (typeof isEnabled !== 'boolean') c.add(`${path}.isEnabled`, 'must be true or false');
  const interval = body.frequencyInterval ?? 'timeBased';
  if (interval !== 'timeBased' && interval !== 'everyTime') c.add(`${path}.frequencyInterval`, "must be 'timeBased' or 'everyTime'");
  const authenticationType = body.authenticationType ?? 'primaryAndSecondaryAuthentication';
  if (authenticationType !== 'primaryAndSecondaryAuthentication') c.add(`${path}.authenticationType`, "only 'primaryAndSecondaryAuthentication' is supported");
  const type = body.type ?? null;
  const amount = body.value ?? null;
  if (interval === 'everyTime') {
    if (type !== null || amount !== null) c.add(path, "type and value must be null when frequencyInterval is 'everyTime'");
    return { isEnabled: isEnabled === true, type: null, value: null, frequencyInterval: 'everyTime' };
  }
  if (isEnabled === true && (type === null || amount === null)) {
    c.add(path, "type ('hours' or 'days') and value are required when frequencyInterval is 'timeBased'");
    return null;
  }
  if (type !== null && type !== 'hours' && type !== 'days') c.add(`${path}.type`, "must be 'hours' or 'days'");
  const range = type === 'days' ? DAYS : HOURS;
  if (amount !== null && (typeof amount !== 'number' || !Number.isInteger(amount) || amount < range.min || amount > range.max)) {
    c.add(`${path}.value`, `${JSON.stringify(amount)} is out of range: ${range.min} to ${range.max} ${type === 'days' ? 'days' : 'hours (use days for longer)'}`);
  }
  return { isEnabled: isEnabled === true, type: type as 'hours' | 'days' | null, value: amount as number | null, frequencyInterval: 'timeBased' };
}

function persistentBrowser(c: Checker, value: unknown, apps: ConditionalAccessApplications): PersistentBrowserSessionControl | null {
  const path = 'sessionControls.persistentBrowser';
  if (value === undefined || value === null) return null;
  const body = c.object(path, value);
  if (!body) return null;
  c.properties(path, body, ['isEnabled', 'mode']);
  const isEnabled = body.isEnabled ?? true;
  if (typeof isEnabled !== 'boolean') c.add(`${path}.isEnabled`, 'must be true or false');
  const mode = body.mode;
  if (mode !== 'always' && mode !== 'never') {
    c.add(`${path}.mode`, "must be 'always' or 'never'");
    return null;
  }
  if (isEnabled === true && !(apps.includeApplications.length === 1 && apps.includeApplications[0] === 'All')) {
    c.add(path, "needs conditions.applications.includeApplications ['All'] (a browser session is shared by every application)");
  }
  return { isEnabled: isEnabled === true, mode };
}

function sessionControls(c: Checker, value: unknown, apps: ConditionalAccessApplications): ConditionalAccessSessionControls | null {
  if (value === undefined || value === null) return null;
  const body = c.object('sessionControls', value);
  if (!body) return null;
  c.properties('sessionControls', body, ['signInFrequency', 'persistentBrowser'], [
    'applicationEnforcedRestrictions', 'cloudAppSecurity', 'disableResilienceDefaults', 'continuousAccessEvaluation', 'secureSignInSession', 'globalSecureAccessFilteringProfile',
  ]);
  const frequency = signInFrequency(c, body.signInFrequency);
  const browser = persistentBrowser(c, body.persistentBrowser, apps);
  if (!frequency && !browser) return null;
  return { signInFrequency: frequency, persistentBrowser: browser };
}

const hasSessionControl = (controls: ConditionalAccessSessionControls | null): boolean =>
  Boolean(controls?.signInFrequency?.isEnabled || controls?.persistentBrowser?.isEnabled);

/**
 * Validate a policy body. `before` is the stored policy for an update (the body is merged over it) or null for a
 * create, where a missing state means report-only. `known: null` skips the id checks (for callers that only want
 * the shape checked).
 */
export function validateConditionalAccessPolicy(
  body: unknown,
  options: { before: ConditionalAccessPolicyBody | null; known: KnownPolicyIds | null },
): ValidationResult<ConditionalAccessPolicyBody> {
  if (!isObject(body)) return { ok: false, problems: ['the body must be a JSON object'] };
  const c = new Checker(options.known);
  const merged = (options.before ? mergePolicyPatch(options.before, body) : body) as Json;
  // Read-only properties are ignored, so a policy read with GET can be sent back with PATCH.
  c.properties('', merged, ['displayName', 'state', 'conditions', 'grantControls', 'sessionControls', 'id', 'createdDateTime', 'modifiedDateTime', 'templateId'], ['description']);
  const displayName = merged.displayName;
  if (typeof displayName !== 'string' || displayName.trim() === '' || displayName.length > 256) c.add('displayName', 'is required: 1 to 256 characters');
  const state = merged.state ?? (options.before ? options.before.state : DEFAULT_NEW_POLICY_STATE);
  if (!POLICY_STATES.includes(state as ConditionalAccessPolicyState)) c.add('state', `'${String(state)}' is not one of ${POLICY_STATES.join(', ')}`);
  if (merged.conditions === undefined || merged.conditions === null) c.add('conditions', 'is required');
  const cond = conditions(c, merged.conditions);
  const grant = grantControls(c, merged.grantControls, cond);
  const session = sessionControls(c, merged.sessionControls, cond.applications);
  if (!grant && !hasSessionControl(session)) {
    c.add('grantControls', 'a policy needs at least one grant control (block, mfa, compliantDevice, authenticationStrength, termsOfUse, …) or an enabled session control');
  }
  if (c.problems.length > 0) return { ok: false, problems: c.problems };
  return {
    ok: true,
    value: { displayName: (displayName as string).trim(), state: state as ConditionalAccessPolicyState, conditions: cond, grantControls: grant, sessionControls: session },
  };
}

const stringsIn = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
const at = (value: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), value);

/** The ids a body (merged over `before`) refers to, by kind, without special values: what the caller must look up. */
export function conditionalAccessReferences(body: unknown, before: ConditionalAccessPolicyBody | null): PolicyReferences {
  const merged = before ? mergePolicyPatch(before, body) : body;
  const pick = (keys: string[][], special: string[]): string[] =>
    [...new Set(keys.flatMap((path) => stringsIn(at(merged, ...path))))].filter((id) => !special.includes(id));
  return {
    users: pick([['conditions', 'users', 'includeUsers'], ['conditions', 'users', 'excludeUsers']], ['All', 'None', 'GuestsOrExternalUsers']),
    groups: pick([['conditions', 'users', 'includeGroups'], ['conditions', 'users', 'excludeGroups']], []),
    roles: pick([['conditions', 'users', 'includeRoles'], ['conditions', 'users', 'excludeRoles']], []),
    namedLocations: pick([['conditions', 'locations', 'includeLocations'], ['conditions', 'locations', 'excludeLocations']], ['All', 'AllTrusted']),
    applications: pick([['conditions', 'applications', 'includeApplications'], ['conditions', 'applications', 'excludeApplications']], ['All', 'None']),
  };
}
