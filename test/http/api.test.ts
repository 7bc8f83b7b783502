import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

interface Json {
  [key: string]: unknown;
}

describe('Graph-compatible API over HTTP', () => {
  let gh: TestGatehouse;
  let writer = '';
  let reader = '';
  const statuses: number[] = [];

  const call = async (method: string, path: string, options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${gh.url}${path}`, { method, headers, body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
    statuses.push(response.status);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const graphError = (body: Json) => body.error as { code: string; message: string; innerError: { code: string; 'request-id': string } };

  before(async () => {
    gh = await startTestGatehouse();
    writer = await gh.appToken(['User.ReadWrite.All', 'Group.ReadWrite.All', 'AuditLog.Read.All', 'RoleManagement.ReadWrite.Directory', 'Application.ReadWrite.All']);
    reader = await gh.appToken(['User.Read.All']);
  });
  after(async () => {
    await gh?.stop();
  });

  it('refuses a request without a token in the Graph error shape', async () => {
    const res = await call('GET', '/v1.0/users');
    assert.equal(res.status, 401);
    assert.equal(graphError(res.body).code, 'InvalidAuthenticationToken');
    assert.match(graphError(res.body).innerError['request-id'], /^[0-9a-f-]{36}$/);
  });

  it('refuses a forged token', async () => {
    const res = await call('GET', '/v1.0/users', { token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' });
    assert.equal(res.status, 401);
  });

  it('names the permission a caller lacks', async () => {
    const res = await call('POST', '/v1.0/users', { token: reader, body: { accountEnabled: true, displayName: 'X', mailNickname: 'x', userPrincipalName: 'x@gatehouse.local', passwordProfile: { password: 'a long enough password' } } });
    assert.equal(res.status, 403);
    assert.equal(graphError(res.body).code, 'Authorization_RequestDenied');
    assert.match(graphError(res.body).message, /User\.ReadWrite\.All/);
  });

  it('creates, reads, updates and deletes a user', async () => {
    const created = await call('POST', '/v1.0/users', {
      token: writer,
      body: { accountEnabled: true, displayName: 'Supplier Engineer', mailNickname: 'sengineer', userPrincipalName: 'sengineer@gatehouse.local', companyName: 'Contoso', passwordProfile: { password: 'a long enough password', forceChangePasswordNextSignIn: true } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.equal(created.body.userType, 'Member');
    assert.equal(created.body.passwordProfile, undefined, 'a password is never returned');
    const byUpn = await call('GET', '/v1.0/users/sengineer@gatehouse.local', { token: reader });
    assert.equal(byUpn.body.id, id);
    const selected = await call('GET', `/v1.0/users/${id}?$select=displayName,signInActivity`, { token: reader });
    assert.deepEqual(Object.keys(selected.body).sort(), ['@odata.context', 'displayName', 'id', 'signInActivity']);
    assert.equal((await call('PATCH', `/v1.0/users/${id}`, { token: writer, body: { jobTitle: 'Field engineer' } })).status, 204);
    assert.equal((await call('GET', `/v1.0/users/${id}`, { token: reader })).body.jobTitle, 'Field engineer');
    assert.equal((await call('DELETE', `/v1.0/users/${id}`, { token: writer })).status, 204);
    const gone = await call('GET', `/v1.0/users/${id}`, { token: reader });
    assert.equal(gone.status, 404);
    assert.equal(graphError(gone.body).code, 'Request_ResourceNotFound');
  });

  const badInputs: [string, string, string, { body?: unknown; raw?: string }, number, RegExp][] = [
    ['malformed JSON', 'POST', '/v1.0/users', { raw: '{"displayName": ' }, 400, /not valid JSON/],
    ['an unknown property', 'PATCH', '/v1.0/users/{admin}', { body: { favouriteColour: 'blue' } }, 400, /Invalid property 'favouriteColour'/],
    ['a read-only property', 'PATCH', '/v1.0/users/{admin}', { body: { id: '00000000-0000-4000-8000-000000000000' } }, 400, /'id' is read-only/],
    ['a wrong type', 'PATCH', '/v1.0/users/{admin}', { body: { accountEnabled: 'yes' } }, 400, /accountEnabled' must be of type boolean/],
    ['an empty patch', 'PATCH', '/v1.0/users/{admin}', { body: {} }, 400, /Invalid body|fewer than 1/],
    ['a missing required property', 'POST', '/v1.0/groups', { body: { displayName: 'g', mailEnabled: false, securityEnabled: true } }, 400, /'mailNickname' is required/],
    ['invalid $filter syntax', 'GET', "/v1.0/users?$filter=displayName eq 'x' and", {}, 400, /\$filter/],
    ['an unknown $filter property', 'GET', "/v1.0/users?$filter=shoeSize eq 'x'", {}, 400, /shoeSize/],
    ['$top=1000', 'GET', '/v1.0/users?$top=1000', {}, 400, /between 1 and 999/],
    ['$count without ConsistencyLevel', 'GET', '/v1.0/users?$count=true', {}, 400, /ConsistencyLevel/],
    ['$skip', 'GET', '/v1.0/users?$skip=10', {}, 400, /nextLink/],
    ['a foreign $skiptoken', 'GET', '/v1.0/users?$skiptoken=bm9wZQ', {}, 400, /skiptoken/i],
    ['an unknown id', 'GET', '/v1.0/groups/7e2a8c61-0000-4000-8000-000000000000', {}, 404, /does not exist/],
    ['a malformed id', 'GET', '/v1.0/groups/not-a-guid', {}, 404, /does not exist/],
    ['a bad @odata.id', 'POST', '/v1.0/groups/{group}/members/$ref', { body: { '@odata.id': 'https://evil/x' } }, 400, /@odata.id/],
    ['an unknown route', 'GET', '/v1.0/nonsense', {}, 404, /nonsense/],
  ];
  let adminId = '';
  let groupId = '';
  for (const [name, method, template, input, status, message] of badInputs) {
    it(`answers ${name} with ${status} in the Graph shape and changes nothing`, async () => {
      adminId ||= gh.gatehouse.bootstrap.adminUserId;
      groupId ||= ((await call('POST', '/v1.0/groups', { token: writer, body: { displayName: 'Probe', mailNickname: 'probe', mailEnabled: false, securityEnabled: true } })).body.id as string);
      const before = (await call('GET', `/v1.0/users/${adminId}`, { token: writer })).body;
      const path = template.replace('{admin}', adminId).replace('{group}', groupId);
      const res = await call(method, path, { token: writer, ...input });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.match(graphError(res.body).message, message);
      assert.deepEqual((await call('GET', `/v1.0/users/${adminId}`, { token: writer })).body, before);
    });
  }

  it('manages group members and owners with $ref and resolves nesting', async () => {
    const user = await call('POST', '/v1.0/users', { token: writer, body: { accountEnabled: true, displayName: 'Nested Member', mailNickname: 'nested', userPrincipalName: 'nested@gatehouse.local', passwordProfile: { password: 'a long enough password' } } });
    const inner = await call('POST', '/v1.0/groups', { token: writer, body: { displayName: 'Inner', mailNickname: 'inner', mailEnabled: false, securityEnabled: true } });
    const outer = await call('POST', '/v1.0/groups', { token: writer, body: { displayName: 'Outer', mailNickname: 'outer', mailEnabled: false, securityEnabled: true, 'owners@odata.bind': [`${gh.url}/v1.0/users/${user.body.id}`] } });
    const ref = (id: unknown) => ({ '@odata.id': `${gh.url}/v1.0/directoryObjects/${String(id)}` });
    assert.equal((await call('POST', `/v1.0/groups/${inner.body.id}/members/$ref`, { token: writer, body: ref(user.body.id) })).status, 204);
    assert.equal((await call('POST', `/v1.0/groups/${outer.body.id}/members/$ref`, { token: writer, body: ref(inner.body.id) })).status, 204);
    const again = await call('POST', `/v1.0/groups/${inner.body.id}/members/$ref`, { token: writer, body: ref(user.body.id) });
    assert.equal(again.status, 400);
    const direct = await call('GET', `/v1.0/groups/${outer.body.id}/members`, { token: writer });
    assert.deepEqual((direct.body.value as Json[]).map((m) => m['@odata.type']), ['#microsoft.graph.group']);
    const transitive = await call('GET', `/v1.0/groups/${outer.body.id}/transitiveMembers`, { token: writer });
    assert.deepEqual((transitive.body.value as Json[]).map((m) => m.displayName).sort(), ['Inner', 'Nested Member']);
    const owners = await call('GET', `/v1.0/groups/${outer.body.id}/owners`, { token: writer });
    assert.equal((owners.body.value as Json[])[0]?.id, user.body.id);
    assert.equal((await call('DELETE', `/v1.0/groups/${inner.body.id}/members/${user.body.id}/$ref`, { token: writer })).status, 204);
    const memberOf = await call('GET', `/v1.0/users/${user.body.id}/transitiveMemberOf`, { token: writer });
    assert.deepEqual(memberOf.body.value, []);
  });

  it('makes a user whose password must change choose a new one before any session exists', async () => {
    const created = await call('POST', '/v1.0/users', {
      token: writer,
      body: { accountEnabled: true, displayName: 'Must Change', mailNickname: 'mustchange', userPrincipalName: 'mustchange@gatehouse.local', passwordProfile: { password: 'initial password 123', forceChangePasswordNextSignIn: true } },
    });
    assert.equal(created.status, 201);
    const refused = await call('POST', '/portal/api/session', { body: { userName: 'mustchange@gatehouse.local', password: 'initial password 123' } });
    assert.equal(refused.status, 403);
    assert.equal(graphError(refused.body).innerError.code, 'PASSWORD_CHANGE_REQUIRED');
    assert.equal(refused.headers.get('set-cookie'), null, 'no session before the password changes');
    const weak = await call('POST', '/portal/api/session', { body: { userName: 'mustchange@gatehouse.local', password: 'initial password 123', newPassword: 'short' } });
    assert.equal(weak.status, 400);
    const changed = await call('POST', '/portal/api/session', { body: { userName: 'mustchange@gatehouse.local', password: 'initial password 123', newPassword: 'a brand new passphrase' } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.match(changed.headers.get('set-cookie') ?? '', /gatehouse_session=/);
    const old = await call('POST', '/portal/api/session', { body: { userName: 'mustchange@gatehouse.local', password: 'initial password 123' } });
    assert.equal(old.status, 401);
    const fresh = await call('POST', '/portal/api/session', { body: { userName: 'mustchange@gatehouse.local', password: 'a brand new passphrase' } });
    assert.equal(fresh.status, 200);
  });

  it('adds, lists and removes sponsors of a user', async () => {
    const mk = async (nick: string) =>
      (await call('POST', '/v1.0/users', { token: writer, body: { accountEnabled: true, displayName: `Sponsor test ${nick}`, mailNickname: nick, userPrincipalName: `${nick}@gatehouse.local` } })).body.id as string;
    const guestish = await mk('sponsored');
    const sponsor = await mk('sponsor');
    const ref = { '@odata.id': `${gh.url}/v1.0/users/${sponsor}` };
    assert.equal((await call('POST', `/v1.0/users/${guestish}/sponsors/$ref`, { token: writer, body: ref })).status, 204);
    assert.equal((await call('POST', `/v1.0/users/${guestish}/sponsors/$ref`, { token: writer, body: ref })).status, 400);
    assert.equal((await call('POST', `/v1.0/users/${guestish}/sponsors/$ref`, { token: writer, body: { '@odata.id': `${gh.url}/v1.0/users/${guestish}` } })).status, 400);
    const listed = await call('GET', `/v1.0/users/${guestish}/sponsors`, { token: reader });
    assert.deepEqual((listed.body.value as Json[]).map((u) => u.id), [sponsor]);
    assert.equal((await call('DELETE', `/v1.0/users/${guestish}/sponsors/${sponsor}/$ref`, { token: writer })).status, 204);
    assert.deepEqual((await call('GET', `/v1.0/users/${guestish}/sponsors`, { token: reader })).body.value, []);
  });

  it('filters, counts and pages users without duplicates or gaps', async () => {
    for (let i = 0; i < 23; i++) {
      const res = await call('POST', '/v1.0/users', { token: writer, body: { accountEnabled: i % 2 === 0, displayName: `Pager ${String(i).padStart(2, '0')}`, mailNickname: `pager${i}`, userPrincipalName: `pager${i}@gatehouse.local`, companyName: 'Fabrikam', passwordProfile: { password: 'a long enough password' } } });
      assert.equal(res.status, 201);
    }
    const seen: string[] = [];
    let next: string | undefined = `/v1.0/users?$filter=${encodeURIComponent("startsWith(displayName,'pager') and companyName eq 'Fabrikam'")}&$top=5&$orderby=displayName desc&$count=true`;
    let count: unknown;
    while (next) {
      const page: { body: Json; status: number } = await call('GET', next.replace(gh.url, ''), { token: reader, headers: { ConsistencyLevel: 'eventual' } });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      count ??= page.body['@odata.count'];
      seen.push(...(page.body.value as Json[]).map((u) => u.displayName as string));
      next = page.body['@odata.nextLink'] as string | undefined;
      if (next) assert.match(next, /[?&]\$skiptoken=/, 'nextLink spells $skiptoken as Graph does');
    }
    assert.equal(count, 23);
    assert.equal(seen.length, 23);
    assert.equal(new Set(seen).size, 23);
    assert.deepEqual(seen, [...seen].sort().reverse());
    const disabled = await call('GET', `/v1.0/users?$filter=${encodeURIComponent("accountEnabled eq false and startsWith(userPrincipalName,'pager')")}`, { token: reader });
    assert.equal((disabled.body.value as Json[]).length, 11);
  });

  it('lists built-in roles and assigns one', async () => {
    const roles = await call('GET', '/v1.0/roleManagement/directory/roleDefinitions', { token: writer });
    const names = (roles.body.value as Json[]).map((r) => r.displayName);
    for (const name of ['Global Administrator', 'User Administrator', 'Guest Inviter', 'Groups Administrator', 'Security Administrator', 'Security Reader', 'Identity Governance Administrator', 'Privileged Access Administrator']) {
      assert.ok(names.includes(name), name);
    }
    const user = await call('POST', '/v1.0/users', { token: writer, body: { accountEnabled: true, displayName: 'Reader Role', mailNickname: 'rr', userPrincipalName: 'rr@gatehouse.local', passwordProfile: { password: 'a long enough password' } } });
    const assigned = await call('POST', '/v1.0/roleManagement/directory/roleAssignments', { token: writer, body: { principalId: user.body.id, roleDefinitionId: '5d6b6bb7-de71-4623-b4af-96380a352509', directoryScopeId: '/' } });
    assert.equal(assigned.status, 201);
    const listed = await call('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '${String(user.body.id)}'`, { token: writer });
    assert.equal((listed.body.value as Json[]).length, 1);
  });

  it('records every change in the audit log, filterable by target and activity', async () => {
    const group = await call('POST', '/v1.0/groups', { token: writer, body: { displayName: 'Audited', mailNickname: 'audited', mailEnabled: false, securityEnabled: true } });
    const filter = encodeURIComponent(`targetResources/any(t: t/id eq '${String(group.body.id)}') and activityDisplayName eq 'Add group'`);
    const audits = await call('GET', `/v1.0/auditLogs/directoryAudits?$filter=${filter}`, { token: writer });
    assert.equal(audits.status, 200, JSON.stringify(audits.body));
    const [event] = audits.body.value as Json[];
    assert.equal(event?.category, 'GroupManagement');
    assert.equal((event?.initiatedBy as { app: { displayName: string } }).app.displayName.startsWith('test app'), true);
    const forbidden = await call('GET', '/v1.0/auditLogs/directoryAudits', { token: reader });
    assert.equal(forbidden.status, 403);
    assert.match(graphError(forbidden.body).message, /AuditLog\.Read\.All/);
  });

  it('publishes an OpenAPI document generated from the route schemas and a reference page', async () => {
    const doc = await call('GET', '/openapi.json');
    const paths = doc.body.paths as Record<string, unknown>;
    for (const p of ['/v1.0/users', '/v1.0/groups/{id}/members/$ref', '/v1.0/auditLogs/directoryAudits', '/v1.0/applications']) assert.ok(paths[p], p);
    const page = await fetch(`${gh.url}/docs/api/`);
    assert.equal(page.status, 200);
  });

  it('answers health, readiness and metrics', async () => {
    assert.equal((await call('GET', '/healthz')).status, 200);
    assert.equal((await call('GET', '/readyz')).status, 200);
    const metrics = await fetch(`${gh.url}/metrics`);
    assert.match(await metrics.text(), /gatehouse_http_request_duration_seconds/);
  });

  it('never answered with a 5xx', () => {
    assert.ok(statuses.length > 40);
    assert.deepEqual(statuses.filter((s) => s >= 500), []);
  });
});
