import type { StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID, type ConditionalAccessPolicy, type SignInFacts } from '#src/policy/index.ts';

/**
 * The benchmark's conditional access policies translated to Cedar, so both engines decide the same sign-ins.
 *
 * Model. A sign-in is the request `principal = User::"<id>"`, `action = Action::"signIn"`,
 * `resource = Application::"<appId>"`. The entity store passed with each request holds the user, with its
 * (transitive) groups as parents, so `principal in Group::"g"` is group membership, and attributes
 * `guestOrExternal`, `externalKind` ("" for members), `homeTenant` ("" when none) and `roles` (a set of role
 * template ids). The context carries the rest of the facts exactly as Gatehouse's normalised view has them:
 * `clientAppType`, `platform` ("unknown" when not told), `signInRisk`, `userRisk`, `trusted`, `locations` (matched
 * named location ids), the methods already performed as booleans (`mfa` is true after MFA or a phishing-resistant
 * method), `termsOfUse` (accepted ids) and `lastSignInAgeMinutes` (-1 when unknown).
 *
 * Policies. Conditional access is allow-by-default with requirements, and the requirements of *every* matching
 * policy must be met; Cedar is deny-by-default and any matching `forbid` wins. So the set is one
 * `permit (principal, action == Action::"signIn", resource);` and, for each enabled CA policy whose conditions are
 * C (users ∧ applications ∧ client apps ∧ platforms ∧ locations ∧ risk, exclusions as negations):
 * - grant control block:           `forbid (...) when { C };`
 * - other grant controls G:        `forbid (...) when { C } unless { G };` with G the controls joined by the
 *                                  policy's operator (&& for AND, || for OR); e.g. mfa is `context.mfa`, terms of
 *                                  use `context.termsOfUse.containsAll([...])`, a custom strength `false`;
 * - sign-in frequency of L minutes: `forbid (...) when { C && context.lastSignInAgeMinutes > L };`
 *   (any enforced policy's limit exceeded is the same as the strictest one exceeded).
 * A single application goes into the scope (`resource == Application::"x"`), the only indexing Cedar offers; several
 * go into the condition. (A `permit ... when { C && G }` per policy would be wrong: it allows when *any* matching
 * policy is satisfied.) Report-only and disabled policies are left out: they never change a decision, and Gatehouse
 * does not look at them for the decision either (only when the per-policy report is read).
 *
 * What Cedar does not produce: Cedar answers allow or deny and the ids of the determining policies. Gatehouse's
 * decision also says block vs. interrupt, what the user must still do (mfa, a device, terms of use,
 * reauthentication) combined across OR alternatives, the merged session controls, and a result with reasons for
 * every policy (including report-only ones). So Gatehouse "allow" is Cedar "allow", and Gatehouse "block" or
 * "interrupt" is Cedar "deny"; the benchmark checks that they agree on every generated sign-in.
 */
const str = (value: string): string => JSON.stringify(value);
const set = (values: readonly string[]): string => `[${values.map(str).join(', ')}]`;
const entities = (type: string, ids: readonly string[]): string => `[${ids.map((id) => `${type}::${str(id)}`).join(', ')}]`;
const any = (terms: string[]): string => (terms.length === 0 ? 'false' : terms.length === 1 ? terms[0]! : `(${terms.join(' || ')})`);
const all = (terms: string[]): string => (terms.length === 0 ? 'true' : terms.join(' && '));
const not = (term: string): string => `!(${term})`;

type Users = ConditionalAccessPolicy['conditions']['users'];
type GuestSelection = NonNullable<Users['includeGuestsOrExternalUsers']>;

function guests(selection: GuestSelection): string {
  const types = set(selection.guestOrExternalUserTypes.split(',').map((t) => t.trim()));
  const tenants = selection.externalTenants;
  if (!tenants || tenants.membershipKind === 'all') return `${types}.contains(principal.externalKind)`;
  return `(${types}.contains(principal.externalKind) && (principal.externalKind == "internalGuest" || ${set(tenants.members ?? [])}.contains(principal.homeTenant)))`;
}

