import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  conditionalAccessReferences,
  MFA_STRENGTH_ID,
  PHISHING_RESISTANT_STRENGTH_ID,
  validateConditionalAccessPolicy,
  type KnownPolicyIds,
} from '#src/policy/index.ts';

const U1 = '11111111-1111-4111-8111-111111111111';
const G1 = '22222222-2222-4222-8222-222222222222';
const G_UNKNOWN = '29999999-2222-4222-8222-222222222222';
const LOC = '33333333-3333-4333-8333-333333333333';
const APP = '44444444-4444-4444-8444-444444444444';
const ROLE = '62e90394-69f5-4237-9190-012177145e10';
const TOU = '55555555-5555-4555-8555-555555555555';

const known: KnownPolicyIds = {
  users: new Set([U1]),
  groups: new Set([G1]),
  roles: new Set([ROLE]),
  namedLocations: new Set([LOC]),
  applications: new Set([APP]),
};

type Json = Record<string, unknown>;
/** A valid policy (MFA for everyone in every app), with parts replaced per case. */
function body(overrides: Json = {}, conditions: Json = {}): Json {
  return {
    displayName: 'Require MFA',
    conditions: {
      users: { includeUsers: ['All'], excludeUsers: [] },
      applications: { includeApplications: ['All'] },
      clientAppTypes: ['all'],
      ...conditions,
    },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    ...overrides,
  };
}
const users = (value: Json) => ({ users: { includeUsers: [], ...value } });

