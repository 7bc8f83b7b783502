import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { appendSignInLog, type SignInLogEntry } from '#src/audit/index.ts';
import { manualClock } from '#src/core/clock.ts';
import { newId } from '#src/core/crypto.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

interface Json {
  [key: string]: unknown;
}

const TENANT = '0b5a9f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

/**
 * /v1.0/auditLogs/signIns over HTTP. The entries are written with appendSignInLog straight into the node's
 * database (the sign-in pipeline that writes them in production is tested elsewhere).
 */
describe('sign-in log API over HTTP', () => {
  let gh: TestGatehouse;
  let auditor = '';
  let reader = '';
  let blockedId = '';
  const guestId = newId();

  const call = async (path: string, token?: string) => {
    const response = await fetch(`${gh.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const error = (body: Json) => body.error as { code: string; message: string };

  before(async () => {
    gh = await startTestGatehouse();
    auditor = await gh.appToken(['AuditLog.Read.All']);
    reader = await gh.appToken(['User.Read.All', 'Directory.Read.All']);
    const clock = manualClock(new Date('2026-06-01T08:00:00Z'));
    const base: SignInLogEntry = {
      userId: newId(), userPrincipalName: 'member@gatehouse.local', userDisplayName: 'Member', userType: 'member', appId: newId(), appDisplayName: 'Portal',
      ipAddress: '198.51.100.1', clientAppUsed: 'Browser', isInteractive: true, homeTenantId: TENANT, resourceTenantId: TENANT,
      status: { errorCode: 0 }, conditionalAccessStatus: 'notApplied', authenticationRequirement: 'singleFactorAuthentication',
    };
    const db = gh.gatehouse.database.db;
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await appendSignInLog(db, clock, { ...base, ipAddress: `198.51.100.${i + 1}` });
    }
    clock.advance(60_000);
    blockedId = (await appendSignInLog(db, clock, {
      ...base, userId: guestId, userPrincipalName: 'gina_vendor.test#EXT#@gatehouse.local', userType: 'guest', homeTenantId: 'f00dbabe-0000-4000-8000-000000000000',
      status: { errorCode: 53003 }, conditionalAccessStatus: 'failure',
      appliedConditionalAccessPolicies: [{ id: 'p1', displayName: 'Block guests', enforcedGrantControls: ['Block'], enforcedSessionControls: [], result: 'failure', reasons: ['user is a b2bCollaborationGuest'] }],
      deviceDetail: { browser: 'Firefox 140', operatingSystem: 'Linux' },
      location: { city: 'Berlin', countryOrRegion: 'DE', latitude: 52.52, longitude: 13.405 },
      risk: { level: 'medium', reasons: [{ type: 'impossibleTravel', detail: '877 km in 30 min' }] },
    })).id;
  });
  after(async () => {
    await gh?.stop();
  });

  it('needs AuditLog.Read.All', async () => {
    assert.equal((await call('/v1.0/auditLogs/signIns')).status, 401);
    const refused = await call('/v1.0/auditLogs/signIns', reader);
    assert.equal(refused.status, 403);
    assert.equal(error(refused.body).code, 'Authorization_RequestDenied');
    assert.match(error(refused.body).message, /AuditLog\.Read\.All/);
    assert.equal((await call(`/v1.0/auditLogs/signIns/${blockedId}`, reader)).status, 403);
  });

  it('returns one sign-in with its policies, reasons, risk, device and location', async () => {
    const res = await call(`/v1.0/auditLogs/signIns/${blockedId}`, auditor);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.userType, 'guest');
    assert.deepEqual(res.body.status, { errorCode: 53003, failureReason: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.', additionalDetails: null });
    assert.deepEqual((res.body.appliedConditionalAccessPolicies as Json[])[0]?.reasons, ['user is a b2bCollaborationGuest']);
    assert.deepEqual(res.body.riskReasons, [{ type: 'impossibleTravel', detail: '877 km in 30 min' }]);
    assert.deepEqual(res.body.riskEventTypes_v2, ['impossibleTravel']);
    assert.equal((res.body.deviceDetail as Json).browser, 'Firefox 140');
    assert.deepEqual((res.body.location as Json).geoCoordinates, { altitude: null, latitude: 52.52, longitude: 13.405 });
  });

  it('answers 404 for an unknown id', async () => {
    for (const id of [newId(), 'nope']) {
      const res = await call(`/v1.0/auditLogs/signIns/${id}`, auditor);
      assert.equal(res.status, 404);
      assert.equal(error(res.body).code, 'Request_ResourceNotFound');
    }
  });

  it('filters guests and failures, and pages through @odata.nextLink', async () => {
    const guests = await call(`/v1.0/auditLogs/signIns?$filter=${encodeURIComponent("userType eq 'guest' and status/errorCode ne 0")}`, auditor);
    assert.equal(guests.status, 200, JSON.stringify(guests.body));
    assert.match(String(guests.body['@odata.context']), /\$metadata#auditLogs\/signIns$/);
    assert.deepEqual((guests.body.value as Json[]).map((s) => s.id), [blockedId]);

    const seen: string[] = [];
    let next: string | undefined = `/v1.0/auditLogs/signIns?$top=3&$filter=${encodeURIComponent("userType eq 'member'")}`;
    while (next) {
      const page = await call(next.replace(gh.url, ''), auditor);
      assert.equal(page.status, 200);
      seen.push(...(page.body.value as Json[]).map((s) => String(s.ipAddress)));
      next = page.body['@odata.nextLink'] as string | undefined;
      if (next) assert.match(next, /\$skiptoken=/);
    }
    assert.deepEqual(seen, ['198.51.100.3', '198.51.100.2', '198.51.100.1']);
  });

  it('projects $select', async () => {
    const res = await call(`/v1.0/auditLogs/signIns?$select=status,userPrincipalName&$filter=${encodeURIComponent(`userId eq '${guestId}'`)}`, auditor);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys((res.body.value as Json[])[0] ?? {}).sort(), ['id', 'status', 'userPrincipalName']);
  });

  it('refuses an unsupported filter with a 400 naming the property', async () => {
    const res = await call(`/v1.0/auditLogs/signIns?$filter=${encodeURIComponent("deviceDetail/browser eq 'Firefox'")}`, auditor);
    assert.equal(res.status, 400);
    assert.equal(error(res.body).code, 'Request_BadRequest');
    assert.match(error(res.body).message, /Property 'deviceDetail\/browser' is not filterable on signIns \(filterable: .*userType/);
    const op = await call(`/v1.0/auditLogs/signIns?$filter=${encodeURIComponent("endsWith(userPrincipalName, '.local')")}`, auditor);
    assert.equal(op.status, 400);
    assert.match(error(op.body).message, /Operator 'endsWith' is not supported for property 'userPrincipalName'/);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await call('/openapi.json');
    const paths = doc.body.paths as Record<string, unknown>;
    assert.ok(paths['/v1.0/auditLogs/signIns'] && paths['/v1.0/auditLogs/signIns/{id}']);
  });
});
