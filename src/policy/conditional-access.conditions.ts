/**
 * One matcher per condition of a conditional access policy. Each answers whether the condition matches the
 * sign-in and says why, so a what-if or sign-in log can show the reason next to the result. Exclusions are checked
 * before inclusions because in Entra an exclusion always wins.
 */
import type {
  ConditionalAccessConditions,
  ConditionalAccessGuestsOrExternalUsers,
  ConditionalAccessLocations,
  ConditionalAccessPlatforms,
  ConditionalAccessRiskLevel,
  ConditionalAccessUsers,
  SignInFacts,
} from './conditional-access.types.ts';

export interface ConditionMatch {
  matches: boolean;
  reason: string;
}

const yes = (reason: string): ConditionMatch => ({ matches: true, reason });
const no = (reason: string): ConditionMatch => ({ matches: false, reason });
const firstShared = (listed: readonly string[], held: readonly string[]): string | undefined => listed.find((id) => held.includes(id));

/** Whether the user is a guest or external user at all (the legacy `GuestsOrExternalUsers` value). */
function isGuestOrExternal(user: SignInFacts['user']): boolean {
  return user.externalUserKind !== null || user.userType === 'Guest';
}

/**
 * Whether the user is one of the selected external user types from one of the selected tenants. Internal guests
 * have no external home tenant, so the tenant list does not narrow them (as in the Entra portal).
 */
export function matchesGuestsOrExternalUsers(selection: ConditionalAccessGuestsOrExternalUsers, user: SignInFacts['user']): boolean {
  const kind = user.externalUserKind;
  if (kind === null) return false;
  const types = selection.guestOrExternalUserTypes.split(',').map((flag) => flag.trim());
  if (!types.includes(kind)) return false;
  const tenants = selection.externalTenants;
  if (kind === 'internalGuest' || !tenants || tenants.membershipKind === 'all') return true;
  return user.homeTenantId !== null && (tenants.members ?? []).includes(user.homeTenantId);
}

function userExclusion(users: ConditionalAccessUsers, user: SignInFacts['user']): string | undefined {
  if (users.excludeUsers.includes(user.id)) return `user excluded by excludeUsers ${user.id}`;
  if (users.excludeUsers.includes('GuestsOrExternalUsers') && isGuestOrExternal(user)) {
    return 'user excluded by excludeUsers GuestsOrExternalUsers';
  }
  const group = firstShared(users.excludeGroups, user.groupIds);
  if (group !== undefined) return `user excluded by excludeGroups ${group}`;
  const role = firstShared(users.excludeRoles, user.roleIds);
  if (role !== undefined) return `user excluded by excludeRoles ${role}`;
  const external = users.excludeGuestsOrExternalUsers;
  if (external && matchesGuestsOrExternalUsers(external, user)) return 'user excluded by excludeGuestsOrExternalUsers';
  return undefined;
}

function userInclusion(users: ConditionalAccessUsers, user: SignInFacts['user']): string | undefined {
  if (users.includeUsers.includes('None')) return undefined;
  if (users.includeUsers.includes('All')) return 'user included by includeUsers All';
  if (users.includeUsers.includes(user.id)) return `user included by includeUsers ${user.id}`;
  if (users.includeUsers.includes('GuestsOrExternalUsers') && isGuestOrExternal(user)) {
    return 'user included by includeUsers GuestsOrExternalUsers';
  }
  const group = firstShared(users.includeGroups, user.groupIds);
  if (group !== undefined) return `user included by includeGroups ${group}`;
  const role = firstShared(users.includeRoles, user.roleIds);
  if (role !== undefined) return `user included by includeRoles ${role}`;
  const external = users.includeGuestsOrExternalUsers;
  if (external && matchesGuestsOrExternalUsers(external, user)) return 'user included by includeGuestsOrExternalUsers';
  return undefined;
}

export function matchUsers(users: ConditionalAccessUsers, facts: SignInFacts): ConditionMatch {
  const excluded = userExclusion(users, facts.user);
  if (excluded !== undefined) return no(excluded);
  const included = userInclusion(users, facts.user);
  if (included !== undefined) return yes(included);
  return no(users.includeUsers.includes('None') ? 'user not included: includeUsers is None' : 'user not included');
}

