/**
 * Grant and session controls of conditional access policies: what one policy demands of a sign-in, and how the
 * demands of every enforced policy combine into one answer. A policy's grant controls are compiled into a
 * function of the methods already performed (a few bits) and of the terms of use still missing; its answers are
 * memoised per combination, so a sign-in reads a prepared answer.
 */
import type {
  BuiltInGrantControl,
  ConditionalAccessGrantControls,
  ConditionalAccessPolicy,
  MergedSignInFrequency,
  Requirement,
} from './conditional-access.types.ts';
import { SATISFIED, type Membership, type SignInView } from './conditional-access.view.ts';

/** Built-in authentication strength ids of Entra, mapped to the fact that satisfies them. */
export const MFA_STRENGTH_ID = '00000000-0000-0000-0000-000000000002';
export const PHISHING_RESISTANT_STRENGTH_ID = '00000000-0000-0000-0000-000000000004';

/** Entra tolerates five minutes of clock skew for "every time" sign-in frequency. */
const EVERY_TIME_SKEW_MINUTES = 5;

export interface GrantOutcome {
  readonly satisfied: boolean;
  readonly blocked: boolean;
  /** Ways to satisfy the policy, any one of which suffices; empty when it cannot be satisfied by acting. */
  readonly options: readonly (readonly Requirement[])[];
  readonly controls: readonly string[];
  readonly reasons: readonly string[];
}

/** One control as the policy states it; whether it is met depends on the sign-in. */
type Control =
  | { name: string; kind: 'block' }
  /** Met when the sign-in has `bit`; otherwise the user can act to get `requirement`. */
  | { name: string; kind: 'prompt'; bit: number; requirement: Requirement }
  /** Met when the sign-in has `bit`; no prompt can satisfy it. */
  | { name: string; kind: 'device'; bit: number }
  | { name: string; kind: 'impossible'; reason: string }
  /** All agreements of one policy form a single control: the operator combines it with the others. */
  | { name: 'termsOfUse'; kind: 'terms'; ids: string[] };

type ControlState =
  | { name: string; status: 'met' | 'block' }
  | { name: string; status: 'required'; needs: Requirement[] }
  | { name: string; status: 'impossible'; reason: string };

const BUILT_IN: Record<BuiltInGrantControl, (name: string) => Control> = {
  block: (name) => ({ name, kind: 'block' }),
  mfa: (name) => ({ name, kind: 'prompt', bit: SATISFIED.mfa, requirement: 'mfa' }),
  compliantDevice: (name) => ({ name, kind: 'prompt', bit: SATISFIED.compliantDevice, requirement: 'compliantDevice' }),
  domainJoinedDevice: (name) => ({ name, kind: 'device', bit: SATISFIED.domainJoinedDevice }),
  approvedApplication: (name) => ({ name, kind: 'device', bit: SATISFIED.approvedApplication }),
  compliantApplication: (name) => ({ name, kind: 'device', bit: SATISFIED.compliantApplication }),
  passwordChange: (name) => ({ name, kind: 'device', bit: SATISFIED.passwordChanged }),
};

function controlsOf(grant: ConditionalAccessGrantControls): Control[] {
  const controls = grant.builtInControls.map((control) => BUILT_IN[control](control));
  const strength = grant.authenticationStrength;
  if (strength) {
    const name = 'authenticationStrength';
    if (strength.id === MFA_STRENGTH_ID) controls.push({ name, kind: 'prompt', bit: SATISFIED.mfa, requirement: 'mfa' });
    else if (strength.id === PHISHING_RESISTANT_STRENGTH_ID) controls.push({ name, kind: 'prompt', bit: SATISFIED.phishingResistant, requirement: 'phishingResistant' });
    else controls.push({ name, kind: 'impossible', reason: `authentication strength ${strength.id} cannot be evaluated` });
  }
  const terms = grant.termsOfUse ?? [];
  if (terms.length > 0) controls.push({ name: 'termsOfUse', kind: 'terms', ids: terms });
  return controls;
}

