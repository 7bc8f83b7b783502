import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { sql } from 'kysely';
import { findUserRow, getTenant, type DirDb } from '#src/directory/index.ts';
import { GROUPS_CLAIM_LIMIT, userClaims } from '#src/auth/token-claims.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { Browser, hiddenField } from './browser.ts';

/**
 * Registered applications as OpenID Connect relying parties, over HTTP against a whole node: redirect URIs in
 * Graph's shape with precise 400s, discovery, the approval page and remembered consent, confidential and public
 * clients, refusals (disabled service principal, unregistered redirect URI, API resources), the claims, max_age,
 * and Conditional Access evaluated again (non-interactively) on every refresh. test/e2e/oidc-rp.test.ts runs the
 * same with openid-client and Chromium.
 */

const PASSWORD = 'a long enough password';
const UPN = 'olga@gatehouse.local';
const CALLBACK = 'https://wiki.contoso.test/signin-oidc';
const SPA_CALLBACK = 'https://app.contoso.test/callback';

interface Json {
  [key: string]: unknown;
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

describe('registered applications as OpenID Connect relying parties', () => {
  let gh: TestGatehouse;
  let admin = '';
  let userId = '';
  let confidential: { appId: string; id: string; secret: string; spId: string };
  let spa: { appId: string; id: string; spId: string };
  // The node's clock runs with real time plus this offset (sign-in frequency and max_age without waiting).
  let clockOffset = 0;
  const clock = { now: () => new Date(Date.now() + clockOffset) };

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gh.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const errorOf = (body: Json) => body.error as { code: string; message: string };
  const register = async (body: Json) => {
    const created = await call('POST', '/v1.0/applications', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const sp = await call('POST', '/v1.0/servicePrincipals', { appId: created.body.appId });
    assert.equal(sp.status, 201);
    return { appId: created.body.appId as string, id: created.body.id as string, spId: sp.body.id as string };
  };
  const signedIn = async (): Promise<Browser> => {
    const browser = new Browser(gh.url);
    const response = await fetch(`${gh.url}/portal/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: UPN, password: PASSWORD }) });
    assert.equal(response.status, 200, await response.clone().text());
    browser.remember(response);
    return browser;
  };
  /** GET /authorize, then the interaction page; returns that page's response. */
  const authorize = async (browser: Browser, params: Record<string, string>) => {
    const nonce: Record<string, string> = (params.scope ?? '').split(' ').includes('openid') ? { nonce: 'n0' } : {};
    const start = await browser.request(`/oauth2/v2.0/authorize?${new URLSearchParams({ response_type: 'code', state: 'st', ...nonce, code_challenge_method: 'S256', ...params })}`);
    assert.equal(start.status, 303, start.text);
    assert.match(start.location ?? '', /^\/oauth2\/interaction\//, start.location ?? '');
    return { interaction: start.location as string, page: await browser.request(start.location as string) };
  };
  /** Follow the provider's resume redirect to the client's redirect URI; returns the code. */
  const codeFrom = async (browser: Browser, location: string | null, redirectUri: string): Promise<string> => {
    assert.ok(location);
    const resumed = location.startsWith(redirectUri) ? { status: 303, location } : await browser.request(location);
    assert.equal(resumed.status, 303);
    assert.ok(resumed.location?.startsWith(`${redirectUri}?`), resumed.location ?? '');
    const url = new URL(resumed.location as string);
    assert.equal(url.searchParams.get('state'), 'st');
    return url.searchParams.get('code') as string;
  };
  const approve = async (browser: Browser, flow: { interaction: string; page: { text: string } }) =>
    browser.request(flow.interaction, { form: { csrf: hiddenField(flow.page.text, 'csrf'), decision: 'approve' } });
  const token = async (form: Record<string, string>, headers: Record<string, string> = {}) => {
    const response = await fetch(`${gh.url}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
  const auditDetails = async (code: string) => {
    const rows = await gh.gatehouse.database.db.selectFrom('audit_entries').select('data').where('code', '=', code).orderBy('seq').execute();
    return rows.map((row) => JSON.parse(row.data as string) as { details?: Record<string, unknown>; additionalDetails?: { key: string; value: string }[] });
  };

  const cspOf = async (path: string, browser: Browser) =>
    (await fetch(new URL(path, gh.url), { headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, redirect: 'manual' })).headers.get('content-security-policy') ?? '';
  const consentOf = (event: { additionalDetails?: { key: string; value: string }[] }) => event.additionalDetails?.find((d) => d.key === 'consent')?.value;

  before(async () => {
    gh = await startTestGatehouse({}, { clock });
    admin = await gh.appToken(['Application.ReadWrite.All', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'RoleManagement.ReadWrite.Directory', 'AuditLog.Read.All', 'Policy.ReadWrite.ConditionalAccess']);
    const user = await call('POST', '/v1.0/users', {
      accountEnabled: true,
      displayName: 'Olga Operator',
      mailNickname: 'olga',
      mail: 'olga@contoso.test',
      userPrincipalName: UPN,
      passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false },
    });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    userId = user.body.id as string;
    const created = await register({ displayName: 'Contoso Wiki', web: { redirectUris: [CALLBACK], homePageUrl: 'https://wiki.contoso.test/' } });
    const secret = await call('POST', `/v1.0/applications/${created.id}/addPassword`, {});
    confidential = { ...created, secret: secret.body.secretText as string };
    spa = await register({ displayName: 'Contoso Dashboard', spa: { redirectUris: [SPA_CALLBACK] } });
  });
  after(async () => {
    await gh?.stop();
  });

  describe('redirect URIs in the Graph shape', () => {
    it("returns web, publicClient and spa as Graph does, the implicit grant off", async () => {
      const app = await call('GET', `/v1.0/applications/${confidential.id}`);
      assert.deepEqual(app.body.web, { redirectUris: [CALLBACK], homePageUrl: 'https://wiki.contoso.test/', implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false } });
      assert.deepEqual(app.body.publicClient, { redirectUris: [] });
      assert.deepEqual(app.body.spa, { redirectUris: [] });
      const listed = await call('GET', '/v1.0/applications');
      assert.ok((listed.body.value as Json[]).some((a) => (a.spa as { redirectUris: string[] }).redirectUris[0] === SPA_CALLBACK));
    });

    const refused: [string, Json, RegExp][] = [
      ['plain http to a real host', { web: { redirectUris: ['http://wiki.contoso.test/cb'] } }, /web\.redirectUris: 'http:\/\/wiki\.contoso\.test\/cb' must use https/],
      ['a fragment', { spa: { redirectUris: ['https://app.contoso.test/#/cb'] } }, /spa\.redirectUris: .* must not contain a fragment/],
      ['a wildcard', { web: { redirectUris: ['https://*.contoso.test/cb'] } }, /web\.redirectUris: .* must not contain a wildcard/],
      ['a relative URL', { publicClient: { redirectUris: ['/callback'] } }, /publicClient\.redirectUris: '\/callback' is not an absolute URL/],
      ['a custom scheme', { publicClient: { redirectUris: ['myapp://callback'] } }, /publicClient\.redirectUris: 'myapp:\/\/callback' must use https/],
      ['a user name in the URL', { web: { redirectUris: ['https://user:pw@wiki.contoso.test/cb'] } }, /must not contain a user name or password/],
      ['the same URI twice', { web: { redirectUris: [CALLBACK, CALLBACK] } }, /is listed twice/],
      ['https on a loopback for a native app', { publicClient: { redirectUris: ['https://localhost/cb'] } }, /publicClient\.redirectUris: .* must use http on a loopback host/],
      ['web and spa together', { web: { redirectUris: [CALLBACK] }, spa: { redirectUris: [SPA_CALLBACK] } }, /either confidential .* or public/],
      ['the implicit grant', { web: { implicitGrantSettings: { enableIdTokenIssuance: true } } }, /implicit grant is not supported/],
      ['a home page with a fragment', { web: { homePageUrl: 'https://wiki.contoso.test/#home' } }, /web\.homePageUrl: .* must not contain a fragment/],
    ];
    for (const [what, body, message] of refused) {
      it(`refuses ${what} with a precise 400`, async () => {
        const response = await call('POST', '/v1.0/applications', { displayName: 'Bad', ...body });
        assert.equal(response.status, 400, JSON.stringify(response.body));
        assert.match(errorOf(response.body).message, message);
      });
    }

    it('accepts http on loopback hosts, and PATCH replaces the lists with the same checks (nothing half-applied)', async () => {
      const created = await call('POST', '/v1.0/applications', { displayName: 'Desktop tool', publicClient: { redirectUris: ['http://localhost/cb', 'http://127.0.0.1:8400/cb', 'http://[::1]/cb'] } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const mixed = await call('PATCH', `/v1.0/applications/${created.body.id as string}`, { displayName: 'Renamed', web: { redirectUris: [CALLBACK] } });
      assert.equal(mixed.status, 400);
      assert.match(errorOf(mixed.body).message, /either confidential/);
      const unchanged = await call('GET', `/v1.0/applications/${created.body.id as string}`);
      assert.equal(unchanged.body.displayName, 'Desktop tool');
      assert.deepEqual((unchanged.body.web as Json).redirectUris, []);
      const moved = await call('PATCH', `/v1.0/applications/${created.body.id as string}`, { publicClient: { redirectUris: [] }, web: { redirectUris: [CALLBACK] } });
      assert.equal(moved.status, 204);
      const after = await call('GET', `/v1.0/applications/${created.body.id as string}`);
      assert.deepEqual((after.body.web as Json).redirectUris, [CALLBACK]);
      assert.deepEqual((after.body.publicClient as Json).redirectUris, []);
    });
  });

  it('publishes what it supports in the discovery document', async () => {
    const metadata = (await (await fetch(`${gh.url}/.well-known/openid-configuration`)).json()) as Json;
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    for (const grant of ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']) {
      assert.ok((metadata.grant_types_supported as string[]).includes(grant), grant);
    }
    assert.deepEqual(metadata.response_types_supported, ['code']);
    for (const scope of ['openid', 'profile', 'email', 'offline_access']) assert.ok((metadata.scopes_supported as string[]).includes(scope), scope);
    for (const claim of ['sub', 'oid', 'tid', 'name', 'preferred_username', 'email', 'groups', 'roles', 'wids', 'userType', 'idp', 'amr', 'auth_time']) {
      assert.ok((metadata.claims_supported as string[]).includes(claim), claim);
    }
    assert.equal(metadata.userinfo_endpoint, `${gh.url}/oauth2/v2.0/userinfo`);
    assert.ok((metadata.token_endpoint_auth_methods_supported as string[]).includes('none'));
  });

  it('a confidential app: approval page names the app and the scopes; the code needs the secret; ID token and userinfo claims', async () => {
    const browser = await signedIn();
    const { verifier, challenge } = pkce();
    const flow = await authorize(browser, { client_id: confidential.appId, redirect_uri: CALLBACK, scope: 'openid profile', code_challenge: challenge });
    assert.equal(flow.page.status, 200, flow.page.text);
    assert.match(flow.page.text, /<strong>Contoso Wiki<\/strong> wants to sign you in as <strong>Olga Operator<\/strong>/);
    assert.match(flow.page.text, /See your name and user name/);
    assert.doesNotMatch(flow.page.text, /email address/);
    const approved = await approve(browser, flow);
    assert.equal(approved.status, 303, approved.text);
    const code = await codeFrom(browser, approved.location, CALLBACK);

    const withoutSecret = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier, client_id: confidential.appId });
    assert.equal(withoutSecret.status, 401);
    assert.equal(withoutSecret.body.error, 'invalid_client');
    const tokens = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }, basic(confidential.appId, confidential.secret));
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.refresh_token, undefined, 'no offline_access, no refresh token');
    const claims = decodeJwt(tokens.body.id_token as string);
    assert.equal(claims.aud, confidential.appId);
    assert.equal(claims.sub, userId);
    assert.equal(claims.oid, userId);
    assert.equal(claims.name, 'Olga Operator');
    assert.equal(claims.preferred_username, UPN);
    assert.equal(claims.userType, 'Member');
    assert.equal(claims.email, undefined, 'email needs the email scope');
    assert.equal(claims.nonce, 'n0');
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(typeof claims.auth_time, 'number');

    // The access token is for userinfo only: the API does not take delegated tokens of registered applications.
    const info = await fetch(`${gh.url}/oauth2/v2.0/userinfo`, { headers: { authorization: `Bearer ${tokens.body.access_token as string}` } });
    assert.equal(info.status, 200);
    assert.deepEqual(((await info.json()) as Json).sub, userId);
    const api = await fetch(`${gh.url}/v1.0/users`, { headers: { authorization: `Bearer ${tokens.body.access_token as string}` } });
    assert.equal(api.status, 401);

    const audits = await auditDetails('GH1507I');
    assert.ok(audits.some((a) => consentOf(a) === 'prompted' && JSON.stringify(a).includes(confidential.appId)), JSON.stringify(audits));
  });

