import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { systemClock } from '#src/core/clock.ts';
import { addMember, createGroup, createRoleAssignment, createUser, GLOBAL_ADMINISTRATOR_ID } from '#src/directory/index.ts';
import {
  createConditionalAccessPolicy,
  createNamedLocation,
  gatherSignInFacts,
  isPublicIp,
  loadConditionalAccessPolicies,
  loadNamedLocations,
  lookupIp,
  PORTAL_APP_ID,
} from '#src/auth/index.ts';
import { connectDatabase } from '#src/store/index.ts';
import { describeEachBackend } from '../helpers/database.ts';
import { admin, createTenant, DOMAIN, dirDeps } from './fixtures.ts';

const GB_ADDRESS = '81.2.69.160';
const WINDOWS_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const nothingDone = { mfa: false, phishingResistant: false, compliantDevice: false, termsOfUse: [] };

describe('GeoIP lookup', () => {
  it('places a public address and gives nothing for private, loopback or malformed ones', () => {
    const gb = lookupIp(GB_ADDRESS);
    assert.equal(gb?.countryOrRegion, 'GB');
    assert.equal(typeof gb?.latitude, 'number');
    assert.equal(lookupIp(`::ffff:${GB_ADDRESS}`)?.countryOrRegion, 'GB', 'an IPv4-mapped address is the IPv4 one');
    for (const ip of ['10.1.2.3', '192.168.0.1', '172.16.5.5', '127.0.0.1', '::1', 'fe80::1', 'fd00::1', '100.64.0.1', '169.254.1.1', 'not-an-ip', '']) {
      assert.equal(lookupIp(ip), null, ip);
      assert.equal(isPublicIp(ip), false, ip);
    }
    assert.equal(isPublicIp('8.8.8.8'), true);
  });
});

