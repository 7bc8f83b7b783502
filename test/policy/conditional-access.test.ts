import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  evaluateConditionalAccess,
  MFA_STRENGTH_ID,
  PHISHING_RESISTANT_STRENGTH_ID,
  type ConditionalAccessConditions,
  type ConditionalAccessPolicy,
  type SignInFacts,
} from '#src/policy/index.ts';

type Conditions = Partial<Omit<ConditionalAccessConditions, 'users' | 'applications'>> & {
  users?: Partial<ConditionalAccessConditions['users']>;
  applications?: Partial<ConditionalAccessConditions['applications']>;
};
type PolicyShape = Partial<Omit<ConditionalAccessPolicy, 'conditions'>> & { conditions?: Conditions };
type FactsShape = Partial<Omit<SignInFacts, 'user' | 'satisfied' | 'location'>> & {
  user?: Partial<SignInFacts['user']>;
  satisfied?: Partial<SignInFacts['satisfied']>;
  location?: Partial<SignInFacts['location']>;
};

/** A policy that applies to everyone everywhere and requires MFA, narrowed by each case. */
function policy(shape: PolicyShape = {}): ConditionalAccessPolicy {
  const { conditions = {}, ...rest } = shape;
  return {
    id: 'p1',
    displayName: 'Policy 1',
    state: 'enabled',
    grantControls: { operator: 'AND', builtInControls: ['mfa'] },
    ...rest,
    conditions: {
      clientAppTypes: ['all'],
      signInRiskLevels: [],
      userRiskLevels: [],
      ...conditions,
      users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [], ...conditions.users },
      applications: { includeApplications: ['All'], excludeApplications: [], ...conditions.applications },
    },
  };
}

/** An internal member signing in to app-1 from a browser on Windows, with nothing satisfied yet. */
function facts(shape: FactsShape = {}): SignInFacts {
  return {
    applicationId: 'app-1',
    clientAppType: 'browser',
    platform: 'windows',
    signInRiskLevel: 'none',
    userRiskLevel: 'none',
    ...shape,
    user: { id: 'u1', groupIds: ['g1'], roleIds: ['r1'], userType: 'Member', externalUserKind: null, homeTenantId: null, ...shape.user },
    location: { matchedLocationIds: ['loc-office'], isTrusted: true, ...shape.location },
    satisfied: { mfa: false, phishingResistant: false, compliantDevice: false, termsOfUse: [], ...shape.satisfied },
  };
}

const guest = (kind: NonNullable<SignInFacts['user']['externalUserKind']>, tenant: string | null = 't-partner'): FactsShape => ({
  user: { id: 'guest-1', groupIds: [], roleIds: [], userType: kind.endsWith('Member') ? 'Member' : 'Guest', externalUserKind: kind, homeTenantId: tenant },
});

const applies = (shape: PolicyShape, factShape: FactsShape = {}) =>
  evaluateConditionalAccess([policy(shape)], facts(factShape)).appliedPolicies[0]!;

describe('conditional access conditions', () => {
  // [name, policy, facts, applies, a reason that must be given]
  const cases: [string, PolicyShape, FactsShape, boolean, RegExp][] = [
    ['includeUsers All takes everyone', {}, {}, true, /includeUsers All/],
    ['includeUsers None takes no one', { conditions: { users: { includeUsers: ['None'] } } }, {}, false, /includeUsers is None/],
    ['a listed user is included', { conditions: { users: { includeUsers: ['u1'] } } }, {}, true, /includeUsers u1/],
    ['an unlisted user is not', { conditions: { users: { includeUsers: ['u2'] } } }, {}, false, /user not included/],
    ['a group member is included', { conditions: { users: { includeUsers: [], includeGroups: ['g1'] } } }, {}, true, /includeGroups g1/],
    ['a non-member is not', { conditions: { users: { includeUsers: [], includeGroups: ['g2'] } } }, {}, false, /user not included/],
    ['a role holder is included', { conditions: { users: { includeUsers: [], includeRoles: ['r1'] } } }, {}, true, /includeRoles r1/],
    ['excludeUsers beats All', { conditions: { users: { excludeUsers: ['u1'] } } }, {}, false, /excluded by excludeUsers u1/],
    ['excludeGroups beats includeUsers', { conditions: { users: { includeUsers: ['u1'], excludeGroups: ['g1'] } } }, {}, false, /excluded by excludeGroups g1/],
    ['excludeRoles beats includeGroups', { conditions: { users: { includeUsers: [], includeGroups: ['g1'], excludeRoles: ['r1'] } } }, {}, false, /excluded by excludeRoles r1/],
    ['an exclusion of another group does not exclude', { conditions: { users: { excludeGroups: ['g9'] } } }, {}, true, /includeUsers All/],
    ['GuestsOrExternalUsers takes a guest', { conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] } } }, guest('b2bCollaborationGuest'), true, /GuestsOrExternalUsers/],
    ['GuestsOrExternalUsers skips a member', { conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] } } }, {}, false, /user not included/],
    ['excludeUsers GuestsOrExternalUsers excludes an external member', { conditions: { users: { excludeUsers: ['GuestsOrExternalUsers'] } } }, guest('b2bCollaborationMember'), false, /excludeUsers GuestsOrExternalUsers/],
    ...guestTypeCases(),
  ];
  for (const [name, shape, factShape, expected, reason] of cases) {
    it(name, () => {
      const report = applies(shape, factShape);
      assert.equal(report.result, expected ? 'failure' : 'notApplied', report.reasons.join('; '));
      assert.ok(report.reasons.some((r) => reason.test(r)), `no reason matching ${reason}: ${report.reasons.join('; ')}`);
    });
  }
});