  it('remembers consent: the same scopes again skip the page; more scopes or prompt=consent ask again', async () => {
    const browser = await signedIn();
    const { challenge } = pkce();
    const again = await authorize(browser, { client_id: confidential.appId, redirect_uri: CALLBACK, scope: 'openid profile', code_challenge: challenge });
    assert.equal(again.page.status, 303, 'no approval page');
    await codeFrom(browser, again.page.location, CALLBACK);
    assert.ok((await auditDetails('GH1507I')).some((a) => consentOf(a) === 'remembered'));

    const fewer = await authorize(browser, { client_id: confidential.appId, redirect_uri: CALLBACK, scope: 'openid', code_challenge: challenge });
    assert.equal(fewer.page.status, 303);

    const more = await authorize(browser, { client_id: confidential.appId, redirect_uri: CALLBACK, scope: 'openid profile email', code_challenge: challenge });
    assert.equal(more.page.status, 200);
    assert.match(more.page.text, /See your email address<span class="new">new<\/span>/);
    assert.doesNotMatch(more.page.text, /See your name and user name<span class="new">/);

    const forced = await authorize(browser, { client_id: confidential.appId, redirect_uri: CALLBACK, scope: 'openid', prompt: 'consent', code_challenge: challenge });
    assert.equal(forced.page.status, 200);
    // Declining sends access_denied back to the app and remembers nothing new.
    const declined = await browser.request(forced.interaction, { form: { csrf: hiddenField(forced.page.text, 'csrf'), decision: 'deny' } });
    const resumed = await browser.request(declined.location as string);
    assert.match(resumed.location ?? '', /error=access_denied/);
  });