describe('validateConditionalAccessPolicy', () => {
  it('accepts a policy, fills the defaults, and makes a new policy report-only', () => {
    const result = validateConditionalAccessPolicy(body(), { before: null, known });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.value.state, 'enabledForReportingButNotEnforced');
    assert.deepEqual(result.value.conditions, {
      users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [], includeGuestsOrExternalUsers: null, excludeGuestsOrExternalUsers: null },
      applications: { includeApplications: ['All'], excludeApplications: [] },
      clientAppTypes: ['all'],
      platforms: null,
      locations: null,
      signInRiskLevels: [],
      userRiskLevels: [],
    });
    assert.deepEqual(result.value.grantControls, { operator: 'OR', builtInControls: ['mfa'], authenticationStrength: null, termsOfUse: [] });
    assert.equal(result.value.sessionControls, null);
  });

  it('keeps an explicit state', () => {
    const result = validateConditionalAccessPolicy(body({ state: 'enabled' }), { before: null, known });
    assert.ok(result.ok);
    assert.equal(result.value.state, 'enabled');
  });

  it('accepts the reference example: guests of one tenant, sign-in risk, locations, 8-hour sign-in frequency', () => {
    const result = validateConditionalAccessPolicy(
      {
        displayName: 'Vendors: MFA + 8h SIF',
        state: 'enabledForReportingButNotEnforced',
        conditions: {
          users: {
            includeUsers: [], excludeUsers: [U1],
            includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest,b2bCollaborationMember', externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessEnumeratedExternalTenants', membershipKind: 'enumerated', members: ['tenant-1'] } },
          },
          applications: { includeApplications: ['All'], excludeApplications: [] },
          clientAppTypes: ['all'],
          locations: { includeLocations: ['All'], excludeLocations: [LOC] },
          platforms: { includePlatforms: ['all'], excludePlatforms: [] },
          signInRiskLevels: ['high'],
          userRiskLevels: [],
        },
        grantControls: { operator: 'AND', builtInControls: ['mfa'] },
        sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 8, frequencyInterval: 'timeBased' } },
      },
      { before: null, known },
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.value.conditions.users.includeGuestsOrExternalUsers?.externalTenants, { '@odata.type': '#microsoft.graph.conditionalAccessEnumeratedExternalTenants', membershipKind: 'enumerated', members: ['tenant-1'] });
    assert.deepEqual(result.value.sessionControls?.signInFrequency, { isEnabled: true, type: 'hours', value: 8, frequencyInterval: 'timeBased' });
  });

  it('accepts session controls without grant controls, and an authentication strength', () => {
    const sessionOnly = validateConditionalAccessPolicy(body({ grantControls: null, sessionControls: { signInFrequency: { isEnabled: true, frequencyInterval: 'everyTime' } } }), { before: null, known });
    assert.ok(sessionOnly.ok, JSON.stringify(sessionOnly));
    assert.equal(sessionOnly.value.grantControls, null);
    const emptyGrant = validateConditionalAccessPolicy(body({ grantControls: { operator: 'OR', builtInControls: [] }, sessionControls: { persistentBrowser: { isEnabled: true, mode: 'never' } } }), { before: null, known });
    assert.ok(emptyGrant.ok, JSON.stringify(emptyGrant));
    assert.equal(emptyGrant.value.grantControls, null);
    const strength = validateConditionalAccessPolicy(body({ grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID, displayName: 'whatever the client says' } } }), { before: null, known });
    assert.ok(strength.ok, JSON.stringify(strength));
    assert.deepEqual(strength.value.grantControls?.authenticationStrength, { id: PHISHING_RESISTANT_STRENGTH_ID, displayName: 'Phishing-resistant MFA' });
  });

  it('accepts the empty and null properties Graph returns for features Gatehouse lacks (GET then PATCH round trip)', () => {
    const result = validateConditionalAccessPolicy(
      body(
        { id: 'x', templateId: null, description: null, createdDateTime: '2026-01-01T00:00:00Z', modifiedDateTime: null, grantControls: { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [] }, sessionControls: { applicationEnforcedRestrictions: null, cloudAppSecurity: null, disableResilienceDefaults: null, persistentBrowser: null, signInFrequency: null } },
        { servicePrincipalRiskLevels: [], clientApplications: null, devices: null, insiderRiskLevels: null, authenticationFlows: null, applications: { includeApplications: ['All'], excludeApplications: [], includeUserActions: [], includeAuthenticationContextClassReferences: [], applicationFilter: null } },
      ),
      { before: null, known },
    );
    assert.ok(result.ok, JSON.stringify(result));
  });

  // [name, body, the exact problem reported]
  const bad: [string, Json, string][] = [
    ['an unknown state', body({ state: 'on' }), "state: 'on' is not one of enabled, disabled, enabledForReportingButNotEnforced"],
    ['no displayName', body({ displayName: ' ' }), 'displayName: is required: 1 to 256 characters'],
    ['no conditions', { displayName: 'x', grantControls: { builtInControls: ['mfa'] } }, 'conditions: is required'],
    ['no users condition', body({}, { users: undefined }), 'conditions.users: is required'],
    ['an unknown top-level property', body({ priority: 1 }), 'priority: is not a property of this object'],
    ['an unknown property in users', body({}, users({ includeUsers: ['All'], includeEveryone: true })), 'conditions.users.includeEveryone: is not a property of this object'],
    ['a device filter (not supported)', body({}, { devices: { deviceFilter: { mode: 'include', rule: 'device.isCompliant -eq True' } } }), 'conditions.devices: is not supported by Gatehouse; leave it empty or null'],
    ['empty user inclusion', body({}, users({})), 'conditions.users: include at least one of includeUsers, includeGroups, includeRoles or includeGuestsOrExternalUsers (includeUsers ["None"] includes no one)'],
    ['All combined with a user', body({}, users({ includeUsers: ['All', U1] })), "conditions.users.includeUsers: 'All' cannot be combined with other entries"],
    ['None combined with a group', body({}, users({ includeUsers: ['None'], includeGroups: [G1] })), "conditions.users.includeUsers: 'None' cannot be combined with included groups, roles or guests"],
    ['an unknown user', body({}, users({ includeUsers: [U1, 'aaaaaaaa-0000-4000-8000-000000000000'] })), "conditions.users.includeUsers[1]: no user with id 'aaaaaaaa-0000-4000-8000-000000000000'"],
    ['an unknown excluded user', body({}, { users: { includeUsers: ['All'], excludeUsers: ['bob'] } }), "conditions.users.excludeUsers[0]: no user with id 'bob'"],
    ['excluding All', body({}, { users: { includeUsers: ['All'], excludeUsers: ['All'] } }), "conditions.users.excludeUsers[0]: 'All' cannot be excluded; exclude users, groups, roles or GuestsOrExternalUsers"],
    ['an unknown group', body({}, users({ includeGroups: [G1, G_UNKNOWN] })), `conditions.users.includeGroups[1]: no group with id '${G_UNKNOWN}'`],
    ['a group listed twice', body({}, users({ includeGroups: [G1, G1] })), `conditions.users.includeGroups[1]: '${G1}' is listed twice`],
    ['an unknown role', body({}, users({ includeRoles: ['00000000-0000-0000-0000-000000000000'] })), "conditions.users.includeRoles[0]: no directory role template with id '00000000-0000-0000-0000-000000000000'"],
    ['ids that are not a list', body({}, users({ includeUsers: 'All' })), 'conditions.users.includeUsers: must be a list of strings'],
    ['an unknown guest type', body({}, users({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest,partner' } })), "conditions.users.includeGuestsOrExternalUsers.guestOrExternalUserTypes: 'partner' is not one of none, internalGuest, b2bCollaborationGuest, b2bCollaborationMember, b2bDirectConnectUser, otherExternalUser, serviceProvider"],
    ['guest types as a list', body({}, users({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: ['b2bCollaborationGuest'] } })), 'conditions.users.includeGuestsOrExternalUsers.guestOrExternalUserTypes: must be a comma-separated list of none, internalGuest, b2bCollaborationGuest, b2bCollaborationMember, b2bDirectConnectUser, otherExternalUser, serviceProvider'],
    ['a guest type twice', body({}, users({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'internalGuest,internalGuest' } })), 'conditions.users.includeGuestsOrExternalUsers.guestOrExternalUserTypes: lists a type twice'],
    ['none with other guest types', body({}, users({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'none,internalGuest' } })), "conditions.users.includeGuestsOrExternalUsers.guestOrExternalUserTypes: 'none' cannot be combined with other types"],
    ['enumerated tenants without members', body({}, users({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { membershipKind: 'enumerated', members: [] } } })), "conditions.users.includeGuestsOrExternalUsers.externalTenants.members: list at least one tenant id when membershipKind is 'enumerated' (or use 'all')"],
    ['all tenants with members', body({}, users({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { membershipKind: 'all', members: ['t1'] } } })), "conditions.users.includeGuestsOrExternalUsers.externalTenants.members: must be empty when membershipKind is 'all'"],
    ['an unknown membership kind', body({}, users({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { membershipKind: 'some' } } })), "conditions.users.includeGuestsOrExternalUsers.externalTenants.membershipKind: must be 'all' or 'enumerated'"],
    ['a type contradicting the membership kind', body({}, users({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'enumerated', members: ['t1'] } } })), "conditions.users.includeGuestsOrExternalUsers.externalTenants.membershipKind: 'enumerated' contradicts @odata.type #microsoft.graph.conditionalAccessAllExternalTenants"],
    ['empty application inclusion', body({}, { applications: { includeApplications: [] } }), "conditions.applications.includeApplications: include at least one application, 'All' or 'None'"],
    ['an unknown application', body({}, { applications: { includeApplications: [APP, 'Office365'] } }), "conditions.applications.includeApplications[1]: no application with id 'Office365'"],
    ['user actions (not supported)', body({}, { applications: { includeApplications: ['All'], includeUserActions: ['urn:user:registersecurityinfo'] } }), 'conditions.applications.includeUserActions: is not supported by Gatehouse; leave it empty or null'],
    ['an unknown client app type', body({}, { clientAppTypes: ['browser', 'desktop'] }), "conditions.clientAppTypes[1]: 'desktop' is not one of all, browser, mobileAppsAndDesktopClients, exchangeActiveSync, easSupported, other"],
    ['all combined with a client app type', body({}, { clientAppTypes: ['all', 'browser'] }), "conditions.clientAppTypes: 'all' cannot be combined with other entries"],
    ['an unknown platform', body({}, { platforms: { includePlatforms: ['windows', 'chromeOS'] } }), "conditions.platforms.includePlatforms[1]: 'chromeOS' is not one of android, iOS, windows, windowsPhone, macOS, linux, all"],
    ['empty platform inclusion', body({}, { platforms: { includePlatforms: [], excludePlatforms: ['iOS'] } }), "conditions.platforms.includePlatforms: include at least one platform or 'all' (or set platforms to null)"],
    ['excluding every platform', body({}, { platforms: { includePlatforms: ['all'], excludePlatforms: ['all'] } }), "conditions.platforms.excludePlatforms: 'all' cannot be excluded; list the platforms to exclude"],
    ['empty location inclusion', body({}, { locations: { includeLocations: [], excludeLocations: [LOC] } }), "conditions.locations.includeLocations: include 'All', 'AllTrusted' or named locations (or set locations to null)"],
    ['an unknown named location', body({}, { locations: { includeLocations: ['All'], excludeLocations: ['66666666-6666-4666-8666-666666666666'] } }), "conditions.locations.excludeLocations[0]: no named location with id '66666666-6666-4666-8666-666666666666'"],
    ['excluding All locations', body({}, { locations: { includeLocations: [LOC], excludeLocations: ['All'] } }), "conditions.locations.excludeLocations[0]: 'All' cannot be excluded"],
    ['an unknown risk level', body({}, { signInRiskLevels: ['severe'] }), "conditions.signInRiskLevels[0]: 'severe' is not one of low, medium, high, hidden, none"],
    ['an unknown grant control', body({ grantControls: { operator: 'OR', builtInControls: ['mfa', 'prayer'] } }), "grantControls.builtInControls[1]: 'prayer' is not one of block, mfa, compliantDevice, domainJoinedDevice, approvedApplication, compliantApplication, passwordChange"],
    ['an unknown operator', body({ grantControls: { operator: 'XOR', builtInControls: ['mfa'] } }), "grantControls.operator: must be 'AND' or 'OR'"],
    ['block mixed with mfa', body({ grantControls: { operator: 'OR', builtInControls: ['block', 'mfa'] } }), "grantControls.builtInControls: 'block' cannot be combined with other controls"],
    ['block mixed with terms of use', body({ grantControls: { operator: 'OR', builtInControls: ['block'], termsOfUse: [TOU] } }), "grantControls.builtInControls: 'block' cannot be combined with other controls"],
    ['no control at all', body({ grantControls: { operator: 'OR', builtInControls: [] } }), 'grantControls: a policy needs at least one grant control (block, mfa, compliantDevice, authenticationStrength, termsOfUse, …) or an enabled session control'],
    ['neither grant nor session controls', body({ grantControls: null }), 'grantControls: a policy needs at least one grant control (block, mfa, compliantDevice, authenticationStrength, termsOfUse, …) or an enabled session control'],
    ['an unknown authentication strength', body({ grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: '00000000-0000-0000-0000-000000000003' } } }), `grantControls.authenticationStrength.id: '00000000-0000-0000-0000-000000000003' is not an authentication strength Gatehouse supports: ${MFA_STRENGTH_ID} (Multifactor authentication), ${PHISHING_RESISTANT_STRENGTH_ID} (Phishing-resistant MFA)`],
    ['an authentication strength with mfa', body({ grantControls: { operator: 'AND', builtInControls: ['mfa'], authenticationStrength: { id: MFA_STRENGTH_ID } } }), "grantControls.authenticationStrength: cannot be combined with the 'mfa' control (an authentication strength already requires MFA)"],
    ['a terms of use id that is not a GUID', body({ grantControls: { operator: 'OR', builtInControls: [], termsOfUse: ['tos'] } }), "grantControls.termsOfUse[0]: 'tos' is not a terms of use agreement id (a GUID)"],
    ['riskRemediation', body({ grantControls: { operator: 'OR', builtInControls: ['riskRemediation'] } }), "grantControls.builtInControls[0]: 'riskRemediation' is not supported by Gatehouse; use passwordChange or mfa"],
    ['passwordChange without user risk', body({ grantControls: { operator: 'AND', builtInControls: ['mfa', 'passwordChange'] } }), "grantControls.builtInControls: 'passwordChange' needs conditions.userRiskLevels (it remediates user risk)"],
    ['sign-in frequency without type and value', body({ sessionControls: { signInFrequency: { isEnabled: true, frequencyInterval: 'timeBased' } } }), "sessionControls.signInFrequency: type ('hours' or 'days') and value are required when frequencyInterval is 'timeBased'"],
    ['24 hours', body({ sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 24 } } }), 'sessionControls.signInFrequency.value: 24 is out of range: 1 to 23 hours (use days for longer)'],
    ['0 hours', body({ sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 0 } } }), 'sessionControls.signInFrequency.value: 0 is out of range: 1 to 23 hours (use days for longer)'],
    ['366 days', body({ sessionControls: { signInFrequency: { isEnabled: true, type: 'days', value: 366 } } }), 'sessionControls.signInFrequency.value: 366 is out of range: 1 to 365 days'],
    ['a fractional value', body({ sessionControls: { signInFrequency: { isEnabled: true, type: 'days', value: 1.5 } } }), 'sessionControls.signInFrequency.value: 1.5 is out of range: 1 to 365 days'],
    ['minutes', body({ sessionControls: { signInFrequency: { isEnabled: true, type: 'minutes', value: 30 } } }), "sessionControls.signInFrequency.type: must be 'hours' or 'days'"],
    ['every time with a period', body({ sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 1, frequencyInterval: 'everyTime' } } }), "sessionControls.signInFrequency: type and value must be null when frequencyInterval is 'everyTime'"],
    ['a persistent browser for one app', body({ sessionControls: { persistentBrowser: { isEnabled: true, mode: 'always' } } }, { applications: { includeApplications: [APP] } }), "sessionControls.persistentBrowser: needs conditions.applications.includeApplications ['All'] (a browser session is shared by every application)"],
    ['an unknown persistent browser mode', body({ sessionControls: { persistentBrowser: { isEnabled: true, mode: 'sometimes' } } }), "sessionControls.persistentBrowser.mode: must be 'always' or 'never'"],
    ['app enforced restrictions (not supported)', body({ sessionControls: { applicationEnforcedRestrictions: { isEnabled: true } } }), 'sessionControls.applicationEnforcedRestrictions: is not supported by Gatehouse; leave it empty or null'],
  ];
  for (const [name, policy, problem] of bad) {
    it(`refuses ${name}`, () => {
      const result = validateConditionalAccessPolicy(policy, { before: null, known });
      assert.equal(result.ok, false, `accepted: ${JSON.stringify(policy)}`);
      if (!result.ok) assert.ok(result.problems.includes(problem), `expected ${JSON.stringify(problem)} in ${JSON.stringify(result.problems, null, 1)}`);
    });
  }

  it('reports every problem, not just the first', () => {
    const result = validateConditionalAccessPolicy(body({ state: 'on', grantControls: { operator: 'OR', builtInControls: ['block', 'mfa'] } }, { clientAppTypes: ['desktop'] }), { before: null, known });
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.problems.length, 3, JSON.stringify(result.problems));
  });

  it('merges a PATCH into the stored policy: objects by property, lists replaced, state kept', () => {
    const stored = validateConditionalAccessPolicy(body({ state: 'enabled' }, users({ includeGroups: [G1] })), { before: null, known });
    assert.ok(stored.ok);
    const patched = validateConditionalAccessPolicy({ conditions: { signInRiskLevels: ['high', 'medium'] } }, { before: stored.value, known });
    assert.ok(patched.ok, JSON.stringify(patched));
    assert.equal(patched.value.state, 'enabled');
    assert.deepEqual(patched.value.conditions.signInRiskLevels, ['high', 'medium']);
    assert.deepEqual(patched.value.conditions.users.includeGroups, [G1]);
    const removed = validateConditionalAccessPolicy({ conditions: { users: { includeGroups: [] } } }, { before: stored.value, known });
    assert.equal(removed.ok, false, 'removing the only inclusion leaves the policy empty');
  });

  it('names the ids a body refers to, without special values, for the caller to look up', () => {
    const refs = conditionalAccessReferences(
      body({}, { users: { includeUsers: ['All'], excludeUsers: [U1, 'GuestsOrExternalUsers'], includeGroups: [G1], excludeRoles: [ROLE] }, applications: { includeApplications: [APP, 'All'] }, locations: { includeLocations: ['AllTrusted', LOC] } }),
      null,
    );
    assert.deepEqual(refs, { users: [U1], groups: [G1], roles: [ROLE], namedLocations: [LOC], applications: [APP] });
  });
});