function guestTypeCases(): [string, PolicyShape, FactsShape, boolean, RegExp][] {
  const include = (types: string, tenants?: { membershipKind: 'all' | 'enumerated'; members?: string[] }): PolicyShape => ({
    conditions: { users: { includeUsers: [], includeGuestsOrExternalUsers: { guestOrExternalUserTypes: types, externalTenants: tenants ?? null } } },
  });
  const exclude = (types: string, tenants?: { membershipKind: 'all' | 'enumerated'; members?: string[] }): PolicyShape => ({
    conditions: { users: { excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: types, externalTenants: tenants ?? null } } },
  });
  const byGuests = /includeGuestsOrExternalUsers/;
  return [
    ['guest types: a listed type is included', include('b2bCollaborationGuest,b2bCollaborationMember'), guest('b2bCollaborationMember'), true, byGuests],
    ['guest types: an unlisted type is not', include('b2bCollaborationGuest'), guest('otherExternalUser'), false, /user not included/],
    ['guest types: an internal member is never external', include('b2bCollaborationGuest,internalGuest,otherExternalUser'), {}, false, /user not included/],
    ['guest types: tenants all', include('b2bCollaborationGuest', { membershipKind: 'all' }), guest('b2bCollaborationGuest', 't-any'), true, byGuests],
    ['guest types: enumerated tenant listed', include('b2bCollaborationGuest', { membershipKind: 'enumerated', members: ['t-partner'] }), guest('b2bCollaborationGuest'), true, byGuests],
    ['guest types: enumerated tenant not listed', include('b2bCollaborationGuest', { membershipKind: 'enumerated', members: ['t-other'] }), guest('b2bCollaborationGuest'), false, /user not included/],
    ['guest types: enumerated tenants and no home tenant', include('otherExternalUser', { membershipKind: 'enumerated', members: ['t-partner'] }), guest('otherExternalUser', null), false, /user not included/],
    ['guest types: internal guests are not narrowed by tenant', include('internalGuest', { membershipKind: 'enumerated', members: ['t-other'] }), guest('internalGuest', null), true, byGuests],
    ['guest types: exclusion beats includeUsers All', exclude('b2bCollaborationGuest', { membershipKind: 'enumerated', members: ['t-partner'] }), guest('b2bCollaborationGuest'), false, /excludeGuestsOrExternalUsers/],
    ['guest types: exclusion of another tenant does not exclude', exclude('b2bCollaborationGuest', { membershipKind: 'enumerated', members: ['t-other'] }), guest('b2bCollaborationGuest'), true, /includeUsers All/],
  ];
}