function users(u: Users): string | null {
  const excluded: string[] = [];
  const ids = u.excludeUsers.filter((id) => id !== 'GuestsOrExternalUsers');
  if (ids.length > 0) excluded.push(`${entities('User', ids)}.contains(principal)`);
  if (u.excludeUsers.includes('GuestsOrExternalUsers')) excluded.push('principal.guestOrExternal');
  if (u.excludeGroups.length > 0) excluded.push(`principal in ${entities('Group', u.excludeGroups)}`);
  if (u.excludeRoles.length > 0) excluded.push(`principal.roles.containsAny(${set(u.excludeRoles)})`);
  if (u.excludeGuestsOrExternalUsers) excluded.push(guests(u.excludeGuestsOrExternalUsers));
  if (u.includeUsers.includes('None')) return null;
  const included: string[] = [];
  if (!u.includeUsers.includes('All')) {
    const listed = u.includeUsers.filter((id) => id !== 'GuestsOrExternalUsers');
    if (listed.length > 0) included.push(`${entities('User', listed)}.contains(principal)`);
    if (u.includeUsers.includes('GuestsOrExternalUsers')) included.push('principal.guestOrExternal');
    if (u.includeGroups.length > 0) included.push(`principal in ${entities('Group', u.includeGroups)}`);
    if (u.includeRoles.length > 0) included.push(`principal.roles.containsAny(${set(u.includeRoles)})`);
    if (u.includeGuestsOrExternalUsers) included.push(guests(u.includeGuestsOrExternalUsers));
    if (included.length === 0) return null;
  }
  return all([...(excluded.length > 0 ? [not(any(excluded))] : []), ...(included.length > 0 ? [any(included)] : [])]);
}

/** The scope's resource constraint and the condition terms, or null when the policy can never apply. */
function conditions(policy: ConditionalAccessPolicy): { resource: string; terms: string[] } | null {
  const c = policy.conditions;
  const who = users(c.users);
  if (who === null) return null;
  const terms = who === 'true' ? [] : [who];
  const { includeApplications: include, excludeApplications: exclude } = c.applications;
  if (exclude.includes('All') || include.includes('None')) return null;
  let resource = 'resource';
  if (!include.includes('All')) {
    if (include.length === 1) resource = `resource == Application::${str(include[0]!)}`;
    else terms.push(`${entities('Application', include)}.contains(resource)`);
  }
  if (exclude.length > 0) terms.push(not(`${entities('Application', exclude)}.contains(resource)`));
  const clients = c.clientAppTypes.includes('all') ? [] : c.clientAppTypes.map((t) => (t === 'easSupported' ? 'exchangeActiveSync' : t));
  if (clients.length > 0) terms.push(`${set(clients)}.contains(context.clientAppType)`);
  if (c.platforms) {
    const { includePlatforms: inc, excludePlatforms: exc } = c.platforms;
    if (exc.includes('all')) return null;
    if (exc.length > 0) terms.push(not(`${set(exc)}.contains(context.platform)`));
    if (inc.length > 0 && !inc.includes('all')) terms.push(`${set(inc)}.contains(context.platform)`);
  }
  if (c.locations) {
    const { includeLocations: inc, excludeLocations: exc } = c.locations;
    if (exc.includes('All')) return null;
    const hit = (ids: string[]) => any([...(ids.includes('AllTrusted') ? ['context.trusted'] : []), ...(ids.some((id) => id !== 'AllTrusted') ? [`context.locations.containsAny(${set(ids.filter((id) => id !== 'AllTrusted'))})`] : [])]);
    if (exc.length > 0) terms.push(not(hit(exc)));
    if (inc.length > 0 && !inc.includes('All')) terms.push(hit(inc));
  }
  if (c.signInRiskLevels.length > 0) terms.push(`${set(c.signInRiskLevels)}.contains(context.signInRisk)`);
  if (c.userRiskLevels.length > 0) terms.push(`${set(c.userRiskLevels)}.contains(context.userRisk)`);
  return { resource, terms };
}