  it('never skips the page for an app the user has not approved, whatever it asks for', async () => {
    const notes = await register({ displayName: 'Contoso Notes', publicClient: { redirectUris: ['http://127.0.0.1/notes'] } });
    const browser = await signedIn();
    const { challenge } = pkce();
    // Nothing Gatehouse knows is asked for: still no remembered consent, so still the page. Any loopback port.
    const flow = await authorize(browser, { client_id: notes.appId, redirect_uri: 'http://127.0.0.1:51234/notes', scope: 'notes.read', code_challenge: challenge });
    assert.equal(flow.page.status, 200, flow.page.text);
    assert.match(flow.page.text, /Contoso Notes/);
    // The approval form may be followed by a redirect to the app's loopback listener only.
    assert.match(await cspOf(flow.interaction, browser), /form-action 'self' http:\/\/127\.0\.0\.1:51234;/);
  });

  it('a public (spa) app: no secret, PKCE required, its origin allowed at the token endpoint; refresh tokens rotate', async () => {
    const browser = await signedIn();
    const noPkce = await browser.request(`/oauth2/v2.0/authorize?${new URLSearchParams({ response_type: 'code', client_id: spa.appId, redirect_uri: SPA_CALLBACK, scope: 'openid', state: 'st' })}`);
    assert.match(noPkce.location ?? '', /error=invalid_request/);
    assert.match(decodeURIComponent(noPkce.location ?? ''), /PKCE/);

    const { verifier, challenge } = pkce();
    const flow = await authorize(browser, { client_id: spa.appId, redirect_uri: SPA_CALLBACK, scope: 'openid profile email offline_access', prompt: 'consent', code_challenge: challenge });
    assert.match(flow.page.text, /Contoso Dashboard/);
    assert.match(flow.page.text, /Keep this access when you are not using it/);
    const code = await codeFrom(browser, (await approve(browser, flow)).location, SPA_CALLBACK);
    const origin = { origin: 'https://app.contoso.test' };
    const foreign = await token({ grant_type: 'authorization_code', code, redirect_uri: SPA_CALLBACK, code_verifier: verifier, client_id: spa.appId }, { origin: 'https://evil.example' });
    assert.equal(foreign.body.error, 'invalid_request');
    assert.match(foreign.body.error_description as string, /origin https:\/\/evil\.example not allowed/);
    const wrongVerifier = await token({ grant_type: 'authorization_code', code, redirect_uri: SPA_CALLBACK, code_verifier: pkce().verifier, client_id: spa.appId }, origin);
    assert.equal(wrongVerifier.body.error, 'invalid_grant');

    const response = await fetch(`${gh.url}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...origin },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: SPA_CALLBACK, code_verifier: verifier, client_id: spa.appId }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://app.contoso.test');
    const tokens = (await response.json()) as Json;
    const claims = decodeJwt(tokens.id_token as string);
    assert.equal(claims.email, 'olga@contoso.test');
    assert.equal(claims.aud, spa.appId);

    const first = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: spa.appId }, origin);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.notEqual(first.body.refresh_token, tokens.refresh_token, 'rotated');
    assert.equal(decodeJwt(first.body.id_token as string).sub, userId);
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string, client_id: spa.appId }, origin);
    assert.equal(second.status, 200);
    const replay = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: spa.appId }, origin);
    assert.equal(replay.body.error, 'invalid_grant');
    // Reuse of a rotated token revokes the whole grant (it may have been stolen).
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: second.body.refresh_token as string, client_id: spa.appId }, origin)).body.error, 'invalid_grant');
  });

  it('a confidential app cannot redeem its refresh token without its secret', async () => {
    const browser = await signedIn();
    const { verifier, challenge } = pkce();
    const flow = await authorize(browser, { client_id: confidential.appId, redirect_uri: CALLBACK, scope: 'openid offline_access', prompt: 'consent', code_challenge: challenge });
    const code = await codeFrom(browser, (await approve(browser, flow)).location, CALLBACK);
    const tokens = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier, client_id: confidential.appId, client_secret: confidential.secret });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const bare = await token({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token as string, client_id: confidential.appId });
    assert.equal(bare.body.error, 'invalid_client');
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token as string }, basic(confidential.appId, confidential.secret));
    assert.equal(refreshed.status, 200);
    assert.notEqual(refreshed.body.refresh_token, tokens.body.refresh_token);
  });

  it('refuses clearly: API resources for an app, unregistered redirect URIs, disabled service principals, the device flow', async () => {
    const browser = await signedIn();
    const { challenge } = pkce();
    const base = { response_type: 'code', client_id: confidential.appId, redirect_uri: CALLBACK, state: 'st', code_challenge: challenge, code_challenge_method: 'S256' };
    const api = await browser.request(`/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, scope: 'openid https://graph.microsoft.com/.default' })}`);
    assert.match(api.location ?? '', /error=invalid_target/);
    assert.match(decodeURIComponent(api.location ?? '').replaceAll('+', ' '), /client credentials/);

    const elsewhere = await browser.request(`/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, scope: 'openid', redirect_uri: 'https://evil.example/cb' })}`);
    assert.equal(elsewhere.status, 400);
    assert.match(elsewhere.text, /has not registered/);

    const deviceCode = await fetch(`${gh.url}/oauth2/v2.0/devicecode`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: spa.appId, scope: 'openid' }) });
    const deviceBody = (await deviceCode.json()) as Json;
    assert.equal(deviceBody.error, 'invalid_request');
    assert.match(deviceBody.error_description as string, /device_code is not allowed for this client/);

    // A flow started before the service principal was disabled is refused on the interaction page too.
    const pending = await browser.request(`/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, scope: 'openid profile email' })}`);
    assert.match(pending.location ?? '', /^\/oauth2\/interaction\//);
    assert.equal((await call('PATCH', `/v1.0/servicePrincipals/${confidential.spId}`, { accountEnabled: false })).status, 204);
    try {
      const refused = await browser.request(pending.location as string);
      assert.equal(refused.status, 403);
      assert.match(refused.text, /service principal is disabled/);
      const disabled = await browser.request(`/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, scope: 'openid' })}`);
      assert.equal(disabled.status, 400);
      assert.match(disabled.text, /disabled/);
    } finally {
      assert.equal((await call('PATCH', `/v1.0/servicePrincipals/${confidential.spId}`, { accountEnabled: true })).status, 204);
    }
  });

  it('puts transitive groups and directory roles in ID tokens and userinfo; revokeSignInSessions ends refresh and userinfo at once', async () => {
    const outer = await call('POST', '/v1.0/groups', { displayName: 'Wiki editors', mailEnabled: false, mailNickname: 'wiki-editors', securityEnabled: true });
    const inner = await call('POST', '/v1.0/groups', { displayName: 'Ops', mailEnabled: false, mailNickname: 'ops', securityEnabled: true });
    assert.equal(outer.status, 201, JSON.stringify(outer.body));
    const ref = (id: string) => ({ '@odata.id': `${gh.url}/v1.0/directoryObjects/${id}` });
    assert.equal((await call('POST', `/v1.0/groups/${inner.body.id as string}/members/$ref`, ref(userId))).status, 204);
    assert.equal((await call('POST', `/v1.0/groups/${outer.body.id as string}/members/$ref`, ref(inner.body.id as string))).status, 204);
    const guestInviter = '95e79109-95c0-4d8e-aee3-d01accf2d47b';
    const role = await call('POST', '/v1.0/roleManagement/directory/roleAssignments', { principalId: userId, roleDefinitionId: guestInviter, directoryScopeId: '/' });
    assert.equal(role.status, 201, JSON.stringify(role.body));

    const browser = await signedIn();
    const { verifier, challenge } = pkce();
    const flow = await authorize(browser, { client_id: spa.appId, redirect_uri: SPA_CALLBACK, scope: 'openid profile email offline_access', prompt: 'consent', code_challenge: challenge });
    const code = await codeFrom(browser, (await approve(browser, flow)).location, SPA_CALLBACK);
    const tokens = await token({ grant_type: 'authorization_code', code, redirect_uri: SPA_CALLBACK, code_verifier: verifier, client_id: spa.appId });
    const claims = decodeJwt(tokens.body.id_token as string);
    assert.deepEqual(claims.groups, [outer.body.id as string, inner.body.id as string].sort());
    assert.deepEqual(claims.roles, [guestInviter]);
    assert.deepEqual(claims.wids, [guestInviter]);
    assert.equal(claims.tid, gh.gatehouse.bootstrap.tenant.id);
    const info = await fetch(`${gh.url}/oauth2/v2.0/userinfo`, { headers: { authorization: `Bearer ${tokens.body.access_token as string}` } });
    const userinfo = (await info.json()) as Json;
    assert.deepEqual(userinfo.groups, claims.groups);
    assert.equal(userinfo.email, 'olga@contoso.test');
    assert.equal(userinfo.preferred_username, UPN);
    assert.equal(userinfo.amr, undefined, 'amr describes a sign-in, not the user');

    assert.equal((await call('POST', `/v1.0/users/${userId}/revokeSignInSessions`)).status, 200);
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token as string, client_id: spa.appId });
    assert.equal(refresh.body.error, 'invalid_grant');
    const revokedInfo = await fetch(`${gh.url}/oauth2/v2.0/userinfo`, { headers: { authorization: `Bearer ${tokens.body.access_token as string}` } });
    assert.equal(revokedInfo.status, 401);
    // Token times are whole seconds: sign-ins in the second of the revocation are refused too.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  });

  it('caps groups at the limit with Entra’s overage claims, and names a guest’s identity provider', async () => {
    const db = gh.gatehouse.database.db;
    await sql`INSERT INTO groups (id, display_name, mail_nickname, mail_enabled, security_enabled, group_types, created_at)
      SELECT gen_random_uuid(), 'bulk ' || n, 'bulk' || n, false, true, '{}', now() FROM generate_series(1, ${GROUPS_CLAIM_LIMIT + 1}) AS n`.execute(db);
    await sql`INSERT INTO group_members (group_id, member_id, member_kind) SELECT id, ${userId}::uuid, 'user' FROM groups WHERE display_name LIKE 'bulk %'`.execute(db);
    const context = { db: db as DirDb, tenantId: async () => (await getTenant(db as DirDb))?.id as string, publicUrl: gh.url };
    const user = await findUserRow(db as DirDb, userId);
    assert.ok(user);
    const claims = await userClaims(context, user);
    assert.equal(claims.groups, undefined);
    assert.equal(claims.hasgroups, true);
    assert.deepEqual(claims._claim_names, { groups: 'src1' });
    assert.deepEqual(claims._claim_sources, { src1: { endpoint: `${gh.url}/v1.0/users/${userId}/transitiveMemberOf` } });
    assert.equal(claims.idp, undefined, 'members have no idp claim');

    const guest = { ...user, user_type: 'Guest' as const, identities: [{ signInType: 'federated', issuer: 'https://login.fabrikam.test', issuerAssignedId: 'x' }] };
    assert.equal((await userClaims(context, guest)).idp, 'https://login.fabrikam.test');
    assert.equal((await userClaims(context, guest)).userType, 'Guest');
    const otpGuest = { ...guest, identities: [{ signInType: 'emailAddress', issuer: 'mail', issuerAssignedId: 'g@fabrikam.test' }] };
    assert.equal((await userClaims(context, otpGuest)).idp, 'mail');

    // Over the limit through the whole flow: the ID token carries the overage, not 202 ids.
    const browser = await signedIn();
    const { verifier, challenge } = pkce();
    const flow = await authorize(browser, { client_id: spa.appId, redirect_uri: SPA_CALLBACK, scope: 'openid', code_challenge: challenge });
    const location = flow.page.status === 303 ? flow.page.location : (await approve(browser, flow)).location;
    const code = await codeFrom(browser, location, SPA_CALLBACK);
    const tokens = await token({ grant_type: 'authorization_code', code, redirect_uri: SPA_CALLBACK, code_verifier: verifier, client_id: spa.appId });
    const idToken = decodeJwt(tokens.body.id_token as string);
    assert.equal(idToken.groups, undefined);
    assert.equal(idToken.hasgroups, true);
    assert.ok(idToken._claim_sources);
  });

  for (const maxAge of ['0', '5']) it(`max_age=${maxAge} on a plain GET never signs the user out: a fresh sign-in is asked for, and it continues the authorization`, async () => {
    const browser = await signedIn();
    const cookieName = 'gatehouse_session';
    const first = browser.cookies.get(cookieName);
    assert.ok(first);
    // Older than max_age (plus its grace): the interaction page wants a fresh sign-in.
    clockOffset = 60_000;
    try {
      const { challenge } = pkce();
      const flow = await authorize(browser, { client_id: spa.appId, redirect_uri: SPA_CALLBACK, scope: 'openid', max_age: maxAge, code_challenge: challenge });
      assert.equal(flow.page.status, 303);
      assert.equal(flow.page.location, `/signin?reauth=1&returnTo=${encodeURIComponent(flow.interaction)}`);
      // Any site could have sent the browser there: the session still works, and the cookie was left alone.
      assert.equal(browser.cookies.get(cookieName), first);
      const still = await fetch(`${gh.url}/portal/api/session`, { headers: { cookie: `${cookieName}=${first}` } });
      assert.equal(still.status, 200, 'the portal session survives the GET');

      // The sign-in page asks for the password; signing in replaces the session with a fresh one.
      const fresh = await fetch(`${gh.url}/portal/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `${cookieName}=${first}` },
        body: JSON.stringify({ userName: UPN, password: PASSWORD, returnTo: flow.interaction }),
      });
      assert.equal(fresh.status, 200, await fresh.clone().text());
      browser.remember(fresh);
      assert.notEqual(browser.cookies.get(cookieName), first, 'a new session id');
      const replaced = await fetch(`${gh.url}/portal/api/session`, { headers: { cookie: `${cookieName}=${first}` } });
      assert.equal(replaced.status, 401, 'the session the new sign-in replaced has ended');
      // Back on the interaction: the new sign-in is recent enough, so the authorization goes on (consent remembered).
      const resumed = await browser.request(flow.interaction);
      assert.ok(resumed.status === 200 || (resumed.status === 303 && !/^\/signin/.test(resumed.location ?? '')), `${resumed.status} ${resumed.location}`);
      const location = resumed.status === 200 ? (await approve(browser, { interaction: flow.interaction, page: resumed })).location : resumed.location;
      const code = await codeFrom(browser, location, SPA_CALLBACK);
      assert.ok(code);
    } finally {
      clockOffset = 0;
    }
  });

  describe('Conditional Access on refresh tokens (non-interactive)', () => {
    const REPORTS_CALLBACK = 'https://reports.contoso.test/callback';
    const USER_AGENT = 'ContosoReports/2.1 (refresher)';
    let reports: { appId: string; id: string; spId: string };
    const created: string[] = [];

    before(async () => {
      reports = await register({ displayName: 'Contoso Reports', spa: { redirectUris: [REPORTS_CALLBACK] } });
    });
    afterEach(async () => {
      clockOffset = 0;
      for (const id of created.splice(0)) assert.equal((await call('DELETE', `/v1.0/identity/conditionalAccess/policies/${id}`)).status, 204);
    });

    const policy = async (displayName: string, controls: Json) => {
      const response = await call('POST', '/v1.0/identity/conditionalAccess/policies', {
        displayName,
        state: 'enabled',
        conditions: { users: { includeUsers: [userId] }, applications: { includeApplications: [reports.appId] }, clientAppTypes: ['all'] },
        ...controls,
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      created.push(response.body.id as string);
      return response.body.id as string;
    };
    /** A sign-in to the app with offline_access: its first refresh token (amr pwd, auth_time now). */
    const refreshTokenOfSignIn = async (): Promise<string> => {
      const browser = await signedIn();
      const { verifier, challenge } = pkce();
      const flow = await authorize(browser, { client_id: reports.appId, redirect_uri: REPORTS_CALLBACK, scope: 'openid offline_access', prompt: 'consent', code_challenge: challenge });
      assert.equal(flow.page.status, 200, flow.page.text);
      const code = await codeFrom(browser, (await approve(browser, flow)).location, REPORTS_CALLBACK);
      const tokens = await token({ grant_type: 'authorization_code', code, redirect_uri: REPORTS_CALLBACK, code_verifier: verifier, client_id: reports.appId });
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
      assert.deepEqual(decodeJwt(tokens.body.id_token as string).amr, ['pwd']);
      return tokens.body.refresh_token as string;
    };
    const refresh = (refreshToken: string) => token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: reports.appId }, { 'user-agent': USER_AGENT });
    /** The app's non-interactive sign-in log entries, newest first. */
    const nonInteractive = async (): Promise<Json[]> => {
      const filter = `appId eq '${reports.appId}' and isInteractive eq false`;
      const response = await call('GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.value as Json[];
    };
    const refusedByConditionalAccess = (response: { status: number; body: Json }) => {
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(response.body.error_description as string, /Conditional Access/);
    };
    const errorCodeOf = (entry: Json | undefined) => (entry?.status as { errorCode: number } | undefined)?.errorCode;

    it('a refresh is evaluated and logged as a non-interactive sign-in of the app', async () => {
      const before = (await nonInteractive()).length;
      const refreshed = await refresh(await refreshTokenOfSignIn());
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      const log = await nonInteractive();
      assert.equal(log.length, before + 1);
      const entry = log[0];
      assert.equal(errorCodeOf(entry), 0);
      assert.equal(entry?.isInteractive, false);
      assert.equal(entry?.userId, userId);
      assert.equal(entry?.appDisplayName, 'Contoso Reports');
      assert.equal(entry?.clientAppUsed, 'Browser');
      assert.equal(entry?.ipAddress, '127.0.0.1');
      assert.equal(entry?.authenticationRequirement, 'singleFactorAuthentication');
      // The interactive approval is logged separately, once.
      const interactive = await call('GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`appId eq '${reports.appId}' and isInteractive eq true`)}`);
      assert.ok((interactive.body.value as Json[]).length >= 1);
    });

    it('a block policy added after the sign-in refuses the refresh (53003, logged); removing it lets the same token work', async () => {
      const refreshToken = await refreshTokenOfSignIn();
      const policyId = await policy('Block Contoso Reports', { grantControls: { operator: 'OR', builtInControls: ['block'] } });
      const refused = await refresh(refreshToken);
      refusedByConditionalAccess(refused);
      const [entry] = await nonInteractive();
      assert.equal(errorCodeOf(entry), 53003);
      assert.equal(entry?.isInteractive, false);
      assert.equal(entry?.conditionalAccessStatus, 'failure');
      const applied = (entry?.appliedConditionalAccessPolicies as { id: string; result: string }[]).find((p) => p.id === policyId);
      assert.equal(applied?.result, 'failure');
      assert.match(refused.body.error_description as string, new RegExp(entry?.id as string), 'the description names the sign-in log entry');
      // Nothing was consumed or issued: once the policy is gone the token refreshes.
      assert.equal((await call('DELETE', `/v1.0/identity/conditionalAccess/policies/${created.pop() as string}`)).status, 204);
      assert.equal((await refresh(refreshToken)).status, 200);
    });

    it('MFA required after a password-only sign-in refuses the refresh (50076)', async () => {
      const refreshToken = await refreshTokenOfSignIn();
      await policy('MFA for Contoso Reports', { grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
      refusedByConditionalAccess(await refresh(refreshToken));
      const [entry] = await nonInteractive();
      assert.equal(errorCodeOf(entry), 50076);
      assert.equal(entry?.isInteractive, false);
    });

    it('a sign-in frequency of 1 hour counts from auth_time, across rotations: 59 minutes refresh, 61 are refused (70044)', async () => {
      const refreshToken = await refreshTokenOfSignIn();
      await policy('Hourly sign-in for Contoso Reports', { sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 1, frequencyInterval: 'timeBased' } } });
      clockOffset = 59 * 60_000;
      const early = await refresh(refreshToken);
      assert.equal(early.status, 200, JSON.stringify(early.body));
      clockOffset = 61 * 60_000;
      refusedByConditionalAccess(await refresh(early.body.refresh_token as string));
      clockOffset = 0;
      const [refused, allowed] = await nonInteractive();
      assert.equal(errorCodeOf(refused), 70044);
      assert.equal(refused?.isInteractive, false);
      assert.equal(errorCodeOf(allowed), 0);
    });
  });
});
