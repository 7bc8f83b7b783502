/**
 * The first Conditional Access evaluator, an AST interpreter over the Graph policy shapes, kept verbatim as the
 * reference the compiled evaluator (src/policy/conditional-access.compile.ts) is checked against by property tests.
 * It reads every condition of every policy on every sign-in; it is obviously right rather than fast. Do not import
 * it from src.
 */
import type {
  AppliedConditionalAccessPolicy,
  AppliedPolicyResult,
  ConditionalAccessConditions,
  ConditionalAccessDecision,
  ConditionalAccessGrantControls,
  ConditionalAccessGuestsOrExternalUsers,
  ConditionalAccessLocations,
  ConditionalAccessPlatforms,
  ConditionalAccessPolicy,
  ConditionalAccessRiskLevel,
  ConditionalAccessUsers,
  MergedSessionControls,
  MergedSignInFrequency,
  Requirement,
  SignInFacts,
} from '#src/policy/index.ts';
import { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from '#src/policy/index.ts';

// ---- conditions (was src/policy/conditional-access.conditions.ts)
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

// ---- grant and session controls (was src/policy/conditional-access.controls.ts)
/** Entra tolerates five minutes of clock skew for "every time" sign-in frequency. */
const EVERY_TIME_SKEW_MINUTES = 5;

type ControlState =
  | { name: string; status: 'met' | 'block' }
  | { name: string; status: 'required'; needs: Requirement[] }
  | { name: string; status: 'impossible'; reason: string };

export interface GrantOutcome {
  satisfied: boolean;
  blocked: boolean;
  /** Ways to satisfy the policy, any one of which suffices; empty when it cannot be satisfied by acting. */
  options: Requirement[][];
  controls: string[];
  reasons: string[];
}

const need = (name: string, met: boolean, requirement: Requirement): ControlState =>
  met ? { name, status: 'met' } : { name, status: 'required', needs: [requirement] };
const device = (name: string, met: boolean | undefined): ControlState =>
  met ? { name, status: 'met' } : { name, status: 'impossible', reason: `${name} not satisfied` };

/** A phishing-resistant method is also multifactor, so it satisfies a plain MFA demand. */
const hasMfa = (facts: SignInFacts): boolean => facts.satisfied.mfa || facts.satisfied.phishingResistant;

function controlStates(grant: ConditionalAccessGrantControls, facts: SignInFacts): ControlState[] {
  const { satisfied } = facts;
  const states: ControlState[] = grant.builtInControls.map((control): ControlState => {
    switch (control) {
      case 'block': return { name: control, status: 'block' };
      case 'mfa': return need(control, hasMfa(facts), 'mfa');
      case 'compliantDevice': return need(control, satisfied.compliantDevice, 'compliantDevice');
      case 'domainJoinedDevice': return device(control, satisfied.domainJoinedDevice);
      case 'approvedApplication': return device(control, satisfied.approvedApplication);
      case 'compliantApplication': return device(control, satisfied.compliantApplication);
      case 'passwordChange': return device(control, satisfied.passwordChanged);
    }
  });
  const strength = grant.authenticationStrength;
  if (strength) {
    const name = 'authenticationStrength';
    if (strength.id === MFA_STRENGTH_ID) states.push(need(name, hasMfa(facts), 'mfa'));
    else if (strength.id === PHISHING_RESISTANT_STRENGTH_ID) states.push(need(name, satisfied.phishingResistant, 'phishingResistant'));
    else states.push({ name, status: 'impossible', reason: `authentication strength ${strength.id} cannot be evaluated` });
  }
  const terms = grant.termsOfUse ?? [];
  if (terms.length > 0) {
    // All agreements of one policy form a single control: the operator combines it with the others.
    const missing = terms.filter((id) => !satisfied.termsOfUse.includes(id));
    states.push(missing.length === 0
      ? { name: 'termsOfUse', status: 'met' }
      : { name: 'termsOfUse', status: 'required', needs: missing.map((id): Requirement => `termsOfUse:${id}`) });
  }
  return states;
}

/** What one applicable policy's grant controls demand of this sign-in. */
export function evaluateGrant(grant: ConditionalAccessGrantControls | null | undefined, facts: SignInFacts): GrantOutcome {
  const states = grant ? controlStates(grant, facts) : [];
  const controls = states.map((state) => state.name);
  if (states.length === 0) return { satisfied: true, blocked: false, options: [], controls, reasons: ['no grant controls'] };
  if (states.some((state) => state.status === 'block')) {
    return { satisfied: false, blocked: true, options: [], controls, reasons: ['grant control block'] };
  }
  const unmet = states.filter((state) => state.status !== 'met');
  const reasons = unmet.map((state) => (state.status === 'impossible' ? state.reason : `${state.name} required`));
  const needs = unmet.flatMap((state) => (state.status === 'required' ? [state.needs] : []));
  const impossible = unmet.some((state) => state.status === 'impossible');
  if (grant?.operator === 'OR') {
    if (unmet.length < states.length) return { satisfied: true, blocked: false, options: [], controls, reasons: ['a grant control (OR) is satisfied'] };
    return { satisfied: false, blocked: false, options: needs, controls, reasons };
  }
  if (unmet.length === 0) return { satisfied: true, blocked: false, options: [], controls, reasons: ['all grant controls (AND) are satisfied'] };
  return { satisfied: false, blocked: false, options: impossible ? [] : [needs.flat()], controls, reasons };
}

const covers = (have: ReadonlySet<Requirement>, requirement: Requirement): boolean =>
  have.has(requirement) || (requirement === 'mfa' && have.has('phishingResistant'));

/**
 * One set of requirements meeting every unsatisfied policy. Single-option policies go first so an OR policy can
 * pick an alternative the user must do anyway; otherwise it takes its first alternative.
 */
export function combineRequirements(outcomes: GrantOutcome[]): Requirement[] {
  const have = new Set<Requirement>();
  const pending = outcomes.filter((outcome) => !outcome.satisfied).sort((a, b) => a.options.length - b.options.length);
  for (const { options } of pending) {
    const chosen = options.find((option) => option.every((r) => covers(have, r))) ?? options[0] ?? [];
    for (const requirement of chosen) have.add(requirement);
  }
  if (have.has('phishingResistant')) have.delete('mfa');
  return [...have];
}

function frequencyOf(policy: ConditionalAccessPolicy): MergedSignInFrequency | null {
  const frequency = policy.sessionControls?.signInFrequency;
  if (!frequency?.isEnabled) return null;
  if (frequency.frequencyInterval === 'everyTime') return { frequencyInterval: 'everyTime', policyId: policy.id };
  if (frequency.type === null || frequency.value === null) return null;
  const minutes = frequency.value * (frequency.type === 'days' ? 1440 : 60);
  return { frequencyInterval: 'timeBased', type: frequency.type, value: frequency.value, minutes, policyId: policy.id };
}

const strictness = (frequency: MergedSignInFrequency): number => (frequency.frequencyInterval === 'everyTime' ? 0 : frequency.minutes);

/** Session controls a policy sets, named as Graph's `enforcedSessionControls` lists them. */
export function sessionControlNames(policy: ConditionalAccessPolicy): string[] {
  const names: string[] = [];
  if (frequencyOf(policy)) names.push('signInFrequency');
  if (policy.sessionControls?.persistentBrowser?.isEnabled) names.push('persistentBrowser');
  return names;
}

/** The strictest session controls of the enforced policies: every time beats a period, and never beats always. */
export function mergeSessionControls(policies: ConditionalAccessPolicy[], facts: SignInFacts): MergedSessionControls {
  let signInFrequency: MergedSignInFrequency | null = null;
  let persistentBrowser: MergedSessionControls['persistentBrowser'] = null;
  for (const policy of policies) {
    const frequency = frequencyOf(policy);
    if (frequency && (signInFrequency === null || strictness(frequency) < strictness(signInFrequency))) signInFrequency = frequency;
    const browser = policy.sessionControls?.persistentBrowser;
    if (browser?.isEnabled && persistentBrowser !== 'never') persistentBrowser = browser.mode;
  }
  const age = facts.lastSignInAgeMinutes;
  const limit = signInFrequency === null ? null : signInFrequency.frequencyInterval === 'everyTime' ? EVERY_TIME_SKEW_MINUTES : signInFrequency.minutes;
  const reauthenticationRequired = limit !== null && typeof age === 'number' && age > limit;
  return { signInFrequency, persistentBrowser, reauthenticationRequired };
}

// ---- evaluation (was src/policy/conditional-access.evaluate.ts)
export interface PolicyEvaluation {
  policy: ConditionalAccessPolicy;
  applies: boolean;
  grant: GrantOutcome | null;
  report: AppliedConditionalAccessPolicy;
}

function resultOf(policy: ConditionalAccessPolicy, applies: boolean, grant: GrantOutcome | null): AppliedPolicyResult {
  const reportOnly = policy.state === 'enabledForReportingButNotEnforced';
  if (!applies) return reportOnly ? 'reportOnlyNotApplied' : 'notApplied';
  const success = grant?.satisfied === true;
  if (reportOnly) return success ? 'reportOnlySuccess' : 'reportOnlyFailure';
  return success ? 'success' : 'failure';
}

/** One policy against one sign-in, with the reasons a sign-in log shows. */
export function evaluatePolicy(policy: ConditionalAccessPolicy, facts: SignInFacts): PolicyEvaluation {
  const base = { id: policy.id, displayName: policy.displayName };
  if (policy.state === 'disabled') {
    const report = { ...base, result: 'notEnabled' as const, enforcedGrantControls: [], enforcedSessionControls: [], reasons: ['policy is disabled'] };
    return { policy, applies: false, grant: null, report };
  }
  const matches = matchConditions(policy.conditions, facts);
  const applies = matches.every((match) => match.matches);
  if (!applies) {
    const reasons = matches.filter((match) => !match.matches).map((match) => match.reason);
    const report = { ...base, result: resultOf(policy, false, null), enforcedGrantControls: [], enforcedSessionControls: [], reasons };
    return { policy, applies, grant: null, report };
  }
  const grant = evaluateGrant(policy.grantControls, facts);
  const report = {
    ...base,
    result: resultOf(policy, true, grant),
    enforcedGrantControls: grant.controls,
    enforcedSessionControls: sessionControlNames(policy),
    reasons: [...matches.map((match) => match.reason), ...grant.reasons],
  };
  return { policy, applies, grant, report };
}

function outcomeOf(grants: GrantOutcome[], reauthenticate: boolean): Pick<ConditionalAccessDecision, 'outcome' | 'required'> {
  if (grants.some((grant) => grant.blocked)) return { outcome: 'block', required: [] };
  if (grants.some((grant) => !grant.satisfied && grant.options.length === 0)) return { outcome: 'block', required: [] };
  const required: Requirement[] = combineRequirements(grants);
  if (reauthenticate) required.unshift('reauthentication');
  return required.length > 0 ? { outcome: 'interrupt', required } : { outcome: 'allow', required: [] };
}

/**
 * Decide a sign-in against a set of policies. Pure: the caller gathers the facts (group closure, named location
 * matches, risk levels, methods already performed) and records the decision.
 */
export function referenceEvaluate(policies: readonly ConditionalAccessPolicy[], facts: SignInFacts): ConditionalAccessDecision {
  const evaluations = policies.map((policy) => evaluatePolicy(policy, facts));
  const enforced = evaluations.filter((evaluation) => evaluation.applies && evaluation.policy.state === 'enabled');
  const sessionControls = mergeSessionControls(enforced.map((evaluation) => evaluation.policy), facts);
  const grants = enforced.map((evaluation) => evaluation.grant).filter((grant): grant is GrantOutcome => grant !== null);
  const { outcome, required } = outcomeOf(grants, sessionControls.reauthenticationRequired);
  const conditionalAccessStatus = enforced.length === 0 ? 'notApplied' : outcome === 'allow' ? 'success' : 'failure';
  return {
    outcome,
    required,
    appliedPolicies: evaluations.map((evaluation) => evaluation.report),
    sessionControls,
    conditionalAccessStatus,
  };
}