/** `missingTerm(k)`: whether the k-th listed agreement has not been accepted. */
function stateOf(control: Control, satisfied: number, missingTerm: (k: number) => boolean): ControlState {
  const { name } = control;
  switch (control.kind) {
    case 'block': return { name, status: 'block' };
    case 'prompt': return satisfied & control.bit ? { name, status: 'met' } : { name, status: 'required', needs: [control.requirement] };
    case 'device': return satisfied & control.bit ? { name, status: 'met' } : { name, status: 'impossible', reason: `${name} not satisfied` };
    case 'impossible': return { name, status: 'impossible', reason: control.reason };
    case 'terms': {
      const missing = control.ids.filter((_, k) => missingTerm(k));
      return missing.length === 0 ? { name, status: 'met' } : { name, status: 'required', needs: missing.map((id): Requirement => `termsOfUse:${id}`) };
    }
  }
}

function outcomeOf(grant: ConditionalAccessGrantControls | null | undefined, controls: Control[], satisfied: number, missingTerm: (k: number) => boolean): GrantOutcome {
  const states = controls.map((control) => stateOf(control, satisfied, missingTerm));
  const names = controls.map((control) => control.name);
  if (states.length === 0) return { satisfied: true, blocked: false, options: [], controls: names, reasons: ['no grant controls'] };
  if (states.some((state) => state.status === 'block')) {
    return { satisfied: false, blocked: true, options: [], controls: names, reasons: ['grant control block'] };
  }
  const unmet = states.filter((state) => state.status !== 'met');
  const reasons = unmet.map((state) => (state.status === 'impossible' ? state.reason : `${state.name} required`));
  const needs = unmet.flatMap((state) => (state.status === 'required' ? [state.needs] : []));
  const impossible = unmet.some((state) => state.status === 'impossible');
  if (grant?.operator === 'OR') {
    if (unmet.length < states.length) return { satisfied: true, blocked: false, options: [], controls: names, reasons: ['a grant control (OR) is satisfied'] };
    return { satisfied: false, blocked: false, options: needs, controls: names, reasons };
  }
  if (unmet.length === 0) return { satisfied: true, blocked: false, options: [], controls: names, reasons: ['all grant controls (AND) are satisfied'] };
  return { satisfied: false, blocked: false, options: impossible ? [] : [needs.flat()], controls: names, reasons };
}

const deepFreeze = (outcome: GrantOutcome): GrantOutcome => {
  for (const option of outcome.options) Object.freeze(option);
  Object.freeze(outcome.options);
  Object.freeze(outcome.controls);
  Object.freeze(outcome.reasons);
  return Object.freeze(outcome);
};

/** Up to this many agreements in one policy, answers are memoised per combination of accepted ones. */
const MEMOISED_TERMS = 20;

/**
 * What one applicable policy's grant controls demand of a sign-in. The answers are shared between sign-ins, so
 * they are frozen.
 */
export function compileGrant(grant: ConditionalAccessGrantControls | null | undefined, membership: Membership): (view: SignInView) => GrantOutcome {
  const controls = grant ? controlsOf(grant) : [];
  const terms = controls.find((control) => control.kind === 'terms');
  const termIndexes = terms?.kind === 'terms' ? membership.index(membership.termsOfUse, terms.ids) : new Int32Array(0);
  const answers = new Map<number, GrantOutcome>();
  if (termIndexes.length > MEMOISED_TERMS) {
    return (view) => {
      const missing = Array.from(termIndexes, (i) => !membership.holds(i));
      return deepFreeze(outcomeOf(grant, controls, view.satisfied, (k) => missing[k] === true));
    };
  }
  return (view) => {
    let missing = 0;
    for (let k = 0; k < termIndexes.length; k++) if (!membership.holds(termIndexes[k] as number)) missing |= 1 << k;
    const key = view.satisfied + missing * 128;
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = deepFreeze(outcomeOf(grant, controls, view.satisfied, (k) => (missing & (1 << k)) !== 0));
      answers.set(key, answer);
    }
    return answer;
  };
}

