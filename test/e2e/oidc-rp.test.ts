import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import type { ConsoleMessage, Page } from 'playwright-core';
import { launchChromium, type BrowserProblem, type TestChromium } from '../helpers/chromium.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * Gatehouse as the OpenID provider of an application, with `openid-client` v6 as the real relying party and a
 * real Chromium as the user's browser: the app is registered through the Graph API with a loopback redirect URI
 * (captured here by a node:http server), the user signs in on the portal's sign-in page and approves on the
 * interaction page; the app redeems the code with PKCE, checks the ID token's claims, reads userinfo, refreshes
 * (rotated; the old refresh token refused; refused again once a Conditional Access policy blocks the app), is
 * asked for a fresh sign-in by prompt=login without the portal session being ended (the sign-in page asks for the
 * password although a session exists) and loses its refresh token to revokeSignInSessions. A Conditional
 * Access policy on the app then sends the same flow to the MFA step-up, which the user completes with an
 * authenticator app, and the ID token says so in `amr`.
 */

const PASSWORD = 'a long enough password';
const UPN = 'rita@gatehouse.local';
const GUEST_INVITER = '95e79109-95c0-4d8e-aee3-d01accf2d47b';

/** The session probe's 401 before signing in is the only console error the flow may show. */
const expectedConsoleError = (message: ConsoleMessage): boolean => /status of 401/.test(message.text()) && message.location().url.includes('/portal/api/session');

