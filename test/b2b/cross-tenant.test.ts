import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inboundVerdict } from '#src/directory/index.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

interface Json {
  [key: string]: unknown;
}

describe('the cross-tenant inbound check', () => {
  const settings = (usersAndGroups: Json | null, applications: Json | null = null, partner: string | null = 'partner-1') =>
    ({ partner, b2bCollaborationInbound: { usersAndGroups, applications } }) as Parameters<typeof inboundVerdict>[0];
  const cases: [string, Parameters<typeof inboundVerdict>[0], Parameters<typeof inboundVerdict>[1], boolean][] = [
    ['all users allowed', settings({ accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] }), { subject: 'u1', groups: [], applicationId: null }, true],
    ['listed user allowed', settings({ accessType: 'allowed', targets: [{ target: 'u1', targetType: 'user' }] }), { subject: 'u1', groups: [], applicationId: null }, true],
    ['unlisted user refused', settings({ accessType: 'allowed', targets: [{ target: 'u1', targetType: 'user' }] }), { subject: 'u2', groups: [], applicationId: null }, false],
    ['member of a listed group allowed', settings({ accessType: 'allowed', targets: [{ target: 'g1', targetType: 'group' }] }), { subject: 'u2', groups: ['g0', 'g1'], applicationId: null }, true],
    ['blocked group member refused', settings({ accessType: 'blocked', targets: [{ target: 'g1', targetType: 'group' }] }), { subject: 'u2', groups: ['g1'], applicationId: null }, false],
    ['others of a blocked list allowed', settings({ accessType: 'blocked', targets: [{ target: 'g1', targetType: 'group' }] }), { subject: 'u2', groups: ['g2'], applicationId: null }, true],
    ['everyone blocked', settings({ accessType: 'blocked', targets: [{ target: 'AllUsers', targetType: 'user' }] }), { subject: 'u2', groups: [], applicationId: null }, false],
    ['OTP users (no subject) match only AllUsers', settings({ accessType: 'allowed', targets: [{ target: 'u1', targetType: 'user' }] }, null, null), { subject: null, groups: [], applicationId: null }, false],
    ['application not listed', settings(null, { accessType: 'allowed', targets: [{ target: 'app-1', targetType: 'application' }] }), { subject: 'u1', groups: [], applicationId: 'app-2' }, false],
    ['application listed', settings(null, { accessType: 'allowed', targets: [{ target: 'app-1', targetType: 'application' }] }), { subject: 'u1', groups: [], applicationId: 'app-1' }, true],
    ['applications ignored at redemption', settings(null, { accessType: 'blocked', targets: [{ target: 'AllApplications', targetType: 'application' }] }), { subject: 'u1', groups: [], applicationId: null }, true],
    ['application blocked', settings(null, { accessType: 'blocked', targets: [{ target: 'AllApplications', targetType: 'application' }] }), { subject: 'u1', groups: [], applicationId: 'app-1' }, false],
  ];
  for (const [name, policy, facts, allowed] of cases) {
    it(name, () => {
      const verdict = inboundVerdict(policy, facts);
      assert.equal(verdict.allowed, allowed);
      if (!verdict.allowed) assert.match(verdict.reason, /partner partner-1|default cross-tenant/);
    });
  }
});

describe('cross-tenant access settings API', () => {
  let gh: TestGatehouse;
  let admin = '';
  const XT = '/v1.0/policies/crossTenantAccessPolicy';
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gh.url}${path}`, { method, headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };

  before(async () => {
    gh = await startTestGatehouse();
    admin = await gh.appToken(['Policy.ReadWrite.CrossTenantAccess', 'AuditLog.Read.All']);
  });
  after(async () => {
    await gh?.stop();
  });

  it('starts from the service defaults', async () => {
    const def = (await api('GET', `${XT}/default`)).body;
    assert.equal(def.isServiceDefault, true);
    assert.equal(((def.b2bCollaborationInbound as Json).usersAndGroups as Json).accessType, 'allowed');
    assert.equal(((def.b2bDirectConnectInbound as Json).usersAndGroups as Json).accessType, 'blocked');
    assert.equal((def.inboundTrust as Json).isMfaAccepted, false);
  });

  const bad: [string, string, string, unknown][] = [
    ['an access type that is neither allowed nor blocked', 'PATCH', 'default', { b2bCollaborationInbound: { usersAndGroups: { accessType: 'maybe', targets: [] } } }],
    ['a user target typed as an application', 'PATCH', 'default', { b2bCollaborationInbound: { usersAndGroups: { accessType: 'allowed', targets: [{ target: 'x', targetType: 'application' }] } } }],
    ['an unknown property', 'PATCH', 'default', { b2bCollaborationInbound: { usersAndGroups: null, everything: true } }],
    ['isServiceProvider on the default', 'PATCH', 'default', { isServiceProvider: true }],
    ['a partner without tenantId', 'POST', 'partners', { inboundTrust: { isMfaAccepted: true } }],
    ['an empty target', 'POST', 'partners', { tenantId: 'p1', b2bCollaborationInbound: { usersAndGroups: { accessType: 'allowed', targets: [''] } } }],
  ];
  for (const [name, method, path, body] of bad) {
    it(`refuses ${name}`, async () => {
      const res = await api(method, `${XT}/${path}`, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal((await api('GET', `${XT}/default`)).body.isServiceDefault, true, 'nothing was stored');
    });
  }

  it('keeps partner settings apart, inherits what a partner leaves null, and audits changes', async () => {
    const tenantId = '3c1b5f8e-2d4a-4e6b-9f0a-7b8c9d0e1f2a';
    const created = await api('POST', `${XT}/partners`, { tenantId, inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: false } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.b2bCollaborationInbound, null, 'not set: inherits the default');
    assert.equal((await api('POST', `${XT}/partners`, { tenantId })).status, 400, 'one settings object per partner');
    assert.equal((await api('PATCH', `${XT}/partners/${tenantId}`, { tenantId: 'other' })).status, 400, 'tenantId is read-only');
    assert.equal((await api('GET', `${XT}/partners/unknown-partner`)).status, 404);
    const list = (await api('GET', `${XT}/partners`)).body.value as Json[];
    assert.deepEqual(list.map((p) => p.tenantId), [tenantId]);
    const audit = (await api('GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Update policy'")}`)).body.value as Json[];
    assert.ok(audit.some((a) => ((a.targetResources as Json[])[0]?.id as string).endsWith(tenantId)));
    assert.equal((await api('DELETE', `${XT}/partners/${tenantId}`)).status, 204);
    assert.equal((await api('DELETE', `${XT}/partners/${tenantId}`)).status, 404);
  });
});