describe('conditional access applications, clients, platforms, locations and risk', () => {
  const cases: [string, PolicyShape, FactsShape, boolean, RegExp][] = [
    ['includeApplications All', {}, {}, true, /includeApplications All/],
    ['includeApplications None', { conditions: { applications: { includeApplications: ['None'] } } }, {}, false, /includeApplications is None/],
    ['a listed application', { conditions: { applications: { includeApplications: ['app-1'] } } }, {}, true, /includeApplications app-1/],
    ['an unlisted application', { conditions: { applications: { includeApplications: ['app-2'] } } }, {}, false, /application not included/],
    ['excludeApplications beats All', { conditions: { applications: { excludeApplications: ['app-1'] } } }, {}, false, /excludeApplications app-1/],
    ['clientAppTypes all', {}, { clientAppType: 'other' }, true, /client app type: any/],
    ['a listed client app type', { conditions: { clientAppTypes: ['browser'] } }, {}, true, /browser included/],
    ['an unlisted client app type', { conditions: { clientAppTypes: ['mobileAppsAndDesktopClients'] } }, {}, false, /browser not included/],
    ['easSupported takes Exchange ActiveSync', { conditions: { clientAppTypes: ['easSupported'] } }, { clientAppType: 'exchangeActiveSync' }, true, /exchangeActiveSync included/],
    ['platforms all', { conditions: { platforms: { includePlatforms: ['all'], excludePlatforms: [] } } }, {}, true, /includePlatforms all/],
    ['platforms all takes an unknown platform', { conditions: { platforms: { includePlatforms: ['all'], excludePlatforms: ['iOS'] } } }, { platform: null }, true, /includePlatforms all/],
    ['a named platform does not take an unknown one', { conditions: { platforms: { includePlatforms: ['windows'], excludePlatforms: [] } } }, { platform: null }, false, /platform unknown not included/],
    ['a listed platform', { conditions: { platforms: { includePlatforms: ['android', 'windows'], excludePlatforms: [] } } }, {}, true, /includePlatforms windows/],
    ['an unlisted platform', { conditions: { platforms: { includePlatforms: ['android'], excludePlatforms: [] } } }, {}, false, /platform windows not included/],
    ['excludePlatforms beats all', { conditions: { platforms: { includePlatforms: ['all'], excludePlatforms: ['windows'] } } }, {}, false, /excludePlatforms windows/],
    ['locations All', { conditions: { locations: { includeLocations: ['All'], excludeLocations: [] } } }, { location: { matchedLocationIds: [], isTrusted: false } }, true, /includeLocations All/],
    ['locations AllTrusted from a trusted place', { conditions: { locations: { includeLocations: ['AllTrusted'], excludeLocations: [] } } }, {}, true, /includeLocations AllTrusted/],
    ['locations AllTrusted from elsewhere', { conditions: { locations: { includeLocations: ['AllTrusted'], excludeLocations: [] } } }, { location: { isTrusted: false } }, false, /location not included/],
    ['a named location matched', { conditions: { locations: { includeLocations: ['loc-office'], excludeLocations: [] } } }, {}, true, /includeLocations loc-office/],
    ['a named location not matched', { conditions: { locations: { includeLocations: ['loc-vendor'], excludeLocations: [] } } }, {}, false, /location not included/],
    ['excludeLocations named beats All', { conditions: { locations: { includeLocations: ['All'], excludeLocations: ['loc-office'] } } }, {}, false, /excludeLocations loc-office/],
    ['excludeLocations AllTrusted beats All', { conditions: { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } } }, {}, false, /excludeLocations AllTrusted/],
    ['excludeLocations AllTrusted leaves untrusted places in', { conditions: { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } } }, { location: { matchedLocationIds: [], isTrusted: false } }, true, /includeLocations All/],
    ['empty sign-in risk list means any', {}, { signInRiskLevel: 'high' }, true, /signInRisk: any level/],
    ['a listed sign-in risk', { conditions: { signInRiskLevels: ['medium', 'high'] } }, { signInRiskLevel: 'high' }, true, /signInRisk level high included/],
    ['an unlisted sign-in risk', { conditions: { signInRiskLevels: ['high'] } }, { signInRiskLevel: 'low' }, false, /signInRisk level low not included/],
    ['a listed user risk', { conditions: { userRiskLevels: ['high'] } }, { userRiskLevel: 'high' }, true, /userRisk level high included/],
    ['an unlisted user risk', { conditions: { userRiskLevels: ['high'] } }, { userRiskLevel: 'none' }, false, /userRisk level none not included/],
    ['every failing condition is reported', { conditions: { clientAppTypes: ['other'], signInRiskLevels: ['high'] } }, {}, false, /signInRisk level none not included/],
  ];
  for (const [name, shape, factShape, expected, reason] of cases) {
    it(name, () => {
      const report = applies(shape, factShape);
      assert.equal(report.result, expected ? 'failure' : 'notApplied', report.reasons.join('; '));
      assert.ok(report.reasons.some((r) => reason.test(r)), `no reason matching ${reason}: ${report.reasons.join('; ')}`);
      assert.deepEqual(report.enforcedGrantControls, expected ? ['mfa'] : []);
    });
  }
});

