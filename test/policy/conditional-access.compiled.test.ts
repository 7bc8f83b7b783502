import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  compileConditionalAccess,
  evaluateConditionalAccess,
  explainPolicy,
  MFA_STRENGTH_ID,
  PHISHING_RESISTANT_STRENGTH_ID,
  type ConditionalAccessConditions,
  type ConditionalAccessPolicy,
  type SignInFacts,
} from '#src/policy/index.ts';
import { evaluatePolicy, referenceEvaluate } from './conditional-access.reference.ts';

/**
 * The compiled evaluator (policies compiled to closures, indexed by application, reports built on first read)
 * against the reference interpreter kept in conditional-access.reference.ts: same decisions, same reports, same
 * reasons, for generated policy sets and sign-ins. The pools of ids are small so that lists overlap often, and
 * include the special values (All, None, AllTrusted, GuestsOrExternalUsers) also as ids.
 */
const ids = <T extends string>(pool: T[]) => fc.subarray(pool);
const oneOf = <T>(...values: T[]) => fc.constantFrom(...values);
/** Usually the permissive value, so that generated policies often apply and the other conditions decide. */
const mostly = <T>(permissive: T, other: fc.Arbitrary<T>) => fc.oneof({ weight: 2, arbitrary: fc.constant(permissive) }, { weight: 1, arbitrary: other });

const externalKind = oneOf<SignInFacts['user']['externalUserKind']>(null, 'b2bCollaborationGuest', 'b2bCollaborationMember', 'internalGuest', 'otherExternalUser');
const guestSelection = fc.option(fc.record({
  guestOrExternalUserTypes: fc.subarray(['internalGuest', 'b2bCollaborationGuest', 'b2bCollaborationMember', 'otherExternalUser', 'serviceProvider'], { minLength: 1 }).map((t) => t.join(', ')),
  externalTenants: fc.option(fc.oneof(fc.constant({ membershipKind: 'all' as const }), ids(['t1', 't2']).map((members) => ({ membershipKind: 'enumerated' as const, members })))),
}));

const anyFacts: fc.Arbitrary<SignInFacts> = fc.record({
  user: fc.record({
    id: oneOf('u1', 'u2', 'u3', 'All'),
    groupIds: ids(['g1', 'g2', 'g3', 'g4', 'l1']),
    roleIds: ids(['r1', 'r2', 'g1']),
    userType: oneOf<'Member' | 'Guest'>('Member', 'Guest'),
    externalUserKind: externalKind,
    homeTenantId: oneOf(null, 't1', 't2'),
  }),
  applicationId: oneOf('a1', 'a2', 'a3', 'a-unlisted', 'All', 'None'),
  // A value outside the enum exercises the path for facts the tables were not built for.
  clientAppType: oneOf('browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other', 'unexpected') as fc.Arbitrary<SignInFacts['clientAppType']>,
  platform: oneOf(null, 'android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux', 'unexpected') as fc.Arbitrary<SignInFacts['platform']>,
  location: fc.record({ matchedLocationIds: ids(['l1', 'l2', 'l3', 'AllTrusted']), isTrusted: fc.boolean() }),
  signInRiskLevel: oneOf('none', 'low', 'medium', 'high') as fc.Arbitrary<SignInFacts['signInRiskLevel']>,
  userRiskLevel: oneOf('none', 'low', 'high', 'hidden') as fc.Arbitrary<SignInFacts['userRiskLevel']>,
  satisfied: fc.record({
    mfa: fc.boolean(), phishingResistant: fc.boolean(), compliantDevice: fc.boolean(), termsOfUse: ids(['tou1', 'tou2', 'tou3']),
    domainJoinedDevice: fc.boolean(), approvedApplication: fc.boolean(), compliantApplication: fc.boolean(), passwordChanged: fc.boolean(),
  }, { requiredKeys: ['mfa', 'phishingResistant', 'compliantDevice', 'termsOfUse'] }),
  lastSignInAgeMinutes: fc.option(fc.integer({ min: 0, max: 3000 })),
});

