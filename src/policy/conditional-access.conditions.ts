/**
 * The conditions of one conditional access policy, compiled. Each condition becomes a function of the normalised
 * sign-in (`SignInView`) answering whether it matches and why, so a what-if or sign-in log can show the reason next
 * to the result. Every answer a condition can give is built at compile time (the reason strings are fixed by the
 * policy and the id that matched), so evaluating allocates nothing. Exclusions are checked before inclusions
 * because in Entra an exclusion always wins.
 *
 * The enum conditions (client app type, platform, risk levels) are tabulated over every known value by a plain
 * function of the value: that function is the definition, the table only caches it.
 */
import type {
  ConditionalAccessApplications,
  ConditionalAccessClientApp,
  ConditionalAccessGuestsOrExternalUsers,
  ConditionalAccessLocations,
  ConditionalAccessPlatforms,
  ConditionalAccessRiskLevel,
  ConditionalAccessUsers,
} from './conditional-access.types.ts';
import { CLIENT_APP_TYPES, PLATFORMS, RISK_LEVELS, type Membership, type SignInView } from './conditional-access.view.ts';

export interface ConditionMatch {
  readonly matches: boolean;
  readonly reason: string;
}

export type Condition = (view: SignInView) => ConditionMatch;

const yes = (reason: string): ConditionMatch => Object.freeze({ matches: true, reason });
const no = (reason: string): ConditionMatch => Object.freeze({ matches: false, reason });

/**
 * Whether the user is one of the selected external user types from one of the selected tenants. Internal guests
 * have no external home tenant, so the tenant list does not narrow them (as in the Entra portal).
 */
function compileGuestSelection(selection: ConditionalAccessGuestsOrExternalUsers): (view: SignInView) => boolean {
  const types = new Set(selection.guestOrExternalUserTypes.split(',').map((flag) => flag.trim()));
  const tenants = selection.externalTenants;
  const anyTenant = !tenants || tenants.membershipKind === 'all';
  const members = new Set(tenants?.members ?? []);
  return (view) => {
    const kind = view.externalKind;
    if (kind === null || !types.has(kind)) return false;
    if (kind === 'internalGuest' || anyTenant) return true;
    return view.homeTenantId !== null && members.has(view.homeTenantId);
  };
}

/** The first listed id the sign-in holds, as the answer prepared for it; undefined when it holds none. */
function firstHeld(membership: Membership, listed: Int32Array, answers: readonly ConditionMatch[]): ConditionMatch | undefined {
  for (let k = 0; k < listed.length; k++) if (membership.holds(listed[k] as number)) return answers[k];
  return undefined;
}

interface ListedIds {
  indexes: Int32Array;
  answers: ConditionMatch[];
}

function listed(membership: Membership, namespace: Map<string, number>, ids: readonly string[], answer: (id: string) => ConditionMatch): ListedIds {
  return { indexes: membership.index(namespace, ids), answers: ids.map(answer) };
}

const byId = (ids: readonly string[], answer: (id: string) => ConditionMatch): Map<string, ConditionMatch> =>
  new Map(ids.map((id) => [id, answer(id)]));