export function matchApplications(applications: ConditionalAccessConditions['applications'], facts: SignInFacts): ConditionMatch {
  const { includeApplications: include, excludeApplications: exclude } = applications;
  if (exclude.includes(facts.applicationId) || exclude.includes('All')) {
    return no(`application excluded by excludeApplications ${exclude.includes('All') ? 'All' : facts.applicationId}`);
  }
  if (include.includes('None')) return no('application not included: includeApplications is None');
  if (include.includes('All')) return yes('application included by includeApplications All');
  if (include.includes(facts.applicationId)) return yes(`application included by includeApplications ${facts.applicationId}`);
  return no('application not included');
}

export function matchClientApps(clientAppTypes: ConditionalAccessConditions['clientAppTypes'], facts: SignInFacts): ConditionMatch {
  if (clientAppTypes.length === 0 || clientAppTypes.includes('all')) return yes('client app type: any');
  const client = facts.clientAppType;
  if (clientAppTypes.includes(client) || (client === 'exchangeActiveSync' && clientAppTypes.includes('easSupported'))) {
    return yes(`client app type ${client} included`);
  }
  return no(`client app type ${client} not included`);
}

/** An unknown platform (null) is only caught by `all`, never by a named platform. */
export function matchPlatforms(platforms: ConditionalAccessPlatforms | null | undefined, facts: SignInFacts): ConditionMatch {
  if (!platforms) return yes('platforms not configured');
  const platform = facts.platform;
  const { includePlatforms: include, excludePlatforms: exclude } = platforms;
  if (exclude.includes('all') || (platform !== null && exclude.includes(platform))) {
    return no(`platform excluded by excludePlatforms ${exclude.includes('all') ? 'all' : String(platform)}`);
  }
  if (include.length === 0 || include.includes('all')) return yes('platform included by includePlatforms all');
  if (platform !== null && include.includes(platform)) return yes(`platform included by includePlatforms ${platform}`);
  return no(`platform ${platform ?? 'unknown'} not included`);
}

function locationHit(listed: readonly string[], location: SignInFacts['location']): string | undefined {
  if (listed.includes('All')) return 'All';
  if (listed.includes('AllTrusted') && location.isTrusted) return 'AllTrusted';
  return firstShared(listed, location.matchedLocationIds);
}

export function matchLocations(locations: ConditionalAccessLocations | null | undefined, facts: SignInFacts): ConditionMatch {
  if (!locations) return yes('locations not configured');
  const excluded = locationHit(locations.excludeLocations, facts.location);
  if (excluded !== undefined) return no(`location excluded by excludeLocations ${excluded}`);
  if (locations.includeLocations.length === 0) return yes('location included: includeLocations is empty');
  const included = locationHit(locations.includeLocations, facts.location);
  if (included !== undefined) return yes(`location included by includeLocations ${included}`);
  return no('location not included');
}

export function matchRisk(kind: 'signInRisk' | 'userRisk', levels: ConditionalAccessRiskLevel[], level: string): ConditionMatch {
  if (levels.length === 0) return yes(`${kind}: any level`);
  if ((levels as string[]).includes(level)) return yes(`${kind} level ${level} included`);
  return no(`${kind} level ${level} not included`);
}

/** Every condition of a policy, in the order Entra reports them. */
export function matchConditions(conditions: ConditionalAccessConditions, facts: SignInFacts): ConditionMatch[] {
  return [
    matchUsers(conditions.users, facts),
    matchApplications(conditions.applications, facts),
    matchClientApps(conditions.clientAppTypes, facts),
    matchPlatforms(conditions.platforms, facts),
    matchLocations(conditions.locations, facts),
    matchRisk('signInRisk', conditions.signInRiskLevels, facts.signInRiskLevel),
    matchRisk('userRisk', conditions.userRiskLevels, facts.userRiskLevel),
  ];
}