describe('conditional access grant controls', () => {
  const grant = (operator: 'AND' | 'OR', builtInControls: NonNullable<ConditionalAccessPolicy['grantControls']>['builtInControls'], extra: object = {}): PolicyShape => ({
    grantControls: { operator, builtInControls, ...extra },
  });
  // [name, policy, facts, outcome, required]
  const cases: [string, PolicyShape, FactsShape, 'allow' | 'block' | 'interrupt', string[]][] = [
    ['MFA required and missing', grant('AND', ['mfa']), {}, 'interrupt', ['mfa']],
    ['MFA required and done', grant('AND', ['mfa']), { satisfied: { mfa: true } }, 'allow', []],
    ['phishing-resistant methods count as MFA', grant('AND', ['mfa']), { satisfied: { phishingResistant: true } }, 'allow', []],
    ['AND needs every control', grant('AND', ['mfa', 'compliantDevice']), { satisfied: { mfa: true } }, 'interrupt', ['compliantDevice']],
    ['AND lists every missing control', grant('AND', ['mfa', 'compliantDevice']), {}, 'interrupt', ['mfa', 'compliantDevice']],
    ['OR needs one control', grant('OR', ['mfa', 'compliantDevice']), { satisfied: { compliantDevice: true } }, 'allow', []],
    ['OR with none met asks for the first', grant('OR', ['mfa', 'compliantDevice']), {}, 'interrupt', ['mfa']],
    ['OR with an unsatisfiable alternative asks for the other', grant('OR', ['domainJoinedDevice', 'compliantDevice']), {}, 'interrupt', ['compliantDevice']],
    ['OR with a met unsatisfiable-by-prompt control allows', grant('OR', ['domainJoinedDevice', 'mfa']), { satisfied: { domainJoinedDevice: true } }, 'allow', []],
    ['AND with a control no prompt can satisfy blocks', grant('AND', ['mfa', 'approvedApplication']), { satisfied: { mfa: true } }, 'block', []],
    ['block blocks', grant('AND', ['block']), { satisfied: { mfa: true, compliantDevice: true } }, 'block', []],
    ['block in an OR still blocks', grant('OR', ['block', 'mfa']), { satisfied: { mfa: true } }, 'block', []],
    ['no grant controls: session-only policy allows', { grantControls: null }, {}, 'allow', []],
    ['MFA strength satisfied by MFA', grant('AND', [], { authenticationStrength: { id: MFA_STRENGTH_ID } }), { satisfied: { mfa: true } }, 'allow', []],
    ['MFA strength missing', grant('AND', [], { authenticationStrength: { id: MFA_STRENGTH_ID } }), {}, 'interrupt', ['mfa']],
    ['phishing-resistant strength not met by plain MFA', grant('AND', [], { authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } }), { satisfied: { mfa: true } }, 'interrupt', ['phishingResistant']],
    ['phishing-resistant strength met', grant('AND', [], { authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID, displayName: 'Phishing-resistant MFA' } }), { satisfied: { phishingResistant: true } }, 'allow', []],
    ['an unknown custom strength cannot be met here', grant('AND', [], { authenticationStrength: { id: 'custom-1' } }), { satisfied: { mfa: true, phishingResistant: true } }, 'block', []],
    ['terms of use all accepted', grant('AND', [], { termsOfUse: ['tou-1', 'tou-2'] }), { satisfied: { termsOfUse: ['tou-2', 'tou-1'] } }, 'allow', []],
    ['terms of use partly accepted', grant('AND', [], { termsOfUse: ['tou-1', 'tou-2'] }), { satisfied: { termsOfUse: ['tou-1'] } }, 'interrupt', ['termsOfUse:tou-2']],
    ['terms of use with MFA (AND)', grant('AND', ['mfa'], { termsOfUse: ['tou-1'] }), {}, 'interrupt', ['mfa', 'termsOfUse:tou-1']],
    ['terms of use or MFA (OR), MFA done', grant('OR', ['mfa'], { termsOfUse: ['tou-1'] }), { satisfied: { mfa: true } }, 'allow', []],
  ];
  for (const [name, shape, factShape, outcome, required] of cases) {
    it(name, () => {
      const decision = evaluateConditionalAccess([policy(shape)], facts(factShape));
      assert.equal(decision.outcome, outcome);
      assert.deepEqual(decision.required, required);
      assert.equal(decision.appliedPolicies[0]!.result, outcome === 'allow' ? 'success' : 'failure');
      assert.equal(decision.conditionalAccessStatus, outcome === 'allow' ? 'success' : 'failure');
    });
  }
});