export function compileUsers(users: ConditionalAccessUsers, membership: Membership): Condition {
  const excludedUsers = byId(users.excludeUsers, (id) => no(`user excluded by excludeUsers ${id}`));
  const excludesGuests = users.excludeUsers.includes('GuestsOrExternalUsers');
  const excludedGuests = no('user excluded by excludeUsers GuestsOrExternalUsers');
  const excludedGroups = listed(membership, membership.groups, users.excludeGroups, (id) => no(`user excluded by excludeGroups ${id}`));
  const excludedRoles = listed(membership, membership.roles, users.excludeRoles, (id) => no(`user excluded by excludeRoles ${id}`));
  const excludedExternal = users.excludeGuestsOrExternalUsers ? compileGuestSelection(users.excludeGuestsOrExternalUsers) : null;
  const excludedByExternal = no('user excluded by excludeGuestsOrExternalUsers');

  const none = users.includeUsers.includes('None');
  const all = users.includeUsers.includes('All');
  const includedAll = yes('user included by includeUsers All');
  const includedUsers = byId(users.includeUsers, (id) => yes(`user included by includeUsers ${id}`));
  const includesGuests = users.includeUsers.includes('GuestsOrExternalUsers');
  const includedGuests = yes('user included by includeUsers GuestsOrExternalUsers');
  const includedGroups = listed(membership, membership.groups, users.includeGroups, (id) => yes(`user included by includeGroups ${id}`));
  const includedRoles = listed(membership, membership.roles, users.includeRoles, (id) => yes(`user included by includeRoles ${id}`));
  const includedExternal = users.includeGuestsOrExternalUsers ? compileGuestSelection(users.includeGuestsOrExternalUsers) : null;
  const includedByExternal = yes('user included by includeGuestsOrExternalUsers');
  const notIncluded = no(none ? 'user not included: includeUsers is None' : 'user not included');

  return (view) => {
    if (excludedUsers.size > 0) {
      const excluded = excludedUsers.get(view.userId);
      if (excluded !== undefined) return excluded;
    }
    if (excludesGuests && view.guestOrExternal) return excludedGuests;
    const group = firstHeld(membership, excludedGroups.indexes, excludedGroups.answers);
    if (group !== undefined) return group;
    const role = firstHeld(membership, excludedRoles.indexes, excludedRoles.answers);
    if (role !== undefined) return role;
    if (excludedExternal !== null && excludedExternal(view)) return excludedByExternal;

    if (none) return notIncluded;
    if (all) return includedAll;
    if (includedUsers.size > 0) {
      const included = includedUsers.get(view.userId);
      if (included !== undefined) return included;
    }
    if (includesGuests && view.guestOrExternal) return includedGuests;
    return firstHeld(membership, includedGroups.indexes, includedGroups.answers)
      ?? firstHeld(membership, includedRoles.indexes, includedRoles.answers)
      ?? (includedExternal !== null && includedExternal(view) ? includedByExternal : notIncluded);
  };
}

/** The application condition for one application id; null stands for any id the policy does not list. */
function applicationMatch({ includeApplications: include, excludeApplications: exclude }: ConditionalAccessApplications, applicationId: string | null): ConditionMatch {
  const listedIn = (ids: string[]) => applicationId !== null && ids.includes(applicationId);
  if (listedIn(exclude) || exclude.includes('All')) {
    return no(`application excluded by excludeApplications ${exclude.includes('All') ? 'All' : String(applicationId)}`);
  }
  if (include.includes('None')) return no('application not included: includeApplications is None');
  if (include.includes('All')) return yes('application included by includeApplications All');
  if (listedIn(include)) return yes(`application included by includeApplications ${String(applicationId)}`);
  return no('application not included');
}

export interface CompiledApplications {
  /** The answer for each application id the policy lists. */
  listed: Map<string, ConditionMatch>;
  /** The answer for every other application id. */
  other: ConditionMatch;
  condition: Condition;
}

export function compileApplications(applications: ConditionalAccessApplications): CompiledApplications {
  const ids = new Set([...applications.includeApplications, ...applications.excludeApplications]);
  const listedAnswers = new Map([...ids].map((id) => [id, applicationMatch(applications, id)]));
  const other = applicationMatch(applications, null);
  return { listed: listedAnswers, other, condition: (view) => listedAnswers.get(view.applicationId) ?? other };
}

/** A condition over one enum fact, tabulated over its known values (an unknown value is answered on the spot). */
export interface Tabulated {
  table: ConditionMatch[];
  condition: Condition;
}

function clientAppMatch(clientAppTypes: ConditionalAccessClientApp[], client: string): ConditionMatch {
  if (clientAppTypes.length === 0 || clientAppTypes.includes('all')) return yes('client app type: any');
  if ((clientAppTypes as string[]).includes(client) || (client === 'exchangeActiveSync' && clientAppTypes.includes('easSupported'))) {
    return yes(`client app type ${client} included`);
  }
  return no(`client app type ${client} not included`);
}

