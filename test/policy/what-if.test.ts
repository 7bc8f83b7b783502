import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  analysisReasonsOf,
  evaluateConditionalAccess,
  parseWhatIfRequest,
  whatIfDecision,
  whatIfResults,
  type ConditionalAccessPolicy,
  type SignInFacts,
} from '#src/policy/index.ts';

const request = (conditions: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  signInIdentity: { '@odata.type': '#microsoft.graph.userSignIn', userId: 'u1' },
  signInContext: { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: ['app-1'] },
  signInConditions: conditions,
  ...extra,
});

describe('parseWhatIfRequest', () => {
  it('reads the Graph example and applies Graph defaults', () => {
    const result = parseWhatIfRequest(request({ devicePlatform: 'android', clientAppType: 'browser', signInRiskLevel: 'high', userRiskLevel: 'none', country: 'us', ipAddress: '40.77.182.32', deviceInfo: { isCompliant: true } }, { appliedPoliciesOnly: true }));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.value, { userId: 'u1', applicationId: 'app-1', devicePlatform: 'android', clientAppType: 'browser', signInRiskLevel: 'high', userRiskLevel: 'none', country: 'US', ipAddress: '40.77.182.32', isCompliantDevice: true, appliedPoliciesOnly: true });
    const defaults = parseWhatIfRequest(request());
    assert.ok(defaults.ok);
    assert.equal(defaults.value.devicePlatform, null, "Graph's default platform 'all' is an unknown platform");
    assert.equal(defaults.value.clientAppType, 'browser', "Graph's default client 'all' is evaluated as a browser sign-in");
    assert.equal(defaults.value.signInRiskLevel, 'none');
    assert.equal(defaults.value.appliedPoliciesOnly, false);
  });

  const bad: [string, unknown, string][] = [
    ['a workload identity', { ...request(), signInIdentity: { '@odata.type': '#microsoft.graph.servicePrincipalSignIn', servicePrincipalId: 'x' } }, 'signInIdentity.@odata.type: only #microsoft.graph.userSignIn is supported (Gatehouse has no workload identity policies)'],
    ['no user', { ...request(), signInIdentity: { '@odata.type': '#microsoft.graph.userSignIn' } }, 'signInIdentity.userId: required'],
    ['a user action', { ...request(), signInContext: { '@odata.type': '#microsoft.graph.userActionContext', userAction: 'registerSecurityInformation' } }, 'signInContext.@odata.type: only #microsoft.graph.applicationContext is supported (no user actions or authentication contexts)'],
    ['two applications', { ...request(), signInContext: { includeApplications: ['a', 'b'] } }, 'signInContext.includeApplications: name exactly one application id'],
    ['an unknown platform', request({ devicePlatform: 'chromeOS' }), "signInConditions.devicePlatform: 'chromeOS' is not one of all, android, iOS, windows, windowsPhone, macOS, linux"],
    ['an unknown client', request({ clientAppType: 'desktop' }), "signInConditions.clientAppType: 'desktop' is not one of all, browser, mobileAppsAndDesktopClients, exchangeActiveSync, other"],
    ['a hidden risk level', request({ signInRiskLevel: 'hidden' }), "signInConditions.signInRiskLevel: 'hidden' is not one of none, low, medium, high"],
    ['a country name', request({ country: 'Germany' }), "signInConditions.country: 'Germany' is not an ISO 3166-1 alpha-2 country or region code"],
    ['a bad address', request({ ipAddress: '300.1.1.1' }), "signInConditions.ipAddress: '300.1.1.1' is not an IPv4 or IPv6 address"],
    ['an unknown condition', request({ time: 'now' }), 'signInConditions.time: is not a sign-in condition'],
    ['an unknown parameter', request({}, { verbose: true }), 'verbose: is not a parameter of evaluate'],
  ];
  for (const [name, body, problem] of bad) {
    it(`refuses ${name}`, () => {
      const result = parseWhatIfRequest(body);
      assert.equal(result.ok, false);
      if (!result.ok) assert.ok(result.problems.includes(problem), `${problem} not in ${JSON.stringify(result.problems)}`);
    });
  }
});