const CONTROL: Record<string, string> = {
  mfa: 'context.mfa',
  compliantDevice: 'context.compliantDevice',
  domainJoinedDevice: 'context.domainJoinedDevice',
  approvedApplication: 'context.approvedApplication',
  compliantApplication: 'context.compliantApplication',
  passwordChange: 'context.passwordChanged',
};

/** Cedar policies (id → text) deciding what the enabled CA policies decide. */
export function toCedar(policies: readonly ConditionalAccessPolicy[]): Record<string, string> {
  const out: Record<string, string> = { 'default-allow': 'permit (principal, action == Action::"signIn", resource);' };
  for (const policy of policies) {
    if (policy.state !== 'enabled') continue;
    const translated = conditions(policy);
    if (translated === null) continue;
    const head = `forbid (principal, action == Action::"signIn", ${translated.resource})`;
    const when = all(translated.terms);
    const grant = policy.grantControls;
    if (grant?.builtInControls.includes('block')) {
      out[`${policy.id}/block`] = `${head} when { ${when} };`;
    } else if (grant) {
      const controls = grant.builtInControls.map((control) => CONTROL[control] as string);
      const strength = grant.authenticationStrength;
      if (strength) controls.push(strength.id === MFA_STRENGTH_ID ? 'context.mfa' : strength.id === PHISHING_RESISTANT_STRENGTH_ID ? 'context.phishingResistant' : 'false');
      if ((grant.termsOfUse ?? []).length > 0) controls.push(`context.termsOfUse.containsAll(${set(grant.termsOfUse ?? [])})`);
      if (controls.length > 0) out[`${policy.id}/grant`] = `${head} when { ${when} } unless { ${grant.operator === 'OR' ? any(controls) : all(controls)} };`;
    }
    const frequency = policy.sessionControls?.signInFrequency;
    if (frequency?.isEnabled) {
      const limit = frequency.frequencyInterval === 'everyTime' ? 5 : frequency.type && frequency.value !== null ? frequency.value * (frequency.type === 'days' ? 1440 : 60) : null;
      if (limit !== null) out[`${policy.id}/signInFrequency`] = `${head} when { ${all([...translated.terms, `context.lastSignInAgeMinutes > ${limit}`])} };`;
    }
  }
  return out;
}

/** The Cedar request for one sign-in (everything but the preparsed policy set id). */
export function cedarRequest(facts: SignInFacts): Omit<StatefulAuthorizationCall, 'preparsedPolicySetId'> {
  const { user, satisfied } = facts;
  return {
    principal: { type: 'User', id: user.id },
    action: { type: 'Action', id: 'signIn' },
    resource: { type: 'Application', id: facts.applicationId },
    context: {
      clientAppType: facts.clientAppType,
      platform: facts.platform ?? 'unknown',
      signInRisk: facts.signInRiskLevel,
      userRisk: facts.userRiskLevel,
      trusted: facts.location.isTrusted,
      locations: facts.location.matchedLocationIds,
      mfa: satisfied.mfa || satisfied.phishingResistant,
      phishingResistant: satisfied.phishingResistant,
      compliantDevice: satisfied.compliantDevice,
      domainJoinedDevice: satisfied.domainJoinedDevice === true,
      approvedApplication: satisfied.approvedApplication === true,
      compliantApplication: satisfied.compliantApplication === true,
      passwordChanged: satisfied.passwordChanged === true,
      termsOfUse: satisfied.termsOfUse,
      lastSignInAgeMinutes: typeof facts.lastSignInAgeMinutes === 'number' ? facts.lastSignInAgeMinutes : -1,
    },
    entities: [{
      uid: { type: 'User', id: user.id },
      attrs: { guestOrExternal: user.externalUserKind !== null || user.userType === 'Guest', externalKind: user.externalUserKind ?? '', homeTenant: user.homeTenantId ?? '', roles: user.roleIds },
      parents: user.groupIds.map((id) => ({ type: 'Group', id })),
    }],
  };
}
