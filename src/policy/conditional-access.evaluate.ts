/**
 * Conditional access evaluation as Entra does it: every enabled policy whose conditions all match is enforced,
 * a block anywhere wins, and otherwise the grant controls of all enforced policies must be met together.
 * Report-only policies are evaluated and reported the same way but never change the outcome.
 */
import { matchConditions } from './conditional-access.conditions.ts';
import { combineRequirements, evaluateGrant, mergeSessionControls, sessionControlNames, type GrantOutcome } from './conditional-access.controls.ts';
import type {
  AppliedConditionalAccessPolicy,
  AppliedPolicyResult,
  ConditionalAccessDecision,
  ConditionalAccessPolicy,
  Requirement,
  SignInFacts,
} from './conditional-access.types.ts';

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
export function evaluateConditionalAccess(policies: readonly ConditionalAccessPolicy[], facts: SignInFacts): ConditionalAccessDecision {
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
