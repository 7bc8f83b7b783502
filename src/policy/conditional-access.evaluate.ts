/**
 * The entry point for deciding one sign-in against a policy array. The single evaluator is the compiled one
 * (conditional-access.compile.ts); this caches its compilation per array, so callers passing the same array for
 * many sign-ins compile once.
 */
import { CompiledPolicySet } from './conditional-access.compile.ts';
import type { ConditionalAccessDecision, ConditionalAccessPolicy, SignInFacts } from './conditional-access.types.ts';

/**
 * Keyed by the array's identity, held weakly: it goes when the caller drops the array. The cache is why the array
 * and its policies must not be changed in place after a first evaluation; pass a new array instead.
 */
const compiledSets = new WeakMap<readonly ConditionalAccessPolicy[], CompiledPolicySet>();

/**
 * Decide a sign-in against a set of policies. Pure: the caller gathers the facts (group closure, named location
 * matches, risk levels, methods already performed) and records the decision.
 */
export function evaluateConditionalAccess(policies: readonly ConditionalAccessPolicy[], facts: SignInFacts): ConditionalAccessDecision {
  let compiled = compiledSets.get(policies);
  if (compiled === undefined) {
    compiled = new CompiledPolicySet(policies);
    compiledSets.set(policies, compiled);
  }
  return compiled.evaluate(facts);
}