/** Everyone, every app, MFA; each case narrows one condition so only it fails. */
function policy(id: string, conditions: Partial<ConditionalAccessPolicy['conditions']> = {}, rest: Partial<ConditionalAccessPolicy> = {}): ConditionalAccessPolicy {
  return {
    id,
    displayName: id,
    state: 'enabled',
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    ...rest,
    conditions: {
      users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [] },
      applications: { includeApplications: ['All'], excludeApplications: [] },
      clientAppTypes: ['all'],
      signInRiskLevels: [],
      userRiskLevels: [],
      ...conditions,
    },
  };
}

const facts: SignInFacts = {
  user: { id: 'u1', groupIds: [], roleIds: [], userType: 'Member', externalUserKind: null, homeTenantId: null },
  applicationId: 'app-1',
  clientAppType: 'browser',
  platform: 'windows',
  location: { matchedLocationIds: [], isTrusted: false },
  signInRiskLevel: 'none',
  userRiskLevel: 'none',
  satisfied: { mfa: false, phishingResistant: false, compliantDevice: false, termsOfUse: [] },
};

describe('what-if analysis reasons, from the real evaluator', () => {
  const users = { includeUsers: ['All'], excludeUsers: ['u1'], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [] };
  const cases: [string, ConditionalAccessPolicy, string][] = [
    ['a policy that applies', policy('applies'), 'notSet'],
    ['a report-only policy that applies', policy('report', {}, { state: 'enabledForReportingButNotEnforced' }), 'notSet'],
    ['a disabled policy', policy('disabled', {}, { state: 'disabled' }), 'policyNotEnabled'],
    ['an excluded user', policy('users', { users }), 'users'],
    ['another application', policy('application', { applications: { includeApplications: ['app-2'], excludeApplications: [] } }), 'application'],
    ['another client', policy('clients', { clientAppTypes: ['mobileAppsAndDesktopClients'] }), 'clientApps'],
    ['another platform', policy('platform', { platforms: { includePlatforms: ['iOS'], excludePlatforms: [] } }), 'devicePlatform'],
    ['another location', policy('location', { locations: { includeLocations: ['AllTrusted'], excludeLocations: [] } }), 'location'],
    ['another sign-in risk', policy('signInRisk', { signInRiskLevels: ['high'] }), 'signInRisk'],
    ['another user risk', policy('userRisk', { userRiskLevels: ['medium'] }), 'userRisk'],
    ['two conditions at once', policy('two', { platforms: { includePlatforms: ['iOS'], excludePlatforms: [] }, signInRiskLevels: ['high'] }), 'devicePlatform,signInRisk'],
  ];
  const policies = cases.map(([, p]) => p);
  const decision = evaluateConditionalAccess(policies, facts);
  for (const [name, p, reasons] of cases) {
    it(`${name}: ${reasons}`, () => {
      const report = decision.appliedPolicies.find((r) => r.id === p.id)!;
      assert.equal(analysisReasonsOf(report), reasons, JSON.stringify(report.reasons));
    });
  }

  it('returns every policy as a whatIfAnalysisResult, or only those that apply', () => {
    const all = whatIfResults(policies, decision, false);
    assert.equal(all.length, policies.length);
    assert.equal(all[0]!['@odata.type'], '#microsoft.graph.whatIfAnalysisResult');
    assert.deepEqual(all[0]!.conditions, policies[0]!.conditions, 'the policy properties come along');
    const applied = whatIfResults(policies, decision, true);
    assert.deepEqual(applied.map((r) => r.id), ['applies', 'report']);
    assert.ok(applied.every((r) => r.policyApplies && r.analysisReasons === 'notSet'));
  });

  it('summarises the decision with each policy result and reason', () => {
    const summary = whatIfDecision(decision);
    assert.equal(summary.outcome, 'interrupt');
    assert.deepEqual(summary.required, ['mfa']);
    const platform = summary.policies.find((p) => p.id === 'platform')!;
    assert.equal(platform.result, 'notApplied');
    assert.equal(platform.analysisReasons, 'devicePlatform');
    assert.match(platform.reasons.join(' '), /platform/);
    assert.equal(summary.policies.find((p) => p.id === 'report')!.result, 'reportOnlyFailure');
  });
});