describe('conditional access across several policies', () => {
  const mfa = policy({ id: 'mfa', displayName: 'MFA for all' });
  const device = policy({ id: 'device', displayName: 'Compliant device', grantControls: { operator: 'AND', builtInControls: ['compliantDevice'] } });
  const blockRisky = policy({ id: 'block', displayName: 'Block high risk', conditions: { signInRiskLevels: ['high'] }, grantControls: { operator: 'AND', builtInControls: ['block'] } });
  const reportOnlyBlock = policy({ id: 'ro', displayName: 'Block all (report-only)', state: 'enabledForReportingButNotEnforced', grantControls: { operator: 'AND', builtInControls: ['block'] } });
  const disabledBlock = policy({ id: 'off', displayName: 'Block all (disabled)', state: 'disabled', grantControls: { operator: 'AND', builtInControls: ['block'] } });
  const eitherMfaOrDevice = policy({ id: 'either', displayName: 'MFA or device', grantControls: { operator: 'OR', builtInControls: ['compliantDevice', 'mfa'] } });
  const strong = policy({ id: 'strong', displayName: 'Phishing-resistant', grantControls: { operator: 'AND', builtInControls: [], authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } } });

  const cases: [string, ConditionalAccessPolicy[], FactsShape, 'allow' | 'block' | 'interrupt', string[], string[]][] = [
    ['requirements of all matching policies add up', [mfa, device], {}, 'interrupt', ['mfa', 'compliantDevice'], ['failure', 'failure']],
    ['met policies succeed together', [mfa, device], { satisfied: { mfa: true, compliantDevice: true } }, 'allow', [], ['success', 'success']],
    ['block beats satisfied controls', [mfa, blockRisky], { signInRiskLevel: 'high', satisfied: { mfa: true } }, 'block', [], ['success', 'failure']],
    ['a block that does not apply is ignored', [mfa, blockRisky], { satisfied: { mfa: true } }, 'allow', [], ['success', 'notApplied']],
    ['report-only block is reported, never enforced', [mfa, reportOnlyBlock], { satisfied: { mfa: true } }, 'allow', [], ['success', 'reportOnlyFailure']],
    ['report-only success', [policy({ id: 'ro2', state: 'enabledForReportingButNotEnforced' })], { satisfied: { mfa: true } }, 'allow', [], ['reportOnlySuccess']],
    ['report-only not applied', [policy({ id: 'ro3', state: 'enabledForReportingButNotEnforced', conditions: { users: { excludeUsers: ['u1'] } } })], {}, 'allow', [], ['reportOnlyNotApplied']],
    ['disabled policy is notEnabled', [disabledBlock], {}, 'allow', [], ['notEnabled']],
    ['an OR policy reuses what another policy already demands', [device, eitherMfaOrDevice], {}, 'interrupt', ['compliantDevice'], ['failure', 'failure']],
    ['phishing-resistant subsumes MFA', [mfa, strong], {}, 'interrupt', ['phishingResistant'], ['failure', 'failure']],
    ['no policy applies', [blockRisky], {}, 'allow', [], ['notApplied']],
  ];
  for (const [name, policies, factShape, outcome, required, results] of cases) {
    it(name, () => {
      const decision = evaluateConditionalAccess(policies, facts(factShape));
      assert.equal(decision.outcome, outcome);
      assert.deepEqual(decision.required, required);
      assert.deepEqual(decision.appliedPolicies.map((p) => p.result), results);
      assert.deepEqual(decision.appliedPolicies.map((p) => p.id), policies.map((p) => p.id));
    });
  }

  it('reports conditionalAccessStatus notApplied when only report-only and disabled policies exist', () => {
    const decision = evaluateConditionalAccess([reportOnlyBlock, disabledBlock], facts());
    assert.equal(decision.conditionalAccessStatus, 'notApplied');
    assert.deepEqual(decision.appliedPolicies[1]!.reasons, ['policy is disabled']);
    assert.deepEqual(decision.appliedPolicies[0]!.enforcedGrantControls, ['block']);
  });
});