type Grant = NonNullable<ConditionalAccessPolicy['grantControls']>;
const anyPolicy: fc.Arbitrary<ConditionalAccessPolicy> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 4 }),
  displayName: fc.string({ maxLength: 8 }),
  state: oneOf<ConditionalAccessPolicy['state']>('enabled', 'enabled', 'disabled', 'enabledForReportingButNotEnforced'),
  conditions: fc.record({
    users: fc.record({
      includeUsers: fc.oneof(ids(['All', 'None', 'GuestsOrExternalUsers', 'u1', 'u2']), ids(['GuestsOrExternalUsers', 'u1', 'u2'])),
      excludeUsers: mostly([], ids(['u1', 'u3', 'GuestsOrExternalUsers'])),
      includeGroups: ids(['g1', 'g2', 'g3']), excludeGroups: mostly([], ids(['g2', 'g4'])), includeRoles: ids(['r1', 'r2']), excludeRoles: mostly([], ids(['r2', 'g1'])),
      includeGuestsOrExternalUsers: guestSelection, excludeGuestsOrExternalUsers: mostly(null, guestSelection),
    }),
    applications: mostly(
      { includeApplications: ['All'], excludeApplications: [] },
      fc.record({ includeApplications: ids(['All', 'None', 'a1', 'a2']), excludeApplications: ids(['a1', 'a3', 'All']) }),
    ),
    clientAppTypes: mostly([], ids(['all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'easSupported', 'other'])) as fc.Arbitrary<ConditionalAccessConditions['clientAppTypes']>,
    platforms: mostly(null, fc.option(fc.record({ includePlatforms: ids(['all', 'android', 'windows', 'linux']), excludePlatforms: ids(['all', 'iOS', 'windows']) }) as fc.Arbitrary<NonNullable<ConditionalAccessConditions['platforms']>>)),
    locations: mostly(null, fc.option(fc.record({ includeLocations: ids(['All', 'AllTrusted', 'l1', 'l2', 'g1']), excludeLocations: ids(['AllTrusted', 'All', 'l1', 'l3']) }))),
    signInRiskLevels: mostly([], ids(['low', 'medium', 'high', 'hidden'])) as fc.Arbitrary<ConditionalAccessConditions['signInRiskLevels']>,
    userRiskLevels: mostly([], ids(['low', 'high'])) as fc.Arbitrary<ConditionalAccessConditions['userRiskLevels']>,
  }),
  grantControls: fc.option(fc.record({
    operator: oneOf<'AND' | 'OR'>('AND', 'OR'),
    builtInControls: ids(['block', 'mfa', 'compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication', 'passwordChange']) as fc.Arbitrary<Grant['builtInControls']>,
    authenticationStrength: fc.option(oneOf({ id: MFA_STRENGTH_ID }, { id: PHISHING_RESISTANT_STRENGTH_ID }, { id: 'custom' })),
    termsOfUse: ids(['tou1', 'tou2', 'tou3']),
  })),
  sessionControls: fc.option(fc.record({
    signInFrequency: fc.option(fc.record({
      isEnabled: fc.boolean(), type: oneOf<'hours' | 'days' | null>('hours', 'days', null), value: fc.option(fc.integer({ min: 1, max: 48 })),
      frequencyInterval: oneOf<'timeBased' | 'everyTime'>('timeBased', 'everyTime'),
    })),
    persistentBrowser: fc.option(fc.record({ isEnabled: fc.boolean(), mode: oneOf<'always' | 'never'>('always', 'never') })),
  })),
});

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('compiled conditional access against the reference interpreter', () => {
  it('gives the same decision, reports and reasons', () => {
    let enforced = 0;
    fc.assert(
      fc.property(fc.array(anyPolicy, { maxLength: 10 }), anyFacts, (policies, facts) => {
        const reference = referenceEvaluate(policies, facts);
        assert.deepEqual(plain(compileConditionalAccess(policies).evaluate(facts)), plain(reference));
        if (reference.conditionalAccessStatus !== 'notApplied') enforced++;
      }),
      { numRuns: 5000 },
    );
    // The comparison only says something if the generated policies often apply.
    assert.ok(enforced > 1000, `only ${enforced} of 5000 sign-ins had an enforced policy`);
  });

  it('reads each decision from its own sign-in when reports are read after later evaluations', () => {
    fc.assert(
      fc.property(fc.array(anyPolicy, { maxLength: 8 }), fc.array(anyFacts, { minLength: 2, maxLength: 5 }), (policies, many) => {
        const compiled = compileConditionalAccess(policies);
        const decisions = many.map((facts) => compiled.evaluate(facts));
        decisions.reverse().forEach((decision, i) => {
          assert.deepEqual(plain(decision), plain(referenceEvaluate(policies, many[many.length - 1 - i]!)));
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('finds the user\'s groups among many long ids (the fingerprint pre-filter never hides a listed group)', () => {
    const groupPool = fc.uniqueArray(fc.uuid(), { minLength: 60, maxLength: 60 });
    fc.assert(
      fc.property(groupPool, fc.array(anyPolicy, { minLength: 1, maxLength: 6 }), anyFacts, fc.infiniteStream(fc.nat()), (groups, policies, facts, picks) => {
        const pick = () => groups[picks.next().value % groups.length]!;
        const withGroups = policies.map((p) => ({ ...p, conditions: { ...p.conditions, users: { ...p.conditions.users, includeUsers: [], includeGroups: [pick(), pick()], excludeGroups: [pick()] } } }));
        const signIn = { ...facts, user: { ...facts.user, groupIds: Array.from({ length: 50 }, pick) } };
        assert.deepEqual(plain(compileConditionalAccess(withGroups).evaluate(signIn)), plain(referenceEvaluate(withGroups, signIn)));
      }),
      { numRuns: 500 },
    );
  });

  it('explains each policy as the reference evaluates it', () => {
    fc.assert(
      fc.property(anyPolicy, anyFacts, (policy, facts) => {
        const explained = explainPolicy(policy, facts);
        const reference = evaluatePolicy(policy, facts);
        assert.deepEqual(explained.report, reference.report);
        assert.equal(explained.applies, reference.applies);
        assert.deepEqual(plain(explained.grant), plain(reference.grant));
        assert.deepEqual(explained.conditions.map((c) => c.condition), ['users', 'application', 'clientApps', 'devicePlatform', 'location', 'signInRisk', 'userRisk']);
        if (policy.state !== 'disabled') {
          assert.deepEqual(explained.conditions.filter((c) => !c.matches).map((c) => c.reason), explained.applies ? [] : reference.report.reasons);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('compiled conditional access decisions', () => {
  const facts = (over: Partial<SignInFacts> = {}): SignInFacts => ({
    user: { id: 'u1', groupIds: ['g1'], roleIds: [], userType: 'Member', externalUserKind: null, homeTenantId: null },
    applicationId: 'a1', clientAppType: 'browser', platform: 'windows', location: { matchedLocationIds: [], isTrusted: false },
    signInRiskLevel: 'none', userRiskLevel: 'none', satisfied: { mfa: false, phishingResistant: false, compliantDevice: false, termsOfUse: [] },
    ...over,
  });
  const mfaForGroup: ConditionalAccessPolicy = {
    id: 'p1', displayName: 'MFA for g1', state: 'enabled',
    conditions: {
      users: { includeUsers: [], excludeUsers: [], includeGroups: ['g1'], excludeGroups: [], includeRoles: [], excludeRoles: [] },
      applications: { includeApplications: ['a1'], excludeApplications: [] }, clientAppTypes: [], signInRiskLevels: [], userRiskLevels: [],
    },
    grantControls: { operator: 'AND', builtInControls: ['mfa'] },
  };
  const otherApp: ConditionalAccessPolicy = { ...mfaForGroup, id: 'p2', displayName: 'Block a2', conditions: { ...mfaForGroup.conditions, applications: { includeApplications: ['a2'], excludeApplications: [] } }, grantControls: { operator: 'AND', builtInControls: ['block'] } };

  it('keeps the facts it was given: changing them afterwards does not change the reports', () => {
    const signIn = facts();
    const decision = evaluateConditionalAccess([mfaForGroup, otherApp], signIn);
    signIn.user.groupIds.length = 0;
    signIn.user.id = 'u2';
    (signIn as { applicationId: string }).applicationId = 'a2';
    signIn.satisfied.mfa = true;
    assert.equal(decision.outcome, 'interrupt');
    assert.deepEqual(decision.appliedPolicies.map((p) => p.result), ['failure', 'notApplied']);
    assert.deepEqual(decision.appliedPolicies[0]!.reasons, [
      'user included by includeGroups g1', 'application included by includeApplications a1', 'client app type: any', 'platforms not configured',
      'locations not configured', 'signInRisk: any level', 'userRisk: any level', 'mfa required',
    ]);
  });

  it('shows the reports to JSON, spreading and structuredClone, and keeps them once built', () => {
    const decision = evaluateConditionalAccess([mfaForGroup, otherApp], facts());
    const viaJson = JSON.parse(JSON.stringify(decision)) as typeof decision;
    assert.deepEqual(viaJson.appliedPolicies.map((p) => p.id), ['p1', 'p2']);
    assert.deepEqual({ ...decision }.appliedPolicies.map((p) => p.result), ['failure', 'notApplied']);
    assert.deepEqual(structuredClone(decision).appliedPolicies.map((p) => p.result), ['failure', 'notApplied']);
    assert.equal(decision.appliedPolicies, decision.appliedPolicies);
    decision.appliedPolicies = [];
    assert.deepEqual(decision.appliedPolicies, []);
  });

  it('reuses the compilation for the same array and gives fresh report arrays to each decision', () => {
    const policies = [mfaForGroup];
    const first = evaluateConditionalAccess(policies, facts());
    first.appliedPolicies[0]!.enforcedGrantControls.push('changed');
    first.appliedPolicies[0]!.reasons.length = 0;
    const second = evaluateConditionalAccess(policies, facts());
    assert.deepEqual(second.appliedPolicies[0]!.enforcedGrantControls, ['mfa']);
    assert.equal(second.appliedPolicies[0]!.reasons.length, 8);
  });

  it('explains a disabled policy with the conditions it would have matched', () => {
    const explained = explainPolicy({ ...mfaForGroup, state: 'disabled' }, facts({ applicationId: 'a2' }));
    assert.equal(explained.applies, false);
    assert.deepEqual(explained.report.reasons, ['policy is disabled']);
    assert.deepEqual(explained.conditions.filter((c) => !c.matches), [{ condition: 'application', matches: false, reason: 'application not included' }]);
  });

  it('explains every policy of a compiled set in order', () => {
    const explained = compileConditionalAccess([mfaForGroup, otherApp]).explain(facts({ applicationId: 'a2' }));
    assert.deepEqual(explained.map((e) => [e.policy.id, e.applies, e.report.result]), [['p1', false, 'notApplied'], ['p2', true, 'failure']]);
  });

  it('lets an OR policy listed first reuse what a later single-option policy demands', () => {
    const either: ConditionalAccessPolicy = { ...mfaForGroup, id: 'either', grantControls: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] } };
    const device: ConditionalAccessPolicy = { ...mfaForGroup, id: 'device', grantControls: { operator: 'AND', builtInControls: ['compliantDevice'] } };
    assert.deepEqual(evaluateConditionalAccess([either, device], facts()).required, ['compliantDevice']);
    assert.deepEqual(referenceEvaluate([either, device], facts()).required, ['compliantDevice']);
  });

  it('answers a policy with many terms of use without memoising', () => {
    const terms = Array.from({ length: 40 }, (_, i) => `tou${i}`);
    const policy: ConditionalAccessPolicy = { ...mfaForGroup, grantControls: { operator: 'AND', builtInControls: [], termsOfUse: terms } };
    const accepted = terms.filter((_, i) => i !== 33);
    const decision = evaluateConditionalAccess([policy], facts({ satisfied: { mfa: false, phishingResistant: false, compliantDevice: false, termsOfUse: accepted } }));
    assert.deepEqual(decision.required, ['termsOfUse:tou33']);
    assert.deepEqual(plain(decision), plain(referenceEvaluate([policy], facts({ satisfied: { mfa: false, phishingResistant: false, compliantDevice: false, termsOfUse: accepted } }))));
  });
});
