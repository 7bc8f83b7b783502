import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, GraphError, HTTPMessageHandler, RetryHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * The official Microsoft Graph JavaScript SDK against Gatehouse, with a token from Gatehouse's own token endpoint
 * requested exactly as for Entra (client credentials, scope https://graph.microsoft.com/.default).
 */

interface DirectoryObject {
  id: string;
  displayName?: string;
  userPrincipalName?: string;
  '@odata.type'?: string;
}
interface Page<T> {
  value: T[];
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
}

/**
 * The SDK's AuthenticationHandler only attaches tokens for Graph hosts and `customHosts`, and both checks only
 * recognise https URLs, so against plain http on loopback the chain needs its own bearer middleware.
 */
class BearerMiddleware implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly token: () => Promise<string>) {}

  async execute(context: Context): Promise<void> {
    const options = (context.options ??= {});
    const headers = new Headers(options.headers as HeadersInit | undefined);
    headers.set('Authorization', `Bearer ${await this.token()}`);
    options.headers = headers;
    if (!this.next) throw new Error('BearerMiddleware must not be the last middleware');
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

async function graphToken(url: string, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${url}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://graph.microsoft.com/.default' }),
  });
  const body = (await response.json()) as { access_token?: string; token_type?: string; error_description?: string };
  assert.equal(response.status, 200, body.error_description);
  assert.equal(body.token_type?.toLowerCase(), 'bearer');
  assert.ok(body.access_token);
  return body.access_token;
}

