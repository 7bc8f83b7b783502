/**
 * Conditional access evaluation as Entra does it, compiled once per policy set: every enabled policy whose
 * conditions all match is enforced, a block anywhere wins, and otherwise the grant controls of all enforced
 * policies must be met together. Report-only policies are evaluated and reported the same way but never change
 * the outcome. This is the only evaluator: sign-ins, what-if and `explainPolicy` all run these compiled conditions.
 *
 * How a decision stays within a couple of microseconds with hundreds of policies (BENCHMARKS.md, 2026-11-22):
 * - Each policy is compiled to closures over prepared answers (conditional-access.conditions.ts): ids in maps, every
 *   reason string built at compile time, enum conditions tabulated, grant answers memoised (…controls.ts).
 * - The facts are normalised once per sign-in (conditional-access.view.ts): the user's groups, roles, matched
 *   locations and accepted terms are looked up once, after which "holds listed group k" is one array read.
 * - Policies are indexed by application: a sign-in to app X looks only at the enabled policies whose application
 *   condition takes X. Of those it skips, with one array read each, the ones nothing about the user can include
 *   (they target other groups, roles, users or guests), then reads the four enum conditions from one table, and
 *   runs the locations and users conditions last.
 * - `appliedPolicies`, the per-policy report with reasons, is built when first read, not during the decision. The
 *   decision keeps the normalised view (a snapshot: changing the facts object afterwards changes nothing) and the
 *   report runs the same compiled conditions over it, in policy order, for every policy — report-only, disabled and
 *   other-application ones included. Reading it costs one pass over the policy set (tens of microseconds for 200
 *   policies). It is an own enumerable property, so JSON.stringify, spreading and structuredClone read it too.
 *
 * A compiled set reads the policies as they were when compiled: compile again when the policies change.
 */
import {
  compileApplications,
  compileClientApps,
  compileLocations,
  compilePlatforms,
  compileSignInRisk,
  compileUserRisk,
  compileUsers,
  type CompiledApplications,
  type Condition,
  type ConditionMatch,
} from './conditional-access.conditions.ts';
import {
  combineRequirements,
  compileGrant,
  compileSession,
  reauthenticationRequired,
  strictness,
  type CompiledSession,
  type GrantOutcome,
} from './conditional-access.controls.ts';
import type {
  AppliedConditionalAccessPolicy,
  AppliedPolicyResult,
  ConditionalAccessDecision,
  ConditionalAccessPolicy,
  MergedSessionControls,
  MergedSignInFrequency,
  Requirement,
  SignInFacts,
} from './conditional-access.types.ts';
import { ENVIRONMENTS, Membership, type SignInView } from './conditional-access.view.ts';

/** The conditions of a policy by the names Graph's what-if `analysisReasons` use, in the order Entra reports them. */
export type ConditionName = 'users' | 'application' | 'clientApps' | 'devicePlatform' | 'location' | 'signInRisk' | 'userRisk';
const CONDITION_NAMES: readonly ConditionName[] = ['users', 'application', 'clientApps', 'devicePlatform', 'location', 'signInRisk', 'userRisk'];

export interface ConditionOutcome {
  condition: ConditionName;
  matches: boolean;
  reason: string;
}

/** One policy against one sign-in, with everything a what-if or a sign-in log shows. */
export interface PolicyExplanation {
  policy: ConditionalAccessPolicy;
  /** Whether the policy applies: enabled or report-only, and every condition matches. */
  applies: boolean;
  /** Every condition's answer, also for a disabled policy (what it would do if it were enabled). */
  conditions: ConditionOutcome[];
  /** What the grant controls demand; null when the policy does not apply. */
  grant: GrantOutcome | null;
  /** The policy's entry of `appliedPolicies`, exactly as the decision reports it. */
  report: AppliedConditionalAccessPolicy;
}

interface CompiledPolicy {
  index: number;
  policy: ConditionalAccessPolicy;
  /** `includeUsers` takes everyone (All, and not None): no sign-in is passed over before its users condition runs. */
  everyone: boolean;
  /** No locations condition: it always matches. */
  anyLocation: boolean;
  enabled: boolean;
  reportOnly: boolean;
  disabled: boolean;
  applications: CompiledApplications;
  /** In report order: users, application, client apps, platforms, locations, sign-in risk, user risk. */
  conditions: Condition[];
  /** For each environment code (conditional-access.view.ts), whether the four enum conditions all match. */
  environments: Uint8Array;
  locations: Condition;
  users: Condition;
  grant: (view: SignInView) => GrantOutcome;
  session: CompiledSession;
}

