/**
 * Grant and session controls of conditional access policies: what one policy demands of a sign-in, and how the
 * demands of every enforced policy combine into one answer.
 */
import type {
  ConditionalAccessGrantControls,
  ConditionalAccessPolicy,
  MergedSessionControls,
  MergedSignInFrequency,
  Requirement,
  SignInFacts,
} from './conditional-access.types.ts';

/** Built-in authentication strength ids of Entra, mapped to the fact that satisfies them. */
export const MFA_STRENGTH_ID = '00000000-0000-0000-0000-000000000002';
export const PHISHING_RESISTANT_STRENGTH_ID = '00000000-0000-0000-0000-000000000004';

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