describeEachBackend('sign-in facts and the cached Conditional Access sets', (ctx) => {
  const clock = systemClock;
  const ca = () => ({ db: ctx.db, clock });
  let n = 0;
  const user = async (input: { userType?: 'Member' | 'Guest'; creationType?: string | null } = {}) =>
    createUser(dirDeps(ctx.db), admin, { displayName: `u${++n}`, userPrincipalName: `u${n}@${DOMAIN}`, ...input });
  const gather = (userId: string, extra: Partial<Parameters<typeof gatherSignInFacts>[1]> = {}) =>
    gatherSignInFacts({ db: ctx.db }, { userId, applicationId: PORTAL_APP_ID, clientAppType: 'browser', signInRiskLevel: 'none', userRiskLevel: 'none', satisfied: nothingDone, ...extra });

  before(async () => {
    await createTenant(ctx.db, clock);
  });

  it('reads transitive groups and roles of an internal member, and the platform from the User-Agent', async () => {
    const member = await user();
    const inner = await createGroup(dirDeps(ctx.db), admin, { displayName: 'Inner', mailNickname: 'inner', mailEnabled: false, securityEnabled: true });
    const outer = await createGroup(dirDeps(ctx.db), admin, { displayName: 'Outer', mailNickname: 'outer', mailEnabled: false, securityEnabled: true });
    await addMember(dirDeps(ctx.db), admin, inner.id, member.id);
    await addMember(dirDeps(ctx.db), admin, outer.id, inner.id);
    await createRoleAssignment(dirDeps(ctx.db), admin, { principalId: member.id, roleDefinitionId: GLOBAL_ADMINISTRATOR_ID });
    const { facts, deviceDetail } = await gather(member.id, { userAgent: WINDOWS_CHROME, lastSignInAgeMinutes: 12 });
    assert.deepEqual(facts.user.groupIds.sort(), [inner.id, outer.id].sort());
    assert.deepEqual(facts.user.roleIds, [GLOBAL_ADMINISTRATOR_ID]);
    assert.equal(facts.user.userType, 'Member');
    assert.equal(facts.user.externalUserKind, null);
    assert.equal(facts.user.homeTenantId, null);
    assert.equal(facts.platform, 'windows');
    assert.equal(facts.lastSignInAgeMinutes, 12);
    assert.equal(deviceDetail.browser, 'Chrome 120.0.0.0');
    assert.equal((await gather(member.id, { userAgent: WINDOWS_CHROME, platform: 'iOS' })).facts.platform, 'iOS', 'a what-if platform wins over the User-Agent');
  });

  it('tells the external user kinds apart', async () => {
    const invitedGuest = await user({ userType: 'Guest', creationType: 'Invitation' });
    const localGuest = await user({ userType: 'Guest' });
    const invitedMember = await user({ userType: 'Member', creationType: 'Invitation' });
    assert.equal((await gather(invitedGuest.id)).facts.user.externalUserKind, 'b2bCollaborationGuest');
    assert.equal((await gather(localGuest.id)).facts.user.externalUserKind, 'internalGuest');
    assert.equal((await gather(invitedMember.id)).facts.user.externalUserKind, 'b2bCollaborationMember');
  });

  it("takes a federated guest's home tenant from its identity provider, unless the caller names one", async () => {
    const guest = await user({ userType: 'Guest', creationType: 'Invitation' });
    const issuer = 'https://idp.vendor.example';
    await ctx.db.updateTable('users').set({ identities: JSON.stringify([{ signInType: 'federated', issuer, issuerAssignedId: 'sub-1' }]) }).where('id', '=', guest.id).execute();
    assert.equal((await gather(guest.id)).facts.user.homeTenantId, issuer, 'an issuer with no provider stands for the partner');
    await ctx.db
      .insertInto('identity_providers')
      .values({ id: '0d0d0d0d-0000-4000-8000-000000000001', kind: 'oidc', display_name: 'Vendor', domains: ['vendor.example'], tenant_id: 'tenant-vendor', issuer, client_id: 'c', sealed_client_secret: null, scopes: ['openid'], claim_mapping: '{}', saml_sso_url: null, saml_metadata_url: null, saml_certificates: [], enabled: true, created_at: clock.now(), updated_at: clock.now() })
      .execute();
    assert.equal((await gather(guest.id)).facts.user.homeTenantId, 'tenant-vendor');
    assert.equal((await gather(guest.id, { homeTenantId: 'tenant-from-token' })).facts.user.homeTenantId, 'tenant-from-token');
  });

  it('matches named locations by address (trusted ranges) and by the GeoIP country, or a what-if country', async () => {
    const member = await user();
    const office = await createNamedLocation(ca(), admin, { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'Office', isTrusted: true, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '10.20.0.0/16' }] });
    const gb = await createNamedLocation(ca(), admin, { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'GB', countriesAndRegions: ['GB'] });
    const unknown = await createNamedLocation(ca(), admin, { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Unknown', countriesAndRegions: [], includeUnknownCountriesAndRegions: true });

    const fromGb = await gather(member.id, { ipAddress: GB_ADDRESS });
    assert.deepEqual(fromGb.facts.location, { matchedLocationIds: [gb.id], isTrusted: false });
    assert.equal(fromGb.location.countryOrRegion, 'GB');
    assert.equal(fromGb.location.ipAddress, GB_ADDRESS);
    assert.equal(typeof fromGb.location.latitude, 'number');

    const fromOffice = await gather(member.id, { ipAddress: '10.20.3.4' });
    assert.deepEqual(fromOffice.facts.location.matchedLocationIds.sort(), [office.id, unknown.id].sort(), 'a private address has no country');
    assert.equal(fromOffice.facts.location.isTrusted, true);
    assert.equal(fromOffice.location.countryOrRegion, null);

    const overridden = await gather(member.id, { ipAddress: GB_ADDRESS, countryOrRegion: 'us' });
    assert.deepEqual(overridden.facts.location.matchedLocationIds, [], 'a what-if country replaces the GeoIP one');
    assert.equal(overridden.location.countryOrRegion, 'US');
    assert.equal(overridden.location.city, null, 'the GeoIP city does not belong to the what-if country');
  });

  it('keeps the loaded policies and locations until they change, and sees a change made on another node within a second', async () => {
    const first = await loadConditionalAccessPolicies(ctx.db);
    assert.equal(await loadConditionalAccessPolicies(ctx.db), first, 'the same array: the evaluator compiles it once');
    assert.ok(Object.isFrozen(first));
    const locations = await loadNamedLocations(ctx.db);
    assert.equal(await loadNamedLocations(ctx.db), locations);

    const other = connectDatabase(ctx.connection, 2);
    try {
      const seenByOther = await loadConditionalAccessPolicies(other.db);
      assert.equal(seenByOther.length, first.length);
      const body = { displayName: 'Cached?', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } }, grantControls: { operator: 'OR', builtInControls: ['mfa'] } };
      const created = await createConditionalAccessPolicy(ca(), admin, body);
      const here = await loadConditionalAccessPolicies(ctx.db);
      assert.notEqual(here, first, 'a change through this handle is seen at once');
      assert.ok(here.some((p) => p.id === created.id));
      await sleep(700);
      const there = await loadConditionalAccessPolicies(other.db);
      assert.ok(there.some((p) => p.id === created.id), 'the other node sees it within a second');
    } finally {
      await other.db.destroy();
    }
  });
});