describe('conditional access session controls', () => {
  const sif = (id: string, frequencyInterval: 'timeBased' | 'everyTime', type: 'hours' | 'days' | null, value: number | null, state: ConditionalAccessPolicy['state'] = 'enabled') =>
    policy({ id, state, grantControls: null, sessionControls: { signInFrequency: { isEnabled: true, type, value, frequencyInterval } } });
  const browser = (id: string, mode: 'always' | 'never') => policy({ id, grantControls: null, sessionControls: { persistentBrowser: { isEnabled: true, mode } } });

  const cases: [string, ConditionalAccessPolicy[], FactsShape, object | null, 'always' | 'never' | null, 'allow' | 'interrupt'][] = [
    ['one time-based frequency', [sif('a', 'timeBased', 'hours', 8)], {}, { frequencyInterval: 'timeBased', minutes: 480, policyId: 'a' }, null, 'allow'],
    ['the shorter period wins', [sif('a', 'timeBased', 'days', 1), sif('b', 'timeBased', 'hours', 8)], {}, { frequencyInterval: 'timeBased', minutes: 480, policyId: 'b' }, null, 'allow'],
    ['hours against days compare by length', [sif('a', 'timeBased', 'hours', 30), sif('b', 'timeBased', 'days', 1)], {}, { frequencyInterval: 'timeBased', minutes: 1440, policyId: 'b' }, null, 'allow'],
    ['every time beats any period', [sif('a', 'timeBased', 'hours', 1), sif('b', 'everyTime', null, null)], {}, { frequencyInterval: 'everyTime', policyId: 'b' }, null, 'allow'],
    ['report-only frequency is not merged', [sif('a', 'timeBased', 'hours', 8), sif('b', 'everyTime', null, null, 'enabledForReportingButNotEnforced')], {}, { frequencyInterval: 'timeBased', minutes: 480, policyId: 'a' }, null, 'allow'],
    ['an old sign-in must reauthenticate', [sif('a', 'timeBased', 'hours', 8)], { lastSignInAgeMinutes: 481 }, { frequencyInterval: 'timeBased', minutes: 480, policyId: 'a' }, null, 'interrupt'],
    ['a recent sign-in need not', [sif('a', 'timeBased', 'hours', 8)], { lastSignInAgeMinutes: 480 }, { frequencyInterval: 'timeBased', minutes: 480, policyId: 'a' }, null, 'allow'],
    ['every time tolerates five minutes of skew', [sif('a', 'everyTime', null, null)], { lastSignInAgeMinutes: 5 }, { frequencyInterval: 'everyTime', policyId: 'a' }, null, 'allow'],
    ['every time after the skew', [sif('a', 'everyTime', null, null)], { lastSignInAgeMinutes: 6 }, { frequencyInterval: 'everyTime', policyId: 'a' }, null, 'interrupt'],
    ['never beats always', [browser('a', 'always'), browser('b', 'never'), browser('c', 'always')], {}, null, 'never', 'allow'],
    ['always alone', [browser('a', 'always')], {}, null, 'always', 'allow'],
  ];
  for (const [name, policies, factShape, frequency, persistent, outcome] of cases) {
    it(name, () => {
      const decision = evaluateConditionalAccess(policies, facts(factShape));
      if (frequency === null) assert.equal(decision.sessionControls.signInFrequency, null);
      else assert.deepEqual({ ...decision.sessionControls.signInFrequency, type: undefined, value: undefined }, { type: undefined, value: undefined, ...frequency });
      assert.equal(decision.sessionControls.persistentBrowser, persistent);
      assert.equal(decision.outcome, outcome);
      assert.deepEqual(decision.required, outcome === 'interrupt' ? ['reauthentication'] : []);
    });
  }

  it('names the session controls a policy enforced', () => {
    const both = policy({ grantControls: null, sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 1, frequencyInterval: 'timeBased' }, persistentBrowser: { isEnabled: true, mode: 'never' } } });
    assert.deepEqual(evaluateConditionalAccess([both], facts()).appliedPolicies[0]!.enforcedSessionControls, ['signInFrequency', 'persistentBrowser']);
  });
});