/** The app's loopback redirect listener: each navigation to /callback resolves the next waiter with the full URL. */
async function callbackListener(): Promise<{ redirectUri: string; next(): Promise<URL>; close(): Promise<void> }> {
  let waiter: ((url: URL) => void) | undefined;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Signed in</title><p>Back in the app.</p>');
    if (url.pathname === '/callback') waiter?.(url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    redirectUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    next: () => new Promise<URL>((resolve) => (waiter = resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('an application signs users in with Gatehouse as its OpenID provider (openid-client, Chromium)', () => {
  let gh: TestGatehouse;
  let browser: TestChromium;
  let page: Page;
  let problems: BrowserProblem[] = [];
  let listener: Awaited<ReturnType<typeof callbackListener>>;
  let admin = '';
  let userId = '';
  let groupId = '';
  let app: { appId: string; secret: string };
  let config: oidc.Configuration;
  let refreshToken = '';
  const insecure = { execute: [oidc.allowInsecureRequests] };

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gh.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };

  /** The app's half: an authorization URL with PKCE (S256), state and nonce. */
  const startSignIn = async (scope: string, extra: Record<string, string> = {}) => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: listener.redirectUri,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, verifier, state, nonce };
  };
  const redeem = (callback: URL, flow: Awaited<ReturnType<typeof startSignIn>>) =>
    oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });

  const signInOnPortal = async () => {
    await page.waitForURL(`${gh.url}/signin?returnTo=**`);
    await page.getByLabel('User name', { exact: true }).fill(UPN);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  before(async () => {
    browser = await launchChromium({ expectedConsoleError });
    ({ page, problems } = browser);
    gh = await startTestGatehouse();
    listener = await callbackListener();
    admin = await gh.appToken(['Application.ReadWrite.All', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'RoleManagement.ReadWrite.Directory', 'Policy.ReadWrite.ConditionalAccess', 'AuditLog.Read.All']);

    const user = await call('POST', '/v1.0/users', {
      accountEnabled: true,
      displayName: 'Rita Reliability',
      mailNickname: 'rita',
      mail: 'rita@contoso.test',
      userPrincipalName: UPN,
      passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false },
    });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    userId = user.body.id as string;
    const group = await call('POST', '/v1.0/groups', { displayName: 'Wiki editors', mailEnabled: false, mailNickname: 'wiki-editors', securityEnabled: true });
    groupId = group.body.id as string;
    assert.equal((await call('POST', `/v1.0/groups/${groupId}/members/$ref`, { '@odata.id': `${gh.url}/v1.0/directoryObjects/${userId}` })).status, 204);
    assert.equal((await call('POST', '/v1.0/roleManagement/directory/roleAssignments', { principalId: userId, roleDefinitionId: GUEST_INVITER, directoryScopeId: '/' })).status, 201);

    // Register the app as an administrator would with the Graph API: a web app with a loopback redirect URI.
    const registered = await call('POST', '/v1.0/applications', { displayName: 'Contoso Wiki', web: { redirectUris: [listener.redirectUri] } });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.equal((await call('POST', '/v1.0/servicePrincipals', { appId: registered.body.appId })).status, 201);
    const secret = await call('POST', `/v1.0/applications/${registered.body.id as string}/addPassword`, { passwordCredential: { displayName: 'wiki' } });
    app = { appId: registered.body.appId as string, secret: secret.body.secretText as string };
    config = await oidc.discovery(new URL(gh.url), app.appId, undefined, oidc.ClientSecretBasic(app.secret), insecure);
  });
  after(async () => {
    await browser?.close();
    await listener?.close();
    await gh?.stop();
  });

  it('discovers PKCE (S256), the grants and the claims', () => {
    const metadata = config.serverMetadata();
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.ok(metadata.grant_types_supported?.includes('authorization_code'));
    assert.ok(metadata.grant_types_supported?.includes('refresh_token'));
    for (const claim of ['groups', 'roles', 'userType', 'amr']) assert.ok(metadata.claims_supported?.includes(claim), claim);
    assert.ok(metadata.userinfo_endpoint);
  });

  it('signs the user in on the portal, asks for approval naming the app, and gives the app an ID token with groups, roles, userType and amr', async () => {
    const flow = await startSignIn('openid profile email offline_access', { prompt: 'consent' });
    const callback = listener.next();
    await page.goto(flow.url.href);
    await signInOnPortal();
    await page.waitForURL(`${gh.url}/oauth2/interaction/**`);
    await page.getByRole('heading', { name: 'Approve sign-in' }).waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    assert.match(text, /Contoso Wiki wants to sign you in as Rita Reliability \(rita@gatehouse\.local\)/);
    for (const line of ['Sign you in', 'See your name and user name', 'See your email address', 'Keep this access when you are not using it']) assert.ok(text.includes(line), line);
    await page.getByRole('button', { name: 'Approve' }).click();
    const returned = await callback;
    await page.waitForURL(`${listener.redirectUri}?**`);

    const tokens = await redeem(returned, flow);
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.iss, gh.url);
    assert.equal(claims.aud, app.appId);
    assert.equal(claims.sub, userId);
    assert.equal(claims.oid, userId);
    assert.equal(claims.tid, gh.gatehouse.bootstrap.tenant.id);
    assert.equal(claims.name, 'Rita Reliability');
    assert.equal(claims.preferred_username, UPN);
    assert.equal(claims.email, 'rita@contoso.test');
    assert.equal(claims.userType, 'Member');
    assert.deepEqual(claims.groups, [groupId]);
    assert.deepEqual(claims.roles, [GUEST_INVITER]);
    assert.deepEqual(claims.wids, [GUEST_INVITER]);
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(claims.idp, undefined, 'a member has no idp claim');
    assert.ok(typeof claims.auth_time === 'number' && claims.auth_time <= Math.ceil(Date.now() / 1000));

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, userId);
    assert.equal(userinfo.preferred_username, UPN);
    assert.equal(userinfo.email, 'rita@contoso.test');
    assert.deepEqual(userinfo.groups, [groupId]);
    assert.equal(userinfo.userType, 'Member');
    assert.ok(tokens.refresh_token);
    refreshToken = tokens.refresh_token;
  });

  it('rotates the refresh token on every use and refuses the used one', async () => {
    const first = await oidc.refreshTokenGrant(config, refreshToken);
    assert.ok(first.refresh_token && first.refresh_token !== refreshToken, 'a new refresh token');
    assert.equal(first.claims()?.sub, userId);
    await assert.rejects(oidc.refreshTokenGrant(config, refreshToken), (error: unknown) => {
      assert.ok(error instanceof oidc.ResponseBodyError, String(error));
      assert.equal(error.error, 'invalid_grant');
      return true;
    });
  });

  it('refuses a refresh once a Conditional Access policy blocks the app, and logs it as a non-interactive sign-in', async () => {
    // Reusing the rotated token above revoked that grant: a new sign-in with offline_access.
    const flow = await startSignIn('openid offline_access', { prompt: 'consent' });
    const callback = listener.next();
    await page.goto(flow.url.href);
    await page.getByRole('button', { name: 'Approve' }).click();
    const { refresh_token: refreshToken } = await redeem(await callback, flow);
    assert.ok(refreshToken);
    const policy = await call('POST', '/v1.0/identity/conditionalAccess/policies', {
      displayName: 'Block the wiki',
      state: 'enabled',
      conditions: { users: { includeUsers: [userId] }, applications: { includeApplications: [app.appId] }, clientAppTypes: ['all'] },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.body));
    try {
      await assert.rejects(oidc.refreshTokenGrant(config, refreshToken), (error: unknown) => {
        assert.ok(error instanceof oidc.ResponseBodyError, String(error));
        assert.equal(error.error, 'invalid_grant');
        assert.match(error.error_description ?? '', /Conditional Access/);
        return true;
      });
      const filter = `appId eq '${app.appId}' and isInteractive eq false`;
      const log = await call('GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`);
      const [entry] = log.body.value as { status: { errorCode: number }; isInteractive: boolean; userId: string }[];
      assert.equal(entry?.status.errorCode, 53003);
      assert.equal(entry?.userId, userId);
    } finally {
      assert.equal((await call('DELETE', `/v1.0/identity/conditionalAccess/policies/${policy.body.id as string}`)).status, 204);
    }
    const refreshed = await oidc.refreshTokenGrant(config, refreshToken);
    assert.equal(refreshed.claims()?.sub, userId);
  });

  it('max_age=0 asks for the password again although the portal session lives on, and the new sign-in goes on to the app', async () => {
    // The portal sign-in of the first test is made a minute old (older than max_age and its grace).
    await sql`UPDATE browser_sessions SET authenticated_at = authenticated_at - interval '1 minute' WHERE user_id = ${userId}::uuid AND revoked_at IS NULL`.execute(gh.gatehouse.database.db);
    const flow = await startSignIn('openid profile', { max_age: '0' });
    const callback = listener.next();
    await page.goto(flow.url.href);
    await page.waitForURL(`${gh.url}/signin?reauth=1&returnTo=**`);
    await page.getByText('Your organization requires you to sign in again to continue.').waitFor();
    // Nothing was ended by getting here (a link from any site can): the session still answers.
    assert.equal((await page.request.get(`${gh.url}/portal/api/session`)).status(), 200);
    const signedInAt = Math.floor(Date.now() / 1000);
    await page.getByLabel('User name', { exact: true }).fill(UPN);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The consent to these scopes is remembered: back on the interaction, the browser goes on to the app.
    const returned = await callback;
    await page.waitForURL(`${listener.redirectUri}?**`);
    const tokens = await redeem(returned, flow);
    const claims = tokens.claims();
    assert.equal(claims?.sub, userId);
    assert.ok(typeof claims?.auth_time === 'number' && claims.auth_time >= signedInAt, `auth_time ${String(claims?.auth_time)} is the new sign-in's`);
  });

  it('signs in again without asking when the consent covers the scopes, and revokeSignInSessions ends the refresh token at once', async () => {
    const flow = await startSignIn('openid profile email offline_access', {});
    const callback = listener.next();
    await page.goto(flow.url.href);
    const returned = await callback;
    const tokens = await redeem(returned, flow);
    assert.equal(tokens.claims()?.sub, userId);
    // No prompt=consent: OpenID Connect leaves offline_access out, so this sign-in has no refresh token.
    assert.equal(tokens.refresh_token, undefined);

    const again = await startSignIn('openid profile email offline_access', { prompt: 'consent' });
    const secondCallback = listener.next();
    await page.goto(again.url.href);
    await page.getByRole('button', { name: 'Approve' }).click();
    const live = await redeem(await secondCallback, again);
    assert.ok(live.refresh_token);
    assert.equal((await call('POST', `/v1.0/users/${userId}/revokeSignInSessions`)).status, 200);
    const revokedAt = Date.now();
    await assert.rejects(oidc.refreshTokenGrant(config, live.refresh_token as string), (error: unknown) => {
      assert.ok(error instanceof oidc.ResponseBodyError, String(error));
      assert.equal(error.error, 'invalid_grant');
      return true;
    });
    assert.ok(Date.now() - revokedAt < 1000, 'refused within a second');
    await assert.rejects(oidc.fetchUserInfo(config, live.access_token, userId));
  });

  it('a Conditional Access policy on the app sends the sign-in to MFA; completing it puts mfa in amr', async () => {
    const policy = await call('POST', '/v1.0/identity/conditionalAccess/policies', {
      displayName: 'MFA for the wiki',
      state: 'enabled',
      conditions: {
        users: { includeUsers: [userId] },
        applications: { includeApplications: [app.appId] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.body));
    // Token times are whole seconds: start the new sign-in after the second of the revocation.
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const flow = await startSignIn('openid profile');
    const callback = listener.next();
    await page.goto(flow.url.href);
    // The revocation ended the portal session: sign in again, then the app's policy asks for a second factor.
    await signInOnPortal();
    await page.waitForURL(`${gh.url}/signin/mfa?returnTo=**`);
    assert.match(decodeURIComponent(new URL(page.url()).searchParams.get('returnTo') ?? ''), /^\/oauth2\/interaction\//);
    await page.getByRole('heading', { name: 'Verify your identity' }).waitFor();

    const secret = ((await page.getByTestId('pending-totp-secret').textContent()) ?? '').trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    await page.getByLabel('Code from the app').fill(TOTP.generate({ secret: Secret.fromBase32(secret) }));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    // Back on the interaction: the consent for these scopes is remembered, so the browser goes on to the app.
    const tokens = await redeem(await callback, flow);
    const amr = tokens.claims()?.amr as string[];
    assert.ok(amr.includes('pwd') && amr.includes('mfa'), JSON.stringify(amr));
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
  });
});