function compilePolicy(policy: ConditionalAccessPolicy, index: number, membership: Membership): CompiledPolicy {
  const { conditions } = policy;
  const users = compileUsers(conditions.users, membership);
  const applications = compileApplications(conditions.applications);
  const clientApps = compileClientApps(conditions.clientAppTypes);
  const platforms = compilePlatforms(conditions.platforms);
  const locations = compileLocations(conditions.locations, membership);
  const signInRisk = compileSignInRisk(conditions.signInRiskLevels);
  const userRisk = compileUserRisk(conditions.userRiskLevels);
  // The environment code enumerates client × platform × sign-in risk × user risk, user risk fastest.
  const environments = new Uint8Array(ENVIRONMENTS);
  let code = 0;
  for (const client of clientApps.table) {
    for (const platform of platforms.table) {
      for (const sign of signInRisk.table) {
        for (const user of userRisk.table) environments[code++] = client.matches && platform.matches && sign.matches && user.matches ? 1 : 0;
      }
    }
  }
  const { includeUsers } = conditions.users;
  return {
    index,
    policy,
    everyone: includeUsers.includes('All') && !includeUsers.includes('None'),
    anyLocation: !conditions.locations,
    enabled: policy.state === 'enabled',
    reportOnly: policy.state === 'enabledForReportingButNotEnforced',
    disabled: policy.state === 'disabled',
    applications,
    conditions: [users, applications.condition, clientApps.condition, platforms.condition, locations, signInRisk.condition, userRisk.condition],
    environments,
    locations,
    users,
    grant: compileGrant(policy.grantControls, membership),
    session: compileSession(policy),
  };
}

/**
 * Whether an enabled policy already known to take the sign-in's application applies: the cheap conditions first.
 * Equivalent to every entry of `conditions` matching (the property tests hold the two together).
 */
function applies(p: CompiledPolicy, view: SignInView): boolean {
  if (view.environment >= 0) {
    if (p.environments[view.environment] === 0) return false;
  } else if (!(p.conditions[2]!(view).matches && p.conditions[3]!(view).matches && p.conditions[5]!(view).matches && p.conditions[6]!(view).matches)) {
    return false;
  }
  return (p.anyLocation || p.locations(view).matches) && p.users(view).matches;
}

function resultOf(p: CompiledPolicy, applied: boolean, grant: GrantOutcome | null): AppliedPolicyResult {
  if (!applied) return p.reportOnly ? 'reportOnlyNotApplied' : 'notApplied';
  const success = grant?.satisfied === true;
  if (p.reportOnly) return success ? 'reportOnlySuccess' : 'reportOnlyFailure';
  return success ? 'success' : 'failure';
}

/** Scratch for one policy's condition answers while its report is built (evaluation is synchronous). */
const answers: ConditionMatch[] = [];

/** The policy's entry of `appliedPolicies`: its result, and the reasons of every condition (or of those that failed). */
function reportOf(p: CompiledPolicy, view: SignInView): { report: AppliedConditionalAccessPolicy; grant: GrantOutcome | null } {
  const { id, displayName } = p.policy;
  if (p.disabled) {
    return { report: { id, displayName, result: 'notEnabled', enforcedGrantControls: [], enforcedSessionControls: [], reasons: ['policy is disabled'] }, grant: null };
  }
  const { conditions } = p;
  let applied = true;
  for (let i = 0; i < conditions.length; i++) {
    const answer = conditions[i]!(view);
    answers[i] = answer;
    if (!answer.matches) applied = false;
  }
  const reasons: string[] = [];
  for (let i = 0; i < conditions.length; i++) {
    const answer = answers[i]!;
    if (answer.matches === applied) reasons.push(answer.reason);
  }
  if (!applied) return { report: { id, displayName, result: resultOf(p, false, null), enforcedGrantControls: [], enforcedSessionControls: [], reasons }, grant: null };
  const grant = p.grant(view);
  for (const reason of grant.reasons) reasons.push(reason);
  const report = { id, displayName, result: resultOf(p, true, grant), enforcedGrantControls: [...grant.controls], enforcedSessionControls: [...p.session.names], reasons };
  return { report, grant };
}

function explain(p: CompiledPolicy, view: SignInView): PolicyExplanation {
  const conditions = p.conditions.map((condition, i): ConditionOutcome => {
    const { matches, reason } = condition(view);
    return { condition: CONDITION_NAMES[i]!, matches, reason };
  });
  const { report, grant } = reportOf(p, view);
  return { policy: p.policy, applies: grant !== null, conditions, grant, report };
}

