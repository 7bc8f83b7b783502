import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { compileConditionalAccess, type CompiledPolicySet, type ConditionalAccessDecision, type SignInFacts } from '#src/policy/index.ts';
import { referenceEvaluate } from '../test/policy/conditional-access.reference.ts';
import { cedarRequest, toCedar } from './conditional-access.cedar.ts';
import { generateWorkload } from './conditional-access.workload.ts';
import { percentile, report, scale } from './harness.ts';

/**
 * Conditional access evaluation, 200 policies and 10,000 groups, users in ~50 groups (bench/conditional-access
 * .workload.ts): decisions per second and p50/p99 latency of one decision, in this process's one JavaScript thread.
 * Side by side in the same run:
 * - Gatehouse's compiled evaluator (`compileConditionalAccess(policies).evaluate(facts)`): the whole decision
 *   (outcome, what is still required, merged session controls, status); the per-policy reports with reasons are
 *   built when `appliedPolicies` is first read, so that is measured as its own line too (what a sign-in that is
 *   logged with every policy's result costs);
 * - the first, interpreted evaluator (now the test reference), for the record of what compiling bought;
 * - the same policies in Cedar (@cedar-policy/cedar-wasm, policy set pre-parsed once with `preparsePolicySet`,
 *   each request through `statefulIsAuthorized`; mapping and what Cedar does not produce: conditional-access.cedar.ts).
 *   Cedar's stateful API caches policies and schemas, not entities: each request carries the user entity with its
 *   groups (as the Gatehouse facts carry the group ids). The Cedar requests are built before timing, so Cedar's
 *   figures do not include turning facts into its JSON; no schema is used (no validation work). Both engines
 *   must agree on allow vs. not on every generated sign-in, or the benchmark stops.
 *
 * Latency is timed per decision with process.hrtime.bigint() after a warm-up; the timer's own cost (two
 * consecutive readings) is printed so it can be told from the evaluator's.
 */
/**
 * Sign-ins are cycled through a pool of HOT distinct ones: in production the facts of a sign-in were gathered just
 * before it is evaluated, so they are in the CPU cache. A last line cycles through COLD of them (tens of MB of facts),
 * so every sign-in's ~50 group ids come from memory.
 */
const HOT = 1024;
const COLD = 16_384;

interface Figures {
  perSecond: number;
  /** Decisions per second of CPU time of this process: what the machine's other load does not take away. */
  perCpuSecond: number;
  p50: number;
  p99: number;
}

const micros = (ns: number): string => (ns / 1000).toFixed(2);

