import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

interface Json {
  [key: string]: unknown;
}

/** Partner organizations in Graph's connectedOrganization shape, with internal and external sponsors. */
describe('partner organizations (connectedOrganization)', () => {
  let gh: TestGatehouse;
  let admin = '';
  let reader = '';
  const ORGS = '/v1.0/identityGovernance/entitlementManagement/connectedOrganizations';

  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gh.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const api = (method: string, path: string, body?: unknown) => call(admin, method, path, body);

  before(async () => {
    gh = await startTestGatehouse();
    admin = await gh.appToken(['EntitlementManagement.ReadWrite.All', 'User.ReadWrite.All', 'User.Invite.All', 'AuditLog.Read.All']);
    reader = await gh.appToken(['EntitlementManagement.Read.All']);
  });
  after(async () => {
    await gh?.stop();
  });

  it('creates, lists, updates and deletes a partner with its identity sources', async () => {
    const created = await api('POST', ORGS, {
      displayName: 'Fabrikam',
      description: 'Field service supplier',
      identitySources: [
        { '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: 'Fabrikam.test', displayName: 'fabrikam.test' },
        { '@odata.type': '#microsoft.graph.externalDomainFederation', issuerUri: 'https://login.fabrikam.test', domainName: 'fabrikam.test', displayName: 'Fabrikam login' },
        { '@odata.type': '#microsoft.graph.azureActiveDirectoryTenant', tenantId: '6F0C3C36-3D1C-4B8E-9A55-1F6F0B9B7A01', displayName: 'Fabrikam tenant' },
      ],
      state: 'proposed',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.equal(created.body.state, 'proposed');
    assert.equal(((created.body.identitySources as Json[])[0] as Json).domainName, 'fabrikam.test', 'domains are stored lower-case');

    const listed = await call(reader, 'GET', `${ORGS}?$filter=${encodeURIComponent("state eq 'proposed'")}`);
    assert.equal(listed.status, 200);
    const row = (listed.body.value as Json[]).find((o) => o.id === id) as Json;
    assert.equal((row.identitySources as Json[]).length, 3, 'the list carries the whole shape');
    assert.equal((await api('PATCH', `${ORGS}/${id}`, { state: 'configured', displayName: 'Fabrikam Ltd' })).status, 204);
    assert.equal((await call(reader, 'GET', `${ORGS}/${id}`)).body.displayName, 'Fabrikam Ltd');
    const audit = (await api('GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Update connected organization'")}`)).body.value as Json[];
    assert.ok(((audit[0]?.targetResources as Json[])[0]?.modifiedProperties as Json[]).some((p) => p.displayName === 'state'));
    assert.equal((await call(reader, 'POST', ORGS, { displayName: 'X', identitySources: [] })).status, 403, 'read permission cannot create');
    assert.equal((await api('DELETE', `${ORGS}/${id}`)).status, 204);
    assert.equal((await api('GET', `${ORGS}/${id}`)).status, 404);
  });

  const bad: [string, unknown][] = [
    ['no identity source', { displayName: 'A', identitySources: [] }],
    ['an unknown source type', { displayName: 'A', identitySources: [{ '@odata.type': '#microsoft.graph.socialIdentitySource' }] }],
    ['a bad domain', { displayName: 'A', identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: 'not a domain' }] }],
    ['a tenant id that is no GUID', { displayName: 'A', identitySources: [{ '@odata.type': '#microsoft.graph.azureActiveDirectoryTenant', tenantId: 'contoso' }] }],
    ['an issuer that is no URL', { displayName: 'A', identitySources: [{ '@odata.type': '#microsoft.graph.externalDomainFederation', issuerUri: 'ftp:x' }] }],
    ['an unknown property', { displayName: 'A', favourite: true, identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: 'a.test' }] }],
    ['a bad state', { displayName: 'A', state: 'maybe', identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: 'a.test' }] }],
  ];
  for (const [name, body] of bad) {
    it(`refuses ${name} with a 400 and creates nothing`, async () => {
      const before = ((await api('GET', ORGS)).body.value as Json[]).length;
      const res = await api('POST', ORGS, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(((await api('GET', ORGS)).body.value as Json[]).length, before);
    });
  }

  it('keeps internal sponsors to members and external sponsors to guests', async () => {
    const org = (await api('POST', ORGS, { displayName: 'Northwind', identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: 'northwind.test' }] })).body;
    const member = (await api('POST', '/v1.0/users', { accountEnabled: true, displayName: 'Mia Member', mailNickname: 'mia', userPrincipalName: 'mia@gatehouse.local' })).body;
    const guest = (await api('POST', '/v1.0/invitations', { invitedUserEmailAddress: 'lead@northwind.test', inviteRedirectUrl: `${gh.url}/` })).body;
    const guestId = (guest.invitedUser as Json).id as string;
    const ref = (id: string) => ({ '@odata.id': `${gh.url}/v1.0/directoryObjects/${id}` });
    const base = `${ORGS}/${org.id as string}`;
    assert.equal((await api('POST', `${base}/internalSponsors/$ref`, ref(guestId))).status, 400);
    assert.equal((await api('POST', `${base}/externalSponsors/$ref`, ref(member.id as string))).status, 400);
    assert.equal((await api('POST', `${base}/internalSponsors/$ref`, ref(member.id as string))).status, 204);
    assert.equal((await api('POST', `${base}/externalSponsors/$ref`, ref(guestId))).status, 204);
    assert.equal((await api('POST', `${base}/externalSponsors/$ref`, ref(guestId))).status, 400, 'already a sponsor');
    assert.deepEqual(((await call(reader, 'GET', `${base}/internalSponsors`)).body.value as Json[]).map((u) => u.id), [member.id]);
    assert.deepEqual(((await call(reader, 'GET', `${base}/externalSponsors`)).body.value as Json[]).map((u) => u.id), [guestId]);
    assert.equal((await api('DELETE', `${base}/externalSponsors/${guestId}/$ref`)).status, 204);
    assert.deepEqual((await call(reader, 'GET', `${base}/externalSponsors`)).body.value, []);
  });
});