/**
 * Gives a plain object a private slot. A base class constructor that returns its argument makes `super(o)` yield
 * `o`, so the subclass's private fields are installed on it. Private fields are invisible to JSON, spreading,
 * Object.keys, structuredClone and deep equality, and cost what a property costs (a WeakMap entry per decision
 * would cost a hash insertion and collector work).
 */
class Slot {
  constructor(target: object) {
    return target as Slot;
  }
}

/** What a decision needs to build its reports when `appliedPolicies` is first read. */
class PendingReports extends Slot {
  readonly #set: CompiledPolicySet;
  readonly #view: SignInView;

  constructor(decision: object, set: CompiledPolicySet, view: SignInView) {
    super(decision);
    this.#set = set;
    this.#view = view;
  }

  static build(decision: object): AppliedConditionalAccessPolicy[] {
    const pending = decision as PendingReports;
    return pending.#set.reports(pending.#view);
  }
}

const asData = (decision: object, value: unknown): void => {
  Object.defineProperty(decision, 'appliedPolicies', { value, writable: true, enumerable: true, configurable: true });
};

/** One accessor pair for every decision (a pair of closures per decision costs more than the whole evaluation). */
const LAZY_REPORTS: PropertyDescriptor = {
  get(this: ConditionalAccessDecision): AppliedConditionalAccessPolicy[] {
    const reports = PendingReports.build(this);
    asData(this, reports);
    return reports;
  },
  set(this: ConditionalAccessDecision, value: AppliedConditionalAccessPolicy[]) {
    asData(this, value);
  },
  enumerable: true,
  configurable: true,
};

/** A decision whose `appliedPolicies` is built on first read (then kept as a plain data property). */
function decision(
  outcome: ConditionalAccessDecision['outcome'],
  required: Requirement[],
  sessionControls: MergedSessionControls,
  conditionalAccessStatus: ConditionalAccessDecision['conditionalAccessStatus'],
  set: CompiledPolicySet,
  view: SignInView,
): ConditionalAccessDecision {
  const made = { outcome, required, sessionControls, conditionalAccessStatus };
  new PendingReports(made, set, view);
  Object.defineProperty(made, 'appliedPolicies', LAZY_REPORTS);
  return made as ConditionalAccessDecision;
}

function mark(reached: Int32Array, list: readonly number[] | undefined, generation: number): void {
  if (list !== undefined) for (let k = 0; k < list.length; k++) reached[list[k] as number] = generation;
}

/** A policy set compiled once, evaluated for many sign-ins. */
export class CompiledPolicySet {
  readonly policies: readonly ConditionalAccessPolicy[];
  private readonly membership = new Membership();
  private readonly compiled: CompiledPolicy[];
  /** Enabled policies whose application condition takes the application, per application id some policy lists. */
  private readonly byApplication = new Map<string, CompiledPolicy[]>();
  /** Enabled policies whose application condition takes any application no policy lists. */
  private readonly anyApplication: CompiledPolicy[];
  /**
   * Which policies could include a user, by what includes them (unless they include everyone): the included
   * groups and roles (by membership index), user ids, guests. A policy no entry reaches cannot include the user,
   * so its conditions are not even run; `reached[i] === reachGeneration` marks those reached by this sign-in.
   */
  private readonly reachByMember: (number[] | undefined)[] = [];
  private readonly reachByUser = new Map<string, number[]>();
  private readonly reachGuests: number[] = [];
  private readonly reachExternal: number[] = [];
  private readonly reached: Int32Array;
  private reachGeneration = 0;

  constructor(policies: readonly ConditionalAccessPolicy[]) {
    this.policies = policies;
    this.compiled = policies.map((policy, i) => compilePolicy(policy, i, this.membership));
    const enabled = this.compiled.filter((p) => p.enabled);
    this.anyApplication = enabled.filter((p) => p.applications.other.matches);
    const listed = new Set(this.compiled.flatMap((p) => [...p.applications.listed.keys()]));
    for (const id of listed) this.byApplication.set(id, enabled.filter((p) => (p.applications.listed.get(id) ?? p.applications.other).matches));
    this.reached = new Int32Array(policies.length);
    for (const p of enabled) this.indexReach(p);
  }