/** Whether `requirement` is already among `have`; a phishing-resistant method also satisfies MFA. */
function covered(have: readonly Requirement[], requirement: Requirement): boolean {
  return have.includes(requirement) || (requirement === 'mfa' && have.includes('phishingResistant'));
}

function coveredAll(have: readonly Requirement[], option: readonly Requirement[]): boolean {
  for (const requirement of option) if (!covered(have, requirement)) return false;
  return true;
}

/**
 * One set of requirements meeting every unsatisfied policy. Single-option policies go first so an OR policy can
 * pick an alternative the user must do anyway; otherwise it takes its first alternative. (Runs for most sign-ins
 * that are interrupted, on a handful of requirements: plain loops over small arrays.)
 */
export function combineRequirements(outcomes: readonly GrantOutcome[]): Requirement[] {
  const pending: GrantOutcome[] = [];
  for (const outcome of outcomes) if (!outcome.satisfied) pending.push(outcome);
  if (pending.length > 1) pending.sort(byOptionCount);
  const have: Requirement[] = [];
  for (const { options } of pending) {
    let chosen = options[0] ?? [];
    for (const option of options) {
      if (coveredAll(have, option)) {
        chosen = option;
        break;
      }
    }
    for (const requirement of chosen) if (!have.includes(requirement)) have.push(requirement);
  }
  const mfa = have.indexOf('mfa');
  if (mfa >= 0 && have.includes('phishingResistant')) have.splice(mfa, 1);
  return have;
}

function byOptionCount(a: GrantOutcome, b: GrantOutcome): number {
  return a.options.length - b.options.length;
}

/** The session controls one policy sets, prepared once. */
export interface CompiledSession {
  signInFrequency: MergedSignInFrequency | null;
  persistentBrowser: 'always' | 'never' | null;
  /** As Graph's `enforcedSessionControls` lists them. */
  names: readonly string[];
}

function frequencyOf(policy: ConditionalAccessPolicy): MergedSignInFrequency | null {
  const frequency = policy.sessionControls?.signInFrequency;
  if (!frequency?.isEnabled) return null;
  if (frequency.frequencyInterval === 'everyTime') return { frequencyInterval: 'everyTime', policyId: policy.id };
  if (frequency.type === null || frequency.value === null) return null;
  const minutes = frequency.value * (frequency.type === 'days' ? 1440 : 60);
  return { frequencyInterval: 'timeBased', type: frequency.type, value: frequency.value, minutes, policyId: policy.id };
}

export function compileSession(policy: ConditionalAccessPolicy): CompiledSession {
  const signInFrequency = frequencyOf(policy);
  const browser = policy.sessionControls?.persistentBrowser;
  const persistentBrowser = browser?.isEnabled ? browser.mode : null;
  const names: string[] = [];
  if (signInFrequency) names.push('signInFrequency');
  if (persistentBrowser !== null) names.push('persistentBrowser');
  return { signInFrequency: signInFrequency && Object.freeze(signInFrequency), persistentBrowser, names: Object.freeze(names) };
}

export const strictness = (frequency: MergedSignInFrequency): number => (frequency.frequencyInterval === 'everyTime' ? 0 : frequency.minutes);

/** Whether the last interactive sign-in is older than the strictest sign-in frequency of the enforced policies allows. */
export function reauthenticationRequired(signInFrequency: MergedSignInFrequency | null, lastSignInAgeMinutes: number | null | undefined): boolean {
  if (signInFrequency === null || typeof lastSignInAgeMinutes !== 'number') return false;
  const limit = signInFrequency.frequencyInterval === 'everyTime' ? EVERY_TIME_SKEW_MINUTES : signInFrequency.minutes;
  return lastSignInAgeMinutes > limit;
}