/** Throughput over `total` calls (cycling through the sign-ins), then `samples` calls timed one by one. */
function measure(name: string, signIns: number, run: (i: number) => unknown, total: number, samples: number): Figures {
  let sink = 0;
  const warm = Math.min(total, Math.max(1000, Math.floor(total / 5)));
  for (let i = 0; i < warm; i++) if (run(i % signIns)) sink++;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < total; i++) if (run(i % signIns)) sink++;
  const perSecond = total / (Number(process.hrtime.bigint() - start) / 1e9);
  const used = process.cpuUsage(cpu);
  const perCpuSecond = total / ((used.user + used.system) / 1e6);
  const latencies = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    if (run(i % signIns)) sink++;
    latencies[i] = Number(process.hrtime.bigint() - t0);
  }
  latencies.sort();
  const sorted = Array.from(latencies);
  if (sink < 0) report(`${name}: impossible`);
  return { perSecond, perCpuSecond, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

function timerOverhead(): number {
  const samples: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const t0 = process.hrtime.bigint();
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  samples.sort((a, b) => a - b);
  return percentile(samples, 50);
}

const rate = (n: number): string => Math.round(n).toLocaleString('en-US');
const line = (name: string, f: Figures, extra = ''): void =>
  report(`${name}: ${rate(f.perSecond)} decisions/s (${rate(f.perCpuSecond)} per CPU-second), p50 ${micros(f.p50)} µs, p99 ${micros(f.p99)} µs${extra}`);

/** Allow/interrupt/block counts and enforced policies per sign-in, from the reports (outside timing). */
function describe(compiled: CompiledPolicySet, signIns: readonly SignInFacts[]): string {
  const outcomes = { allow: 0, interrupt: 0, block: 0 };
  let enforced = 0;
  for (const facts of signIns) {
    const decision = compiled.evaluate(facts);
    outcomes[decision.outcome]++;
    enforced += decision.appliedPolicies.filter((p) => p.result === 'success' || p.result === 'failure').length;
  }
  return `outcomes allow ${outcomes.allow} / interrupt ${outcomes.interrupt} / block ${outcomes.block}; ${(enforced / signIns.length).toFixed(1)} enforced policies per sign-in`;
}

export async function conditionalAccessBench(): Promise<void> {
  // The hot pool first, alone in memory: a large heap puts the collector to work during the timed loops.
  const { policies, signIns, groups } = generateWorkload({ signIns: HOT });
  const compiledStart = process.hrtime.bigint();
  const compiled = compileConditionalAccess(policies);
  const compileMs = Number(process.hrtime.bigint() - compiledStart) / 1e6;
  const states = { enabled: 0, enabledForReportingButNotEnforced: 0, disabled: 0 };
  for (const policy of policies) states[policy.state]++;
  report(`conditional access workload: ${policies.length} policies (${states.enabled} enabled, ${states.enabledForReportingButNotEnforced} report-only, ${states.disabled} disabled), ${groups.toLocaleString('en-US')} groups, users in ~50 groups; compiled in ${compileMs.toFixed(1)} ms; ${HOT} sign-ins: ${describe(compiled, signIns)}`);

  const cedarPolicies = toCedar(policies);
  const parsed = cedar.preparsePolicySet('conditional-access', { staticPolicies: cedarPolicies });
  if (parsed.type !== 'success') throw new Error(`Cedar refused the policies: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  const requests = signIns.map((facts) => ({ ...cedarRequest(facts), preparsedPolicySetId: 'conditional-access' }));
  const cedarAllows = (i: number): boolean => {
    const answer = cedar.statefulIsAuthorized(requests[i]!);
    if (answer.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(answer.errors)}`);
    if (answer.response.diagnostics.errors.length > 0) throw new Error(`Cedar policy error: ${JSON.stringify(answer.response.diagnostics.errors[0])}`);
    return answer.response.decision === 'allow';
  };
  signIns.forEach((facts, i) => {
    const { outcome } = compiled.evaluate(facts);
    if (cedarAllows(i) !== (outcome === 'allow')) throw new Error(`Gatehouse and Cedar disagree on sign-in ${i}: ${outcome}`);
  });
  report(`  Cedar translation: ${Object.keys(cedarPolicies).length} Cedar policies; Cedar and Gatehouse agree (allow vs. deny) on all ${signIns.length} sign-ins`);
  report(`  timer overhead (two hrtime.bigint readings) p50 ${micros(timerOverhead())} µs, included in every latency below`);

  const n = signIns.length;
  const gatehouse = measure('gatehouse', n, (i) => compiled.evaluate(signIns[i]!).outcome === 'allow', scale(3_000_000), scale(300_000));
  line(`  gatehouse compiled (decision), ${HOT} sign-ins cycled`, gatehouse, ' (goal >= 500,000/s, p50 <= 2 µs, p99 <= 10 µs)');
  const cedarFigures = measure('cedar', n, cedarAllows, scale(20_000), scale(10_000));
  line(`  cedar-wasm ${cedar.getCedarVersion()} statefulIsAuthorized`, cedarFigures);
  const withReports = measure('reports', n, (i) => {
    const decision: ConditionalAccessDecision = compiled.evaluate(signIns[i]!);
    return decision.appliedPolicies.length === policies.length && decision.appliedPolicies[0]!.reasons.length > 0;
  }, scale(60_000), scale(20_000));
  line(`  gatehouse compiled + all ${policies.length} reports with reasons read`, withReports);
  const interpreted = measure('reference', n, (i) => referenceEvaluate(policies, signIns[i]!).outcome === 'allow', scale(40_000), scale(10_000));
  line('  gatehouse interpreted (first evaluator, now the test reference)', interpreted);
  report(`  ratio gatehouse/cedar: ${(gatehouse.perSecond / cedarFigures.perSecond).toFixed(0)}x decisions/s, p50 ${(cedarFigures.p50 / gatehouse.p50).toFixed(0)}x lower (goal >= 100x); with all reports read ${(withReports.perSecond / cedarFigures.perSecond).toFixed(1)}x; compiled/interpreted ${(gatehouse.perSecond / interpreted.perSecond).toFixed(0)}x`);

  // Same policies (the generator draws them first), many more sign-ins: their facts no longer fit in the cache.
  const cold = generateWorkload({ signIns: COLD }).signIns;
  const coldFigures = measure('cold', COLD, (i) => compiled.evaluate(cold[i]!).outcome === 'allow', scale(1_000_000), scale(200_000));
  line(`  gatehouse compiled (decision), ${COLD.toLocaleString('en-US')} sign-ins cycled (facts not in cache)`, coldFigures);
}