describe('the Microsoft Graph JavaScript SDK against Gatehouse', () => {
  let gh: TestGatehouse;
  let client: Client;
  const apiBase = () => `${gh.url}/v1.0`;

  before(async () => {
    gh = await startTestGatehouse();
    const { clientId, clientSecret } = await gh.registerApp(['User.ReadWrite.All', 'Group.ReadWrite.All']);
    const token = await graphToken(gh.url, clientId, clientSecret);
    const auth = new BearerMiddleware(async () => token);
    const retry = new RetryHandler();
    auth.setNext(retry);
    retry.setNext(new HTTPMessageHandler());
    // The version is part of baseUrl, so `api('/users')` maps to <url>/v1.0/users.
    client = Client.initWithMiddleware({ middleware: auth, baseUrl: `${gh.url}/v1.0/`, defaultVersion: '' });
  });
  after(async () => {
    await gh?.stop();
  });

  const createUser = (displayName: string, nickname: string) =>
    client.api('/users').post({
      accountEnabled: true,
      displayName,
      mailNickname: nickname,
      userPrincipalName: `${nickname}@gatehouse.local`,
      passwordProfile: { password: 'a long enough password', forceChangePasswordNextSignIn: true },
    }) as Promise<DirectoryObject>;

  it('creates a user and reads it back by id and by userPrincipalName', async () => {
    const created = await createUser('SDK Person', 'sdkperson');
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.userPrincipalName, 'sdkperson@gatehouse.local');
    const byId = (await client.api(`/users/${created.id}`).select(['displayName', 'userPrincipalName']).get()) as DirectoryObject;
    assert.equal(byId.displayName, 'SDK Person');
    const byUpn = (await client.api('/users/sdkperson@gatehouse.local').get()) as DirectoryObject;
    assert.equal(byUpn.id, created.id);
  });

  it('filters with startsWith exactly as the SDK encodes it', async () => {
    await createUser('SDK Filter Alpha', 'sdkfiltera');
    await createUser('SDK Filter Beta', 'sdkfilterb');
    await createUser('Other Person', 'otherperson');
    const page = (await client.api('/users').filter("startsWith(displayName,'SDK Filter')").orderby('displayName').get()) as Page<DirectoryObject>;
    assert.deepEqual(
      page.value.map((u) => u.displayName),
      ['SDK Filter Alpha', 'SDK Filter Beta'],
    );
  });

  it('pages with top(2) through @odata.nextLink, with an eventual-consistency count, without duplicates or gaps', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `SDK Pager ${i}`);
    for (const [i, name] of names.entries()) await createUser(name, `sdkpager${i}`);

    const seen: string[] = [];
    const counts: (number | undefined)[] = [];
    let page = (await client
      .api('/users')
      .header('ConsistencyLevel', 'eventual')
      .filter("startsWith(displayName,'SDK Pager')")
      .count(true)
      .top(2)
      .get()) as Page<DirectoryObject>;
    for (;;) {
      assert.ok(page.value.length <= 2, `a page holds at most $top items, got ${page.value.length}`);
      counts.push(page['@odata.count']);
      seen.push(...page.value.map((u) => u.displayName ?? ''));
      const next = page['@odata.nextLink'];
      if (!next) break;
      assert.ok(next.startsWith(`${apiBase()}/users?`), `nextLink is absolute under the public URL: ${next}`);
      // The SDK only strips the host from https:// URLs (GraphRequest.parsePath), so PageIterator cannot follow
      // an http nextLink; hand it the path below the base URL, which it parses like any other request.
      page = (await client.api(next.slice(apiBase().length)).header('ConsistencyLevel', 'eventual').get()) as Page<DirectoryObject>;
    }
    assert.equal(counts[0], 7);
    assert.equal(seen.length, 7);
    assert.equal(new Set(seen).size, 7, `no duplicates: ${seen.join(', ')}`);
    assert.deepEqual([...seen].sort(), [...names].sort());
  });

  it('creates a group, adds a member through members/$ref and lists it', async () => {
    const user = await createUser('SDK Member', 'sdkmember');
    const group = (await client.api('/groups').post({ displayName: 'SDK Group', mailNickname: 'sdkgroup', mailEnabled: false, securityEnabled: true })) as DirectoryObject;
    assert.match(group.id, /^[0-9a-f-]{36}$/);
    assert.equal(((await client.api(`/groups/${group.id}`).get()) as DirectoryObject).displayName, 'SDK Group');

    await client.api(`/groups/${group.id}/members/$ref`).post({ '@odata.id': `${apiBase()}/directoryObjects/${user.id}` });
    const members = (await client.api(`/groups/${group.id}/members`).get()) as Page<DirectoryObject>;
    assert.deepEqual(
      members.value.map((m) => [m.id, m['@odata.type']]),
      [[user.id, '#microsoft.graph.user']],
    );
    const memberOf = (await client.api(`/users/${user.id}/memberOf`).get()) as Page<DirectoryObject>;
    assert.deepEqual(
      memberOf.value.map((g) => g.id),
      [group.id],
    );
  });

  it('surfaces a missing user as a GraphError with status 404 and code Request_ResourceNotFound', async () => {
    const error = await client
      .api('/users/7e2a8c61-0000-4000-8000-000000000000')
      .get()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof GraphError, `expected a GraphError, got ${String(error)}`);
    assert.equal(error.statusCode, 404);
    assert.equal(error.code, 'Request_ResourceNotFound');
    assert.match(error.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(error.date.getTime()), 'innerError.date parses as a date');
  });

  it('surfaces a duplicate member as a GraphError with status 400', async () => {
    const user = await createUser('SDK Twice', 'sdktwice');
    const group = (await client.api('/groups').post({ displayName: 'SDK Twice Group', mailNickname: 'sdktwicegroup', mailEnabled: false, securityEnabled: true })) as DirectoryObject;
    const ref = { '@odata.id': `${apiBase()}/directoryObjects/${user.id}` };
    await client.api(`/groups/${group.id}/members/$ref`).post(ref);
    const error = await client
      .api(`/groups/${group.id}/members/$ref`)
      .post(ref)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof GraphError, `expected a GraphError, got ${String(error)}`);
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, 'Request_BadRequest');
    assert.match(error.message, /already exist/);
  });
});
