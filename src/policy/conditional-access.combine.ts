/**
 * One sign-in that reaches more than one application: Gatehouse's portal and CLI both work through the
 * Graph-compatible API, so a policy on the API applies to them as well (as a policy on Microsoft Graph applies to
 * the Entra admin center). Each application is evaluated with the same facts and the decisions are combined the way
 * Entra combines policies: a block anywhere wins, every requirement must be met, the strictest session control
 * applies, and each policy is reported with the strongest result it had for any of the applications.
 */
import { strictness } from './conditional-access.controls.ts';
import type { AppliedConditionalAccessPolicy, AppliedPolicyResult, ConditionalAccessDecision, MergedSessionControls, Requirement } from './conditional-access.types.ts';

/** Higher is stronger: a policy that was enforced for one application is reported as enforced. */
const RESULT_STRENGTH: Record<AppliedPolicyResult, number> = {
  notEnabled: 0,
  notApplied: 1,
  reportOnlyNotApplied: 2,
  reportOnlySuccess: 3,
  reportOnlyFailure: 4,
  success: 5,
  failure: 6,
};

function mergeReports(decisions: readonly ConditionalAccessDecision[]): AppliedConditionalAccessPolicy[] {
  const [first, ...rest] = decisions.map((decision) => decision.appliedPolicies);
  return (first ?? []).map((report, index) => {
    let best = report;
    for (const other of rest) {
      const candidate = other[index];
      if (candidate && candidate.id === report.id && RESULT_STRENGTH[candidate.result] > RESULT_STRENGTH[best.result]) best = candidate;
    }
    return best;
  });
}

function mergeSession(decisions: readonly ConditionalAccessDecision[]): MergedSessionControls {
  let signInFrequency: MergedSessionControls['signInFrequency'] = null;
  let persistentBrowser: MergedSessionControls['persistentBrowser'] = null;
  let reauthenticationRequired = false;
  for (const { sessionControls } of decisions) {
    const frequency = sessionControls.signInFrequency;
    if (frequency && (!signInFrequency || strictness(frequency) < strictness(signInFrequency))) signInFrequency = frequency;
    if (sessionControls.persistentBrowser === 'never' || (sessionControls.persistentBrowser === 'always' && persistentBrowser === null)) persistentBrowser = sessionControls.persistentBrowser;
    reauthenticationRequired ||= sessionControls.reauthenticationRequired;
  }
  return { signInFrequency, persistentBrowser, reauthenticationRequired };
}

/** Combine the decisions of one sign-in for several applications (the first is the one signed in to). */
export function combineDecisions(decisions: readonly ConditionalAccessDecision[]): ConditionalAccessDecision {
  if (decisions.length === 1) return decisions[0] as ConditionalAccessDecision;
  const blocked = decisions.some((decision) => decision.outcome === 'block');
  // In the order the decisions list them, sign-in again (reauthentication) first, as a single decision has it.
  const union = [...new Set(decisions.flatMap((decision) => decision.required))];
  const required: Requirement[] = blocked ? [] : [...union.filter((r) => r === 'reauthentication'), ...union.filter((r) => r !== 'reauthentication')];
  const outcome = blocked ? 'block' : required.length > 0 ? 'interrupt' : 'allow';
  const applied = decisions.some((decision) => decision.conditionalAccessStatus !== 'notApplied');
  return {
    outcome,
    required,
    appliedPolicies: mergeReports(decisions),
    sessionControls: mergeSession(decisions),
    conditionalAccessStatus: !applied ? 'notApplied' : outcome === 'allow' ? 'success' : 'failure',
  };
}