export function compileClientApps(clientAppTypes: ConditionalAccessClientApp[]): Tabulated {
  const table = CLIENT_APP_TYPES.map((client) => clientAppMatch(clientAppTypes, client));
  return { table, condition: (view) => table[view.client] ?? clientAppMatch(clientAppTypes, view.clientAppType) };
}

/** An unknown platform (null) is only caught by `all`, never by a named platform. */
function platformMatch(platforms: ConditionalAccessPlatforms | null | undefined, platform: string | null): ConditionMatch {
  if (!platforms) return yes('platforms not configured');
  const { includePlatforms: include, excludePlatforms: exclude } = platforms as { includePlatforms: string[]; excludePlatforms: string[] };
  if (exclude.includes('all') || (platform !== null && exclude.includes(platform))) {
    return no(`platform excluded by excludePlatforms ${exclude.includes('all') ? 'all' : String(platform)}`);
  }
  if (include.length === 0 || include.includes('all')) return yes('platform included by includePlatforms all');
  if (platform !== null && include.includes(platform)) return yes(`platform included by includePlatforms ${platform}`);
  return no(`platform ${platform ?? 'unknown'} not included`);
}

export function compilePlatforms(platforms: ConditionalAccessPlatforms | null | undefined): Tabulated {
  const table = PLATFORMS.map((platform) => platformMatch(platforms, platform));
  return { table, condition: (view) => table[view.platformIndex] ?? platformMatch(platforms, view.platform) };
}

function riskMatch(kind: 'signInRisk' | 'userRisk', levels: ConditionalAccessRiskLevel[], level: string): ConditionMatch {
  if (levels.length === 0) return yes(`${kind}: any level`);
  if ((levels as string[]).includes(level)) return yes(`${kind} level ${level} included`);
  return no(`${kind} level ${level} not included`);
}

export function compileSignInRisk(levels: ConditionalAccessRiskLevel[]): Tabulated {
  const table = RISK_LEVELS.map((level) => riskMatch('signInRisk', levels, level));
  return { table, condition: (view) => table[view.signInRisk] ?? riskMatch('signInRisk', levels, view.signInRiskLevel) };
}

export function compileUserRisk(levels: ConditionalAccessRiskLevel[]): Tabulated {
  const table = RISK_LEVELS.map((level) => riskMatch('userRisk', levels, level));
  return { table, condition: (view) => table[view.userRisk] ?? riskMatch('userRisk', levels, view.userRiskLevel) };
}

export function compileLocations(locations: ConditionalAccessLocations | null | undefined, membership: Membership): Condition {
  if (!locations) {
    const notConfigured = yes('locations not configured');
    return () => notConfigured;
  }
  // A list hits on `All`, on `AllTrusted` from a trusted place, or on its first named location the sign-in matched.
  const side = (ids: string[], answer: (hit: string) => ConditionMatch) => ({
    all: ids.includes('All') ? answer('All') : undefined,
    trusted: ids.includes('AllTrusted') ? answer('AllTrusted') : undefined,
    named: listed(membership, membership.locations, ids, answer),
  });
  const hit = (list: ReturnType<typeof side>, view: SignInView): ConditionMatch | undefined =>
    list.all ?? (view.trusted ? list.trusted : undefined) ?? firstHeld(membership, list.named.indexes, list.named.answers);
  const excluded = side(locations.excludeLocations, (id) => no(`location excluded by excludeLocations ${id}`));
  const included = side(locations.includeLocations, (id) => yes(`location included by includeLocations ${id}`));
  const anyLocation = locations.includeLocations.length === 0 ? yes('location included: includeLocations is empty') : undefined;
  const notIncluded = no('location not included');
  return (view) => hit(excluded, view) ?? anyLocation ?? hit(included, view) ?? notIncluded;
}