  private indexReach(p: CompiledPolicy): void {
    const users = p.policy.conditions.users;
    if (p.everyone || users.includeUsers.includes('None')) return;
    const add = <K>(map: { get(key: K): number[] | undefined; set(key: K, value: number[]): unknown }, key: K) => {
      const list = map.get(key);
      if (list === undefined) map.set(key, [p.index]);
      else if (list.at(-1) !== p.index) list.push(p.index);
    };
    const members = { get: (i: number) => this.reachByMember[i], set: (i: number, list: number[]) => (this.reachByMember[i] = list) };
    for (const i of this.membership.index(this.membership.groups, users.includeGroups)) add(members, i);
    for (const i of this.membership.index(this.membership.roles, users.includeRoles)) add(members, i);
    for (const id of users.includeUsers) add(this.reachByUser, id);
    if (users.includeUsers.includes('GuestsOrExternalUsers')) this.reachGuests.push(p.index);
    if (users.includeGuestsOrExternalUsers) this.reachExternal.push(p.index);
  }

  /** Mark the policies that could include the user of `view`; answers the generation that marks them. */
  private reach(view: SignInView): number {
    const { reached, reachByMember } = this;
    if (this.reachGeneration === 0x7fffffff) {
      reached.fill(0);
      this.reachGeneration = 0;
    }
    const generation = ++this.reachGeneration;
    for (let k = 0; k < view.held.length; k++) mark(reached, reachByMember[view.held[k] as number], generation);
    if (this.reachByUser.size > 0) mark(reached, this.reachByUser.get(view.userId), generation);
    if (view.guestOrExternal) mark(reached, this.reachGuests, generation);
    if (view.externalKind !== null) mark(reached, this.reachExternal, generation);
    return generation;
  }

  /** Decide a sign-in: allow, block, or interrupt with what is still required. */
  evaluate(facts: SignInFacts): ConditionalAccessDecision {
    const view = this.membership.view(facts);
    const candidates = this.byApplication.get(view.applicationId) ?? this.anyApplication;
    const reached = this.reached;
    const generation = this.reach(view);
    let enforced = 0;
    let blocked = false;
    let pending: GrantOutcome[] | null = null;
    let signInFrequency: MergedSignInFrequency | null = null;
    let persistentBrowser: MergedSessionControls['persistentBrowser'] = null;
    for (let i = 0; i < candidates.length; i++) {
      const p = candidates[i]!;
      if ((!p.everyone && reached[p.index] !== generation) || !applies(p, view)) continue;
      enforced++;
      const grant = p.grant(view);
      if (grant.blocked || (!grant.satisfied && grant.options.length === 0)) blocked = true;
      else if (!grant.satisfied) (pending ??= []).push(grant);
      // The strictest session controls of the enforced policies: every time beats a period, never beats always.
      const { session } = p;
      if (session.signInFrequency !== null && (signInFrequency === null || strictness(session.signInFrequency) < strictness(signInFrequency))) {
        signInFrequency = session.signInFrequency;
      }
      if (session.persistentBrowser !== null && persistentBrowser !== 'never') persistentBrowser = session.persistentBrowser;
    }
    const reauthenticate = reauthenticationRequired(signInFrequency, view.lastSignInAgeMinutes);
    const sessionControls: MergedSessionControls = { signInFrequency, persistentBrowser, reauthenticationRequired: reauthenticate };
    let outcome: ConditionalAccessDecision['outcome'];
    let required: Requirement[];
    if (blocked) {
      outcome = 'block';
      required = [];
    } else {
      required = pending === null ? [] : combineRequirements(pending);
      if (reauthenticate) required.unshift('reauthentication');
      outcome = required.length > 0 ? 'interrupt' : 'allow';
    }
    const status = enforced === 0 ? 'notApplied' : outcome === 'allow' ? 'success' : 'failure';
    return decision(outcome, required, sessionControls, status, this, view);
  }

  /** Every policy explained against one sign-in, in policy order (what-if). */
  explain(facts: SignInFacts): PolicyExplanation[] {
    const view = this.membership.view(facts);
    return this.compiled.map((p) => explain(p, view));
  }

  /** The per-policy reports of a decision, computed from the view it kept. */
  reports(view: SignInView): AppliedConditionalAccessPolicy[] {
    this.membership.mark(view);
    return this.compiled.map((p) => reportOf(p, view).report);
  }
}

/** Compile a policy set once for many sign-ins; recompile when the policies change. */
export function compileConditionalAccess(policies: readonly ConditionalAccessPolicy[]): CompiledPolicySet {
  return new CompiledPolicySet(policies);
}

/** One policy against one sign-in, with the reasons a sign-in log shows (what-if, policy editors). */
export function explainPolicy(policy: ConditionalAccessPolicy, facts: SignInFacts): PolicyExplanation {
  return new CompiledPolicySet([policy]).explain(facts)[0]!;
}
