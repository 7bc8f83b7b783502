import type { ConditionalAccessPolicy, SignInFacts } from '#src/policy/index.ts';
import { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from '#src/policy/index.ts';

/**
 * A generated tenant for the conditional access benchmark: 200 policies in the mix a real tenant has (most
 * target groups, some everyone, admins by role, guests by type and tenant, a few named users; a quarter cover all
 * applications; legacy clients, platforms, named locations, risk; MFA, block, device, phishing-resistant strength,
 * terms of use; report-only and disabled ones), 10,000 groups, and sign-ins of users who are in ~50 groups each.
 * Deterministic (seeded), so every run and both engines see the same tenant.
 */
export interface Workload {
  policies: ConditionalAccessPolicy[];
  signIns: SignInFacts[];
  groups: number;
}

/** mulberry32: small, fast, good enough to spread a workload. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateWorkload(options: { policies?: number; groups?: number; users?: number; signIns?: number; seed?: number } = {}): Workload {
  const { policies: policyCount = 200, groups: groupCount = 10_000, users: userCount = 2_000, signIns: signInCount = 4_096, seed = 4 } = options;
  const rnd = random(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const chance = (p: number) => rnd() < p;
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const some = <T>(list: readonly T[], min: number, max: number): T[] => {
    const n = min + int(max - min + 1);
    const out = new Set<T>();
    while (out.size < Math.min(n, list.length)) out.add(pick(list));
    return [...out];
  };
  const hex = (n: number) => Array.from({ length: n }, () => int(16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

  const groups = Array.from({ length: groupCount }, uuid);
  // Policies target a few hundred of the groups (departments, vendors, pilot rings); users sit in those and in many others.
  const targetedGroups = groups.slice(0, 400);
  const breakGlassGroup = groups[400] as string;
  const roles = Array.from({ length: 24 }, uuid);
  const adminRoles = roles.slice(0, 8);
  const applications = Array.from({ length: 120 }, uuid);
  const commonApps = applications.slice(0, 10);
  const locations = Array.from({ length: 30 }, uuid);
  const tenants = Array.from({ length: 40 }, uuid);
  const terms = Array.from({ length: 5 }, uuid);
  const users = Array.from({ length: userCount }, uuid);
  const guestKinds = ['b2bCollaborationGuest', 'b2bCollaborationMember', 'internalGuest', 'otherExternalUser'] as const;
  const platforms = ['android', 'iOS', 'windows', 'macOS', 'linux'] as const;

  const policies = Array.from({ length: policyCount }, (_, i): ConditionalAccessPolicy => {
    const who = rnd();
    const usersCondition: ConditionalAccessPolicy['conditions']['users'] = {
      includeUsers: [], excludeUsers: [], includeGroups: [], excludeGroups: chance(0.7) ? [breakGlassGroup] : [], includeRoles: [], excludeRoles: [],
    };
    if (who < 0.15) usersCondition.includeUsers = ['All'];
    else if (who < 0.6) usersCondition.includeGroups = some(targetedGroups, 1, 5);
    else if (who < 0.72) usersCondition.includeRoles = some(adminRoles, 1, 4);
    else if (who < 0.8) usersCondition.includeUsers = ['GuestsOrExternalUsers'];
    else if (who < 0.9) {
      usersCondition.includeGuestsOrExternalUsers = {
        guestOrExternalUserTypes: some(guestKinds, 1, 3).join(','),
        externalTenants: chance(0.5) ? { membershipKind: 'all' } : { membershipKind: 'enumerated', members: some(tenants, 1, 6) },
      };
    } else usersCondition.includeUsers = some(users, 3, 20);
    if (chance(0.3)) usersCondition.excludeGroups.push(...some(targetedGroups, 1, 2));
    if (chance(0.1)) usersCondition.excludeUsers = some(users, 1, 3);

    const allApps = chance(0.25);
    const applicationsCondition = allApps
      ? { includeApplications: ['All'], excludeApplications: chance(0.3) ? some(applications, 1, 2) : [] }
      : { includeApplications: chance(0.5) ? some(commonApps, 1, 3) : some(applications, 1, 3), excludeApplications: [] };

    const legacy = chance(0.08);
    const clientAppTypes: ConditionalAccessPolicy['conditions']['clientAppTypes'] = legacy
      ? ['exchangeActiveSync', 'other']
      : chance(0.2) ? ['browser', 'mobileAppsAndDesktopClients'] : ['all'];
    const platformsCondition = chance(0.25)
      ? chance(0.5)
        ? { includePlatforms: ['all' as const], excludePlatforms: some(platforms, 1, 2) }
        : { includePlatforms: some(platforms, 1, 2), excludePlatforms: [] }
      : null;
    const where = rnd();
    const locationsCondition = where < 0.35
      ? { includeLocations: ['All'], excludeLocations: ['AllTrusted'] }
      : where < 0.5 ? { includeLocations: some(locations, 1, 4), excludeLocations: [] } : null;
    const signInRiskLevels: ConditionalAccessPolicy['conditions']['signInRiskLevels'] = chance(0.15) ? (chance(0.5) ? ['high'] : ['medium', 'high']) : [];
    const userRiskLevels: ConditionalAccessPolicy['conditions']['userRiskLevels'] = chance(0.08) ? ['high'] : [];

    const control = rnd();
    const blocks = legacy || (locationsCondition !== null && where >= 0.35) || control < 0.08;
    const grantControls: ConditionalAccessPolicy['grantControls'] = blocks
      ? { operator: 'OR', builtInControls: ['block'] }
      : control < 0.55 ? { operator: 'OR', builtInControls: ['mfa'] }
      : control < 0.68 ? { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] }
      : control < 0.78 ? { operator: 'AND', builtInControls: [], authenticationStrength: { id: chance(0.5) ? PHISHING_RESISTANT_STRENGTH_ID : MFA_STRENGTH_ID } }
      : control < 0.86 ? { operator: 'AND', builtInControls: ['mfa'], termsOfUse: [pick(terms)] }
      : control < 0.94 ? { operator: 'AND', builtInControls: ['compliantDevice'] }
      : null;
    const sessionControls: ConditionalAccessPolicy['sessionControls'] = {
      signInFrequency: chance(0.2) ? (chance(0.2) ? { isEnabled: true, type: null, value: null, frequencyInterval: 'everyTime' } : { isEnabled: true, type: chance(0.5) ? 'hours' : 'days', value: 1 + int(12), frequencyInterval: 'timeBased' }) : null,
      persistentBrowser: chance(0.1) ? { isEnabled: true, mode: chance(0.5) ? 'never' : 'always' } : null,
    };
    const state = rnd();
    return {
      id: uuid(),
      displayName: `CA${String(i).padStart(3, '0')}`,
      state: state < 0.7 ? 'enabled' : state < 0.9 ? 'enabledForReportingButNotEnforced' : 'disabled',
      conditions: { users: usersCondition, applications: applicationsCondition, clientAppTypes, platforms: platformsCondition, locations: locationsCondition, signInRiskLevels, userRiskLevels },
      grantControls,
      sessionControls,
    };
  });

  const otherGroups = groups.slice(401);
  const members = users.map((id) => {
    const guest = chance(0.1);
    const kind = guest ? pick(guestKinds) : null;
    return {
      id,
      // ~50 groups: a few the policies target, the rest from the other 9,600.
      groupIds: [...some(targetedGroups, 0, 4), ...some(otherGroups, 44, 52)],
      roleIds: chance(0.05) ? some(roles, 1, 3) : [],
      userType: kind === null || kind === 'b2bCollaborationMember' ? ('Member' as const) : ('Guest' as const),
      externalUserKind: kind,
      homeTenantId: kind === null || kind === 'internalGuest' ? null : pick(tenants),
    };
  });

  const signIns = Array.from({ length: signInCount }, (): SignInFacts => {
    const trusted = chance(0.4);
    return {
      user: pick(members),
      applicationId: chance(0.6) ? pick(commonApps) : pick(applications),
      clientAppType: chance(0.03) ? 'exchangeActiveSync' : chance(0.7) ? 'browser' : 'mobileAppsAndDesktopClients',
      platform: chance(0.05) ? null : pick(platforms),
      location: { matchedLocationIds: trusted ? some(locations.slice(0, 5), 1, 2) : chance(0.3) ? [pick(locations)] : [], isTrusted: trusted },
      signInRiskLevel: chance(0.85) ? 'none' : pick(['low', 'medium', 'high'] as const),
      userRiskLevel: chance(0.95) ? 'none' : 'high',
      satisfied: { mfa: chance(0.5), phishingResistant: chance(0.1), compliantDevice: chance(0.4), termsOfUse: chance(0.5) ? some(terms, 1, 5) : [] },
      lastSignInAgeMinutes: chance(0.5) ? int(2000) : null,
    };
  });
  // Through JSON, as policies and facts arrive from the database: flat strings rather than the concatenation trees
  // the generator built (which would make every character and hash lookup slower than in real use).
  return { ...(JSON.parse(JSON.stringify({ policies, signIns })) as Pick<Workload, 'policies' | 'signIns'>), groups: groupCount };
}