describe('conditional access properties', () => {
  const ids = (pool: string[]) => fc.subarray(pool);
  const externalKind = fc.constantFrom(null, 'b2bCollaborationGuest', 'b2bCollaborationMember', 'internalGuest', 'otherExternalUser') as fc.Arbitrary<SignInFacts['user']['externalUserKind']>;
  const guestSelection = fc.option(fc.record({
    guestOrExternalUserTypes: fc.subarray(['internalGuest', 'b2bCollaborationGuest', 'b2bCollaborationMember', 'otherExternalUser'], { minLength: 1 }).map((t) => t.join(',')),
    externalTenants: fc.option(fc.oneof(fc.constant({ membershipKind: 'all' as const }), ids(['t1', 't2']).map((members) => ({ membershipKind: 'enumerated' as const, members })))),
  }));
  const anyFacts: fc.Arbitrary<SignInFacts> = fc.record({
    user: fc.record({ id: fc.constantFrom('u1', 'u2'), groupIds: ids(['g1', 'g2']), roleIds: ids(['r1']), userType: fc.constantFrom('Member', 'Guest') as fc.Arbitrary<'Member' | 'Guest'>, externalUserKind: externalKind, homeTenantId: fc.constantFrom(null, 't1', 't2') }),
    applicationId: fc.constantFrom('a1', 'a2'),
    clientAppType: fc.constantFrom('browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other') as fc.Arbitrary<SignInFacts['clientAppType']>,
    platform: fc.constantFrom(null, 'android', 'iOS', 'windows', 'macOS') as fc.Arbitrary<SignInFacts['platform']>,
    location: fc.record({ matchedLocationIds: ids(['l1', 'l2']), isTrusted: fc.boolean() }),
    signInRiskLevel: fc.constantFrom('none', 'low', 'high') as fc.Arbitrary<SignInFacts['signInRiskLevel']>,
    userRiskLevel: fc.constantFrom('none', 'high') as fc.Arbitrary<SignInFacts['userRiskLevel']>,
    satisfied: fc.record({ mfa: fc.boolean(), phishingResistant: fc.boolean(), compliantDevice: fc.boolean(), termsOfUse: ids(['tou1', 'tou2']) }),
    lastSignInAgeMinutes: fc.option(fc.integer({ min: 0, max: 3000 })),
  });
  const anyPolicy: fc.Arbitrary<ConditionalAccessPolicy> = fc.record({
    id: fc.constantFrom('p1', 'p2', 'p3'),
    displayName: fc.constant('generated'),
    state: fc.constantFrom('enabled', 'disabled', 'enabledForReportingButNotEnforced') as fc.Arbitrary<ConditionalAccessPolicy['state']>,
    conditions: fc.record({
      users: fc.record({
        includeUsers: ids(['All', 'None', 'GuestsOrExternalUsers', 'u1', 'u2']), excludeUsers: ids(['u1', 'u2', 'GuestsOrExternalUsers']),
        includeGroups: ids(['g1', 'g2']), excludeGroups: ids(['g1', 'g2']), includeRoles: ids(['r1']), excludeRoles: ids(['r1']),
        includeGuestsOrExternalUsers: guestSelection, excludeGuestsOrExternalUsers: guestSelection,
      }),
      applications: fc.record({ includeApplications: ids(['All', 'None', 'a1', 'a2']), excludeApplications: ids(['a1', 'a2']) }),
      clientAppTypes: ids(['all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'easSupported', 'other']) as fc.Arbitrary<ConditionalAccessConditions['clientAppTypes']>,
      platforms: fc.option(fc.record({ includePlatforms: ids(['all', 'android', 'windows']), excludePlatforms: ids(['iOS', 'windows']) }) as fc.Arbitrary<NonNullable<ConditionalAccessConditions['platforms']>>),
      locations: fc.option(fc.record({ includeLocations: ids(['All', 'AllTrusted', 'l1', 'l2']), excludeLocations: ids(['AllTrusted', 'l1']) })),
      signInRiskLevels: ids(['low', 'medium', 'high']) as fc.Arbitrary<ConditionalAccessConditions['signInRiskLevels']>,
      userRiskLevels: ids(['high']) as fc.Arbitrary<ConditionalAccessConditions['userRiskLevels']>,
    }),
    grantControls: fc.option(fc.record({
      operator: fc.constantFrom('AND', 'OR') as fc.Arbitrary<'AND' | 'OR'>,
      builtInControls: ids(['block', 'mfa', 'compliantDevice', 'domainJoinedDevice']) as fc.Arbitrary<NonNullable<ConditionalAccessPolicy['grantControls']>['builtInControls']>,
      authenticationStrength: fc.option(fc.constantFrom({ id: MFA_STRENGTH_ID }, { id: PHISHING_RESISTANT_STRENGTH_ID })),
      termsOfUse: ids(['tou1', 'tou2']),
    })),
    sessionControls: fc.option(fc.record({
      signInFrequency: fc.option(fc.record({ isEnabled: fc.boolean(), type: fc.constantFrom('hours', 'days') as fc.Arbitrary<'hours' | 'days'>, value: fc.integer({ min: 1, max: 48 }), frequencyInterval: fc.constantFrom('timeBased', 'everyTime') as fc.Arbitrary<'timeBased' | 'everyTime'> })),
      persistentBrowser: fc.option(fc.record({ isEnabled: fc.boolean(), mode: fc.constantFrom('always', 'never') as fc.Arbitrary<'always' | 'never'> })),
    })),
  });
  const appliedResults = new Set(['success', 'failure', 'reportOnlySuccess', 'reportOnlyFailure']);

  /** Every way of excluding this user or sign-in that matches it. */
  function matchingExclusions(p: ConditionalAccessPolicy, f: SignInFacts): ConditionalAccessPolicy[] {
    const c = p.conditions;
    const withUsers = (users: Partial<ConditionalAccessConditions['users']>) => ({ ...p, conditions: { ...c, users: { ...c.users, ...users } } });
    const out = [
      withUsers({ excludeUsers: [...c.users.excludeUsers, f.user.id] }),
      { ...p, conditions: { ...c, applications: { ...c.applications, excludeApplications: [...c.applications.excludeApplications, f.applicationId] } } },
      { ...p, conditions: { ...c, locations: { includeLocations: c.locations?.includeLocations ?? ['All'], excludeLocations: [...(c.locations?.excludeLocations ?? []), 'All'] } } },
    ];
    for (const g of f.user.groupIds) out.push(withUsers({ excludeGroups: [...c.users.excludeGroups, g] }));
    for (const r of f.user.roleIds) out.push(withUsers({ excludeRoles: [...c.users.excludeRoles, r] }));
    for (const l of f.location.matchedLocationIds) out.push({ ...p, conditions: { ...c, locations: { includeLocations: c.locations?.includeLocations ?? ['All'], excludeLocations: [l] } } });
    if (f.platform !== null) out.push({ ...p, conditions: { ...c, platforms: { includePlatforms: c.platforms?.includePlatforms ?? ['all'], excludePlatforms: [f.platform] } } });
    if (f.user.externalUserKind !== null) {
      out.push(withUsers({ excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: f.user.externalUserKind, externalTenants: { membershipKind: 'all' } } }));
    }
    return out;
  }

  it('an exclusion matching the user never makes a policy apply', () => {
    fc.assert(
      fc.property(anyPolicy, anyFacts, (p, f) => {
        for (const excluded of matchingExclusions(p, f)) {
          const result = evaluateConditionalAccess([excluded], f).appliedPolicies[0]!.result;
          assert.ok(!appliedResults.has(result), `${result} after adding an exclusion`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a report-only copy of any policy never changes the outcome', () => {
    fc.assert(
      fc.property(fc.array(anyPolicy, { maxLength: 4 }), anyPolicy, anyFacts, (policies, extra, f) => {
        const before = evaluateConditionalAccess(policies, f);
        const after = evaluateConditionalAccess([...policies, { ...extra, state: 'enabledForReportingButNotEnforced' }], f);
        assert.equal(after.outcome, before.outcome);
        assert.deepEqual(after.required, before.required);
        assert.deepEqual(after.sessionControls, before.sessionControls);
        assert.equal(after.conditionalAccessStatus, before.conditionalAccessStatus);
        assert.ok(after.appliedPolicies.at(-1)!.result.startsWith('reportOnly'));
      }),
      { numRuns: 2000 },
    );
  });
});
