import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '#src/core/clock.ts';
import { parseQueryOptions } from '#src/core/odata/index.ts';
import { addEmergencyAccessAccount, BUILT_IN_APPLICATIONS, GATEHOUSE_PORTAL_APP_ID, lookupIp, PORTAL_APP_ID } from '#src/auth/index.ts';
import { GLOBAL_ADMINISTRATOR_ID, listRoleAssignments } from '#src/directory/index.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

interface Json {
  [key: string]: unknown;
}

const CA = '/v1.0/identity/conditionalAccess';
/** A public address in Great Britain according to the shipped GeoIP database (checked before it is relied on). */
const GB_ADDRESS = '81.2.69.160';

describe('Conditional Access API', () => {
  let gh: TestGatehouse;
  let admin = '';
  let reader = '';
  let bootstrapAdmin = '';
  let member = '';
  let guest = '';
  let group = '';
  let appId = '';

  const call = async (method: string, path: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${gh.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.token ?? admin}`, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  /** Gatehouse's own code (innerError.code) and the message; error.code is Graph's generic one. */
  const errorOf = (res: { body: Json }) => {
    const error = res.body.error as { message: string; innerError: { code: string } };
    return { code: error.innerError.code, message: error.message };
  };
  const audits = async (activity: string) => {
    const res = await call('GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`activityDisplayName eq '${activity}'`)}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.value as Json[];
  };
  const policies = async () => ((await call('GET', `${CA}/policies`)).body.value as Json[]);

  /** MFA for everyone in every app; each test narrows it. */
  const policy = (overrides: Json = {}, conditions: Json = {}): Json => ({
    displayName: 'Require MFA',
    conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'], ...conditions },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    ...overrides,
  });
  const blockAll = (extra: Json = {}, users: Json = { includeUsers: ['All'] }) => policy({ displayName: 'Block everyone', state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['block'] }, ...extra }, { users });

  before(async () => {
    gh = await startTestGatehouse();
    admin = await gh.appToken([
      'Policy.ReadWrite.ConditionalAccess', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'User.Invite.All', 'AuditLog.Read.All', 'Application.ReadWrite.All', 'RoleManagement.ReadWrite.Directory',
    ]);
    reader = await gh.appToken(['Policy.Read.ConditionalAccess']);
    const db = gh.gatehouse.database.db;
    const assignments = await listRoleAssignments(db, parseQueryOptions({ $filter: `roleDefinitionId eq '${GLOBAL_ADMINISTRATOR_ID}'` }, {}));
    bootstrapAdmin = assignments.value[0]!.principalId;
    const user = await call('POST', '/v1.0/users', { body: { accountEnabled: true, displayName: 'Mia Member', mailNickname: 'mia', userPrincipalName: 'mia@gatehouse.local', passwordProfile: { password: 'a long enough password' } } });
    member = user.body.id as string;
    const invited = await call('POST', '/v1.0/invitations', { body: { invitedUserEmailAddress: 'gus@vendor.example', inviteRedirectUrl: `${gh.url}/`, sendInvitationMessage: false } });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    guest = (invited.body.invitedUser as Json).id as string;
    const created = await call('POST', '/v1.0/groups', { body: { displayName: 'Vendors', mailEnabled: false, mailNickname: 'vendors', securityEnabled: true } });
    group = created.body.id as string;
    const app = await call('POST', '/v1.0/applications', { body: { displayName: 'Wiki' } });
    appId = app.body.appId as string;
  });
  after(async () => {
    await gh?.stop();
  });

  it('knows the portal by the id guest sign-in uses', () => {
    assert.equal(PORTAL_APP_ID, GATEHOUSE_PORTAL_APP_ID);
  });

  it('creates a policy report-only by default, reads, merges a PATCH, deletes, and audits each change', async () => {
    const created = await call('POST', `${CA}/policies`, { body: policy({}, { users: { includeUsers: [], includeGroups: [group] } }) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.equal(created.body.state, 'enabledForReportingButNotEnforced');
    assert.equal(created.body.templateId, null);
    assert.match(String(created.body.createdDateTime), /^\d{4}-\d\d-\d\dT/);
    assert.equal(created.body.modifiedDateTime, created.body.createdDateTime);
    assert.deepEqual((created.body.conditions as Json).users, { includeUsers: [], excludeUsers: [], includeGroups: [group], excludeGroups: [], includeRoles: [], excludeRoles: [], includeGuestsOrExternalUsers: null, excludeGuestsOrExternalUsers: null });

    const listed = await call('GET', `${CA}/policies?$filter=${encodeURIComponent("state eq 'enabledForReportingButNotEnforced'")}&$select=displayName,state`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(listed.body.value, [{ id, displayName: 'Require MFA', state: 'enabledForReportingButNotEnforced' }]);
    assert.equal((await call('GET', `${CA}/policies?$select=nonsense`)).status, 400);

    const patched = await call('PATCH', `${CA}/policies/${id}`, { body: { displayName: 'Require MFA for vendors', conditions: { signInRiskLevels: ['high'] } } });
    assert.equal(patched.status, 204, JSON.stringify(patched.body));
    const got = await call('GET', `${CA}/policies/${id}`);
    assert.equal(got.body.displayName, 'Require MFA for vendors');
    assert.deepEqual((got.body.conditions as Json).signInRiskLevels, ['high']);
    assert.deepEqual(((got.body.conditions as Json).users as Json).includeGroups, [group], 'a PATCH of one condition keeps the others');
    assert.ok(String(got.body.modifiedDateTime) >= String(got.body.createdDateTime));

    // A policy read with GET can be sent back whole (read-only and empty Graph-only properties are accepted).
    const roundTrip = await call('PATCH', `${CA}/policies/${id}`, { body: got.body });
    assert.equal(roundTrip.status, 204, JSON.stringify(roundTrip.body));

    const updates = await audits('Update conditional access policy');
    const mine = updates.filter((a) => (a.targetResources as Json[])[0]!.id === id);
    assert.equal(mine.length, 1, 'sending back what GET returned changes nothing and is not audited');
    const update = mine[0]!;
    assert.equal((update as Json).result, 'success');
    const changed = ((update.targetResources as Json[])[0]!.modifiedProperties as Json[]).map((p) => p.displayName);
    assert.deepEqual(changed.sort(), ['conditions', 'displayName']);
    assert.equal((await audits('Add conditional access policy')).filter((a) => (a.targetResources as Json[])[0]!.id === id).length, 1);

    assert.equal((await call('DELETE', `${CA}/policies/${id}`)).status, 204);
    assert.equal((await call('GET', `${CA}/policies/${id}`)).status, 404);
    assert.equal(errorOf(await call('DELETE', `${CA}/policies/${id}`)).code, 'CONDITIONAL_ACCESS_POLICY_NOT_FOUND');
    assert.equal((await audits('Delete conditional access policy')).filter((a) => (a.targetResources as Json[])[0]!.id === id).length, 1);
  });

  describe('refuses a malformed policy with a precise 400 and stores nothing', () => {
    const missing = '0b0b0b0b-0000-4000-8000-000000000000';
    const cases: [string, () => Json, string][] = [
      ['an unknown group', () => policy({}, { users: { includeUsers: [], includeGroups: [group, missing] } }), `conditions.users.includeGroups[1]: no group with id '${missing}'`],
      ['an unknown user', () => policy({}, { users: { includeUsers: [missing] } }), `conditions.users.includeUsers[0]: no user with id '${missing}'`],
      ['a user named by userPrincipalName instead of id', () => policy({}, { users: { includeUsers: ['mia@gatehouse.local'] } }), "conditions.users.includeUsers[0]: no user with id 'mia@gatehouse.local'"],
      ['an unknown role', () => policy({}, { users: { includeUsers: [], includeRoles: [missing] } }), `conditions.users.includeRoles[0]: no directory role template with id '${missing}'`],
      ['an unknown application', () => policy({}, { applications: { includeApplications: [missing] } }), `conditions.applications.includeApplications[0]: no application with id '${missing}'`],
      ['an unknown named location', () => policy({}, { locations: { includeLocations: [missing] } }), `conditions.locations.includeLocations[0]: no named location with id '${missing}'`],
      ['an unknown enum value', () => policy({}, { clientAppTypes: ['desktop'] }), "conditions.clientAppTypes[0]: 'desktop' is not one of all, browser, mobileAppsAndDesktopClients, exchangeActiveSync, easSupported, other"],
      ['an unknown state', () => policy({ state: 'on' }), "state: 'on' is not one of enabled, disabled, enabledForReportingButNotEnforced"],
      ['an empty user inclusion', () => policy({}, { users: { includeUsers: [] } }), 'conditions.users: include at least one of includeUsers, includeGroups, includeRoles or includeGuestsOrExternalUsers'],
      ['an empty application inclusion', () => policy({}, { applications: { includeApplications: [] } }), "conditions.applications.includeApplications: include at least one application, 'All' or 'None'"],
      ['malformed guest types', () => policy({}, { users: { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest;internalGuest' } } }), "conditions.users.includeGuestsOrExternalUsers.guestOrExternalUserTypes: 'b2bCollaborationGuest;internalGuest' is not one of"],
      ['enumerated tenants without members', () => policy({}, { users: { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { membershipKind: 'enumerated' } } } }), "conditions.users.includeGuestsOrExternalUsers.externalTenants.members: list at least one tenant id when membershipKind is 'enumerated'"],
      ['sign-in frequency without type and value', () => policy({ sessionControls: { signInFrequency: { isEnabled: true, frequencyInterval: 'timeBased' } } }), "sessionControls.signInFrequency: type ('hours' or 'days') and value are required"],
      ['sign-in frequency of 24 hours', () => policy({ sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 24 } } }), 'sessionControls.signInFrequency.value: 24 is out of range: 1 to 23 hours'],
      ['no controls at all', () => policy({ grantControls: { operator: 'OR', builtInControls: [] } }), 'grantControls: a policy needs at least one grant control'],
      ['block mixed with mfa', () => policy({ grantControls: { operator: 'OR', builtInControls: ['block', 'mfa'] } }), "grantControls.builtInControls: 'block' cannot be combined with other controls"],
      ['an unknown property', () => policy({ priority: 1 }), 'priority: is not a property of this object'],
    ];
    for (const [name, body, message] of cases) {
      it(name, async () => {
        const before = (await policies()).length;
        const res = await call('POST', `${CA}/policies`, { body: body() });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(errorOf(res).code, 'INVALID_VALUE');
        assert.ok(errorOf(res).message.includes(message), `${JSON.stringify(message)} not in ${JSON.stringify(errorOf(res).message)}`);
        assert.equal((await policies()).length, before);
      });
    }

    it('a body that is not an object', async () => {
      const res = await call('POST', `${CA}/policies`, { body: [policy()] });
      assert.equal(res.status, 400);
    });

    it('a PATCH that breaks a stored policy changes nothing; an unknown id is 404', async () => {
      const created = await call('POST', `${CA}/policies`, { body: policy({ displayName: 'Stays valid' }) });
      const id = created.body.id as string;
      const res = await call('PATCH', `${CA}/policies/${id}`, { body: { displayName: 'Broken', conditions: { applications: { includeApplications: [] } } } });
      assert.equal(res.status, 400);
      assert.equal((await call('GET', `${CA}/policies/${id}`)).body.displayName, 'Stays valid');
      assert.equal((await call('PATCH', `${CA}/policies/${missing}`, { body: { displayName: 'x' } })).status, 404);
      assert.equal((await call('PATCH', `${CA}/policies/not-a-guid`, { body: { displayName: 'x' } })).status, 404);
      await call('DELETE', `${CA}/policies/${id}`);
    });
  });

  describe('named locations', () => {
    it('creates IP and country locations, canonicalises ranges, and refuses bad ones precisely', async () => {
      const ip = await call('POST', `${CA}/namedLocations`, { body: { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'Vendor NAT', isTrusted: true, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:DB8:0:0::/64' }] } });
      assert.equal(ip.status, 201, JSON.stringify(ip.body));
      assert.deepEqual(ip.body.ipRanges, [{ '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:db8::/64' }]);
      const bad: [Json, string][] = [
        [{ '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'x', ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '10.0.0.300/24' }] }, "ipRanges[0].cidrAddress: '10.0.0.300/24' is not an IPv4 CIDR range"],
        [{ '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'x', ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.9/24' }] }, "ipRanges[0].cidrAddress: '203.0.113.9/24' has host bits set: the range is 203.0.113.0/24"],
        [{ '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'x', countriesAndRegions: ['XX'] }, "countriesAndRegions[0]: 'XX' is not an ISO 3166-1 alpha-2 country or region code"],
        [{ displayName: 'x', countriesAndRegions: ['US'] }, '@odata.type'],
      ];
      for (const [body, message] of bad) {
        const res = await call('POST', `${CA}/namedLocations`, { body });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.ok(errorOf(res).message.includes(message), `${message} not in ${errorOf(res).message}`);
      }
      const renamed = await call('PATCH', `${CA}/namedLocations/${String(ip.body.id)}`, { body: { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'Vendor egress' } });
      assert.equal(renamed.status, 204, JSON.stringify(renamed.body));
      const retype = await call('PATCH', `${CA}/namedLocations/${String(ip.body.id)}`, { body: { '@odata.type': '#microsoft.graph.countryNamedLocation', countriesAndRegions: ['US'] } });
      assert.equal(retype.status, 400);
      const got = await call('GET', `${CA}/namedLocations/${String(ip.body.id)}`);
      assert.equal(got.body.displayName, 'Vendor egress');
      assert.equal(got.body.isTrusted, true);
      assert.equal((await audits('Update named location')).length, 1);
      assert.equal((await call('DELETE', `${CA}/namedLocations/${String(ip.body.id)}`)).status, 204);
      assert.equal((await call('GET', `${CA}/namedLocations/${String(ip.body.id)}`)).status, 404);
    });

    it('cannot delete a location a policy uses, and says which policy', async () => {
      const location = await call('POST', `${CA}/namedLocations`, { body: { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Sanctioned', countriesAndRegions: ['KP'] } });
      const used = await call('POST', `${CA}/policies`, { body: policy({ displayName: 'Uses Sanctioned' }, { locations: { includeLocations: ['All'], excludeLocations: [location.body.id] } }) });
      assert.equal(used.status, 201, JSON.stringify(used.body));
      const refused = await call('DELETE', `${CA}/namedLocations/${String(location.body.id)}`);
      assert.equal(refused.status, 400);
      assert.equal(errorOf(refused).code, 'NAMED_LOCATION_IN_USE');
      assert.match(errorOf(refused).message, /'Uses Sanctioned'/);
      await call('DELETE', `${CA}/policies/${String(used.body.id)}`);
      assert.equal((await call('DELETE', `${CA}/namedLocations/${String(location.body.id)}`)).status, 204);
    });
  });

  describe('what-if against the stored policies', () => {
    let blockGb = '';
    let guestMfa = '';
    let memberOnly = '';
    let gbLocation = '';

    before(async () => {
      assert.equal(lookupIp(GB_ADDRESS)?.countryOrRegion, 'GB', 'the GeoIP database places the test address in Great Britain');
      const location = await call('POST', `${CA}/namedLocations`, { body: { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Great Britain', countriesAndRegions: ['GB'] } });
      gbLocation = location.body.id as string;
      const guests = { includeUsers: [], includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest,b2bCollaborationMember', externalTenants: { membershipKind: 'all' } } };
      blockGb = (await call('POST', `${CA}/policies`, { body: policy({ displayName: 'Block guests from GB', state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['block'] } }, { users: guests, locations: { includeLocations: [gbLocation] } }) })).body.id as string;
      guestMfa = (await call('POST', `${CA}/policies`, { body: policy({ displayName: 'Require MFA for guests' }, { users: guests }) })).body.id as string;
      memberOnly = (await call('POST', `${CA}/policies`, { body: policy({ displayName: 'Members on iOS', state: 'enabled' }, { users: { includeUsers: [member] }, platforms: { includePlatforms: ['iOS'] } }) })).body.id as string;
      assert.ok(blockGb && guestMfa && memberOnly);
    });
    after(async () => {
      for (const id of [blockGb, guestMfa, memberOnly]) await call('DELETE', `${CA}/policies/${id}`);
      await call('DELETE', `${CA}/namedLocations/${gbLocation}`);
    });

    const whatIf = (userId: string, conditions: Json = {}, extra: Json = {}, token = reader) =>
      call('POST', `${CA}/evaluate`, {
        token,
        body: {
          signInIdentity: { '@odata.type': '#microsoft.graph.userSignIn', userId },
          signInContext: { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: [PORTAL_APP_ID] },
          signInConditions: conditions,
          ...extra,
        },
      });
    const result = (res: { body: Json }, id: string) => (res.body.value as Json[]).find((r) => r.id === id)!;

    it('blocks a guest signing in from an address GeoIP places in a blocked country', async () => {
      const res = await whatIf(guest, { ipAddress: GB_ADDRESS, clientAppType: 'browser' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.match(String(res.body['@odata.context']), /Collection\(microsoft\.graph\.whatIfAnalysisResult\)$/);
      assert.deepEqual([result(res, blockGb).policyApplies, result(res, blockGb).analysisReasons], [true, 'notSet']);
      assert.equal(result(res, blockGb).displayName, 'Block guests from GB', 'each result carries the policy');
      assert.deepEqual([result(res, guestMfa).policyApplies, result(res, guestMfa).state], [true, 'enabledForReportingButNotEnforced'], 'report-only policies appear with their state');
      assert.deepEqual([result(res, memberOnly).policyApplies, result(res, memberOnly).analysisReasons], [false, 'users,devicePlatform']);
      const decision = res.body['@gatehouse.decision'] as Json;
      assert.equal(decision.outcome, 'block');
      const signIn = decision.signIn as Json;
      assert.equal(signIn.externalUserKind, 'b2bCollaborationGuest');
      assert.equal((signIn.location as Json).countryOrRegion, 'GB');
      assert.deepEqual((signIn.location as Json).matchedLocationIds, [gbLocation]);
    });

    it('names the location when the country is elsewhere, and the report-only policy would only ask for MFA', async () => {
      const res = await whatIf(guest, { ipAddress: GB_ADDRESS, country: 'US' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual([result(res, blockGb).policyApplies, result(res, blockGb).analysisReasons], [false, 'location']);
      const decision = res.body['@gatehouse.decision'] as Json;
      assert.equal(decision.outcome, 'allow', 'report-only policies never change the outcome');
      const reportOnly = (decision.policies as Json[]).find((p) => p.id === guestMfa)!;
      assert.equal(reportOnly.result, 'reportOnlyFailure');
    });

    it('returns only applying policies when asked, and applies a policy for the member on iOS', async () => {
      const res = await whatIf(member, { devicePlatform: 'iOS' }, { appliedPoliciesOnly: true });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual((res.body.value as Json[]).map((r) => r.id), [memberOnly]);
      const decision = res.body['@gatehouse.decision'] as Json;
      assert.equal(decision.outcome, 'interrupt');
      assert.deepEqual(decision.required, ['mfa']);
    });

    it('refuses an unknown user or application with the parameter named', async () => {
      const missing = '0b0b0b0b-0000-4000-8000-000000000000';
      const noUser = await whatIf(missing);
      assert.equal(noUser.status, 400);
      assert.equal(errorOf(noUser).message, `signInIdentity.userId: no user with id '${missing}'`);
      const noApp = await call('POST', `${CA}/evaluate`, { token: reader, body: { signInIdentity: { userId: member }, signInContext: { includeApplications: [missing] } } });
      assert.equal(errorOf(noApp).message, `signInContext.includeApplications[0]: no application with id '${missing}'`);
      const badCountry = await whatIf(member, { country: 'Atlantis' });
      assert.equal(errorOf(badCountry).message, "signInConditions.country: 'Atlantis' is not an ISO 3166-1 alpha-2 country or region code");
    });

    it('lets a reader list and evaluate but not change anything', async () => {
      assert.equal((await call('GET', `${CA}/policies`, { token: reader })).status, 200);
      assert.equal((await call('GET', `${CA}/namedLocations`, { token: reader })).status, 200);
      const write = await call('POST', `${CA}/policies`, { token: reader, body: policy() });
      assert.equal(write.status, 403);
      assert.match(errorOf(write).message, /Policy\.ReadWrite\.ConditionalAccess/);
      const none = await gh.appToken(['User.Read.All']);
      assert.equal((await whatIf(member, {}, {}, none)).status, 403);
    });
  });

  describe('admin lockout guard', () => {
    it('refuses to enforce a policy that blocks every Global Administrator, audits the refusal, and accepts it report-only', async () => {
      const refused = await call('POST', `${CA}/policies`, { body: blockAll() });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(errorOf(refused).code, 'ADMIN_LOCKOUT');
      assert.match(errorOf(refused).message, /every Global Administrator/);
      assert.equal((await policies()).filter((p) => p.displayName === 'Block everyone').length, 0);
      const refusals = await audits('Refuse conditional access policy change');
      assert.equal(refusals.length, 1);
      assert.equal(refusals[0]!.result, 'failure');

      const reportOnly = await call('POST', `${CA}/policies`, { body: blockAll({ state: 'enabledForReportingButNotEnforced' }) });
      assert.equal(reportOnly.status, 201, JSON.stringify(reportOnly.body));
      const enable = await call('PATCH', `${CA}/policies/${String(reportOnly.body.id)}`, { body: { state: 'enabled' } });
      assert.equal(errorOf(enable).code, 'ADMIN_LOCKOUT');
      assert.equal((await call('GET', `${CA}/policies/${String(reportOnly.body.id)}`)).body.state, 'enabledForReportingButNotEnforced');
      await call('DELETE', `${CA}/policies/${String(reportOnly.body.id)}`);
    });

    it('judges from an untrusted place on any platform with MFA done: what an admin can satisfy passes, the rest does not', async () => {
      const trusted = await call('POST', `${CA}/namedLocations`, { body: { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'HQ', isTrusted: true, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.0/24' }] } });
      const cases: [string, Json, boolean][] = [
        ['MFA for everyone', policy({ state: 'enabled' }), true],
        ['phishing-resistant MFA for admins', policy({ state: 'enabled', grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: '00000000-0000-0000-0000-000000000004' } } }, { users: { includeUsers: [], includeRoles: [GLOBAL_ADMINISTRATOR_ID] } }), true],
        ['block on Windows only', policy({ displayName: 'Block Windows', state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['block'] } }, { platforms: { includePlatforms: ['windows'] } }), true],
        ['a compliant device for everyone', policy({ state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['compliantDevice'] } }), false],
        ['block outside the trusted location', policy({ state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['block'] } }, { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } }), false],
        ['block the portal for the Global Administrator role', blockAll({}, { includeUsers: [], includeRoles: [GLOBAL_ADMINISTRATOR_ID] }), false],
        ['block every app but another one', policy({ state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['block'] } }, { applications: { includeApplications: [appId] } }), true],
        ['block a group the admins are not in', blockAll({}, { includeUsers: [], includeGroups: [group] }), true],
      ];
      for (const [name, body, allowed] of cases) {
        const res = await call('POST', `${CA}/policies`, { body });
        assert.equal(res.status, allowed ? 201 : 400, `${name}: ${JSON.stringify(res.body)}`);
        if (!allowed) assert.equal(errorOf(res).code, 'ADMIN_LOCKOUT', name);
        if (allowed) assert.equal((await call('DELETE', `${CA}/policies/${String(res.body.id)}`)).status, 204);
      }
      await call('DELETE', `${CA}/namedLocations/${String(trusted.body.id)}`);
    });

    it('a policy excluding one administrator is accepted', async () => {
      const res = await call('POST', `${CA}/policies`, { body: blockAll({}, { includeUsers: ['All'], excludeUsers: [bootstrapAdmin] }) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      // Removing the exclusion would lock everyone out.
      const patch = await call('PATCH', `${CA}/policies/${String(res.body.id)}`, { body: { conditions: { users: { excludeUsers: [] } } } });
      assert.equal(errorOf(patch).code, 'ADMIN_LOCKOUT');
      assert.equal((await call('DELETE', `${CA}/policies/${String(res.body.id)}`)).status, 204);
    });

    it('when only emergency-access accounts could sign in, asks for confirmation and takes it by query or header', async () => {
      const created = await call('POST', '/v1.0/users', { body: { accountEnabled: true, displayName: 'Break Glass', mailNickname: 'bg1', userPrincipalName: 'bg1@gatehouse.local', passwordProfile: { password: 'a long enough password' } } });
      const breakGlass = created.body.id as string;
      const role = await call('POST', '/v1.0/roleManagement/directory/roleAssignments', { body: { principalId: breakGlass, roleDefinitionId: GLOBAL_ADMINISTRATOR_ID, directoryScopeId: '/' } });
      assert.equal(role.status, 201, JSON.stringify(role.body));
      await addEmergencyAccessAccount({ db: gh.gatehouse.database.db, clock: systemClock }, { kind: 'system' }, { userId: breakGlass, excludeFromConditionalAccess: true });

      const unconfirmed = await call('POST', `${CA}/policies`, { body: blockAll() });
      assert.equal(unconfirmed.status, 400);
      assert.equal(errorOf(unconfirmed).code, 'ADMIN_LOCKOUT_CONFIRMATION_REQUIRED');
      assert.match(errorOf(unconfirmed).message, /only emergency-access \(break-glass\) accounts .*bg1@gatehouse\.local.*confirmLockoutRisk=true/);

      const confirmed = await call('POST', `${CA}/policies?confirmLockoutRisk=true`, { body: blockAll({ state: 'disabled' }) });
      assert.equal(confirmed.status, 201, 'a disabled policy needs no confirmation');
      const enabled = await call('PATCH', `${CA}/policies/${String(confirmed.body.id)}`, { body: { state: 'enabled' }, headers: { 'Gatehouse-Confirm-Lockout-Risk': 'true' } });
      assert.equal(enabled.status, 204, JSON.stringify(enabled.body));
      const update = (await audits('Update conditional access policy')).find((a) => (a.targetResources as Json[])[0]!.id === confirmed.body.id)!;
      assert.deepEqual((update.additionalDetails as Json[]).find((d) => d.key === 'lockoutRiskConfirmed'), { key: 'lockoutRiskConfirmed', value: 'true' });

      // With the lockout in place, a further change that does not make it worse goes through unconfirmed.
      const rename = await call('PATCH', `${CA}/policies/${String(confirmed.body.id)}`, { body: { displayName: 'Block everyone (break-glass only)' } });
      assert.equal(rename.status, 204, JSON.stringify(rename.body));
      assert.equal((await call('DELETE', `${CA}/policies/${String(confirmed.body.id)}`)).status, 204);
    });

    it('lists Gatehouse applications a policy can name', () => {
      assert.deepEqual(BUILT_IN_APPLICATIONS.map((app) => app.displayName), ['Gatehouse portal', 'Gatehouse API (Microsoft Graph-compatible)', 'Gatehouse CLI']);
    });
  });
});
