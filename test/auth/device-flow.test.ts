import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { systemClock } from '#src/core/clock.ts';
import { createRoleAssignment, revokeSignInSessions, updateUser } from '#src/directory/index.ts';
import { GATEHOUSE_CLI_CLIENT_ID, validateSession, type AuthDeps } from '#src/auth/index.ts';
import { describeEachBackend, defaultBackend } from '../helpers/database.ts';
import { Browser, hiddenField } from './browser.ts';
import { CLI_SCOPE, PORTAL_COOKIE, approveDevice, deviceTokens, enterDeviceCode, interactionRoute, pollDevice, signedInBrowser, startDeviceFlow } from './cli-flow.ts';
import { admin, authConfig, createTenant, createTestUser, dirDeps, startOAuthServer, tokenRequest, type RunningServer } from './fixtures.ts';

const PASSWORD = 'correct horse battery staple';
const USER_ADMINISTRATOR = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

describeEachBackend(
  'delegated access for the gatehouse CLI',
  (ctx) => {
    let server: RunningServer;
    let authDeps: AuthDeps;
    let user: { id: string; userPrincipalName: string };

    before(async () => {
      await createTenant(ctx.db);
      user = await createTestUser(ctx.db, 'ada', PASSWORD);
      await createRoleAssignment(dirDeps(ctx.db), admin, { principalId: user.id, roleDefinitionId: USER_ADMINISTRATOR });
      server = await startOAuthServer(ctx.db, { routes: { '/oauth2/interaction/': interactionRoute(() => authDeps) } });
      authDeps = { db: ctx.db, clock: systemClock, config: authConfig(server.url) };
    });
    after(() => server?.close());

    const browserOf = (who: { userPrincipalName: string } = user) => signedInBrowser(server.url, authDeps, who.userPrincipalName, PASSWORD);
    const refresh = (refreshToken: string) => tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: GATEHOUSE_CLI_CLIENT_ID });

    it('device flow: approved in the browser, polled token carries the user and verifies with their role permissions', async () => {
      const device = await startDeviceFlow(server.url);
      assert.equal(device.verification_uri, `${server.url}/oauth2/v2.0/devicelogin`);
      assert.equal((await pollDevice(server.url, device.device_code)).body.error, 'authorization_pending');

      const success = await approveDevice(await browserOf(), device);
      assert.equal(success.status, 200, success.text);
      assert.match(success.text, /signed in/i);

      const { status, body } = await pollDevice(server.url, device.device_code);
      assert.equal(status, 200, JSON.stringify(body));
      const claims = decodeJwt(body.access_token as string);
      assert.equal(claims.idtyp, 'user');
      assert.equal(claims.oid, user.id);
      assert.equal(claims.sub, user.id);
      assert.equal(claims.azp, GATEHOUSE_CLI_CLIENT_ID);
      assert.equal(claims.aud, 'https://graph.microsoft.com');
      assert.match(claims.scp as string, /User\.Invite\.All/);
      assert.equal(claims.preferred_username, user.userPrincipalName);
      assert.ok(typeof body.refresh_token === 'string');
      assert.ok(typeof body.id_token === 'string');
      const principal = await server.oauth.verifyAccessToken(body.access_token as string);
      assert.equal(principal.kind, 'user');
      assert.equal(principal.kind === 'user' && principal.userId, user.id);
      assert.ok(principal.permissions.has('User.Invite.All'));
      assert.ok(principal.permissions.has('User.Read.All'));
      assert.ok(!principal.permissions.has('AuditLog.Read.All'));
      // The device code works once.
      assert.equal((await pollDevice(server.url, device.device_code)).body.error, 'invalid_grant');
    });

    it('device flow: the user declining gives the device access_denied', async () => {
      const device = await startDeviceFlow(server.url);
      const browser = await browserOf();
      const interaction = await enterDeviceCode(browser, device);
      const { csrf } = JSON.parse((await browser.request(interaction)).text) as { csrf: string };
      const declined = await browser.request(interaction, { form: { csrf, decision: 'deny' } });
      assert.equal(declined.status, 303);
      await browser.request(declined.location as string);
      assert.equal((await pollDevice(server.url, device.device_code)).body.error, 'access_denied');
    });

    it('device flow: a wrong user code is refused on the page and approves nothing', async () => {
      const device = await startDeviceFlow(server.url);
      const browser = await browserOf();
      const input = await browser.request(device.verification_uri);
      const wrong = await browser.request(device.verification_uri, { form: { xsrf: hiddenField(input.text, 'xsrf'), user_code: 'BCDF-GHJK' } });
      assert.match(wrong.text, /not valid/);
      assert.equal((await pollDevice(server.url, device.device_code)).body.error, 'authorization_pending');
    });

    it('the interaction cannot be completed without a portal session, nor with a forged CSRF token', async () => {
      const device = await startDeviceFlow(server.url);
      const browser = await browserOf();
      const session = browser.cookies.get(PORTAL_COOKIE) as string;
      browser.cookies.delete(PORTAL_COOKIE);
      const interaction = await enterDeviceCode(browser, device);
      const page = await browser.request(interaction);
      assert.equal(page.status, 303);
      assert.match(page.location ?? '', /^\/signin\?returnTo=/);
      browser.setCookie(PORTAL_COOKIE, session);
      const forged = await browser.request(interaction, { form: { csrf: 'x'.repeat(43) } });
      assert.equal(forged.status, 403);
      assert.equal((await pollDevice(server.url, device.device_code)).body.error, 'authorization_pending');
    });

    it('an interaction page reached without the interaction cookie says the request expired', async () => {
      const device = await startDeviceFlow(server.url);
      const browser = await browserOf();
      const interaction = await enterDeviceCode(browser, device);
      for (const name of [...browser.cookies.keys()]) if (name.startsWith('gh_oidc_interaction')) browser.cookies.delete(name);
      const page = await browser.request(interaction);
      assert.equal(page.status, 400);
      assert.match(page.text, /INTERACTION_NOT_FOUND/);
    });

    it('refresh tokens rotate, and replaying a used one revokes the grant', async () => {
      const tokens = await deviceTokens(server.url, await browserOf());
      const first = await refresh(tokens.refresh_token);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.notEqual(first.body.refresh_token, tokens.refresh_token);
      assert.equal((await server.oauth.verifyAccessToken(first.body.access_token as string)).kind, 'user');
      assert.equal((await refresh(tokens.refresh_token)).body.error, 'invalid_grant');
      // Reuse detection revoked the whole grant, so the rotated token is dead too.
      assert.equal((await refresh(first.body.refresh_token as string)).body.error, 'invalid_grant');
    });

    it('revokeSignInSessions stops delegated access tokens, refresh tokens and the portal session at once', async () => {
      const browser = await browserOf();
      const tokens = await deviceTokens(server.url, browser);
      assert.equal((await server.oauth.verifyAccessToken(tokens.access_token)).kind, 'user');
      await revokeSignInSessions(dirDeps(ctx.db), admin, user.id);
      await assert.rejects(server.oauth.verifyAccessToken(tokens.access_token), { code: 'UNAUTHENTICATED', message: /revoked/ });
      assert.equal((await refresh(tokens.refresh_token)).body.error, 'invalid_grant');
      assert.equal(await validateSession(authDeps, browser.cookies.get(PORTAL_COOKIE)), undefined);
      // Token times are whole seconds: a token from the second of the revocation is refused too, so wait one.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const again = await deviceTokens(server.url, await browserOf());
      assert.equal((await server.oauth.verifyAccessToken(again.access_token)).kind, 'user');
    });

    it('a disabled user loses delegated access immediately', async () => {
      const grace = await createTestUser(ctx.db, 'grace', PASSWORD);
      const tokens = await deviceTokens(server.url, await browserOf(grace));
      const principal = await server.oauth.verifyAccessToken(tokens.access_token);
      assert.equal(principal.kind, 'user');
      assert.equal(principal.permissions.size, 0, 'no roles, no permissions');
      await updateUser(dirDeps(ctx.db), admin, grace.id, { accountEnabled: false });
      await assert.rejects(server.oauth.verifyAccessToken(tokens.access_token), { code: 'UNAUTHENTICATED', message: /disabled/ });
      assert.equal((await refresh(tokens.refresh_token)).body.error, 'invalid_grant');
    });

    it('authorization code + PKCE through openid-client: browser approval, ID token, access and refresh tokens', async () => {
      const config = await oidc.discovery(new URL(server.url), GATEHOUSE_CLI_CLIENT_ID, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const redirectUri = 'http://127.0.0.1:53682/callback';
      const authorizationUrl = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: CLI_SCOPE,
        // OpenID Connect ignores offline_access unless consent is prompted for; the CLI asks so it gets a refresh token.
        prompt: 'consent',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      const browser = await browserOf();
      const start = await browser.request(authorizationUrl.href);
      assert.equal(start.status, 303, start.text);
      assert.match(start.location ?? '', /^\/oauth2\/interaction\//);
      const page = await browser.request(start.location as string);
      const { view, csrf } = JSON.parse(page.text) as { view: { flow: string }; csrf: string };
      assert.equal(view.flow, 'authorization_code');
      const finished = await browser.request(start.location as string, { form: { csrf } });
      const resumed = await browser.request(finished.location as string);
      assert.equal(resumed.status, 303, resumed.text);
      assert.ok(resumed.location?.startsWith(`${redirectUri}?`), resumed.location ?? '');
      const tokens = await oidc.authorizationCodeGrant(config, new URL(resumed.location as string), { pkceCodeVerifier: verifier, expectedState: state });
      assert.equal(tokens.claims()?.sub, user.id);
      const principal = await server.oauth.verifyAccessToken(tokens.access_token);
      assert.equal(principal.kind === 'user' && principal.userPrincipalName, user.userPrincipalName);
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
      assert.equal((await server.oauth.verifyAccessToken(refreshed.access_token)).kind, 'user');

      // A second authorization in the same browser goes through the interaction page again (portal session checked).
      const second = await browser.request(authorizationUrl.href);
      assert.match(second.location ?? '', /^\/oauth2\/interaction\//);
    });

    it('authorization requests without PKCE, with an unregistered redirect URI, or for implicit tokens are refused', async () => {
      const base = { client_id: GATEHOUSE_CLI_CLIENT_ID, scope: CLI_SCOPE, redirect_uri: 'http://127.0.0.1:53682/callback', state: 's' };
      const noPkce = await new Browser(server.url).request(`/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, response_type: 'code' })}`);
      assert.equal(noPkce.status, 303);
      assert.match(noPkce.location ?? '', /error=invalid_request/);
      assert.match(noPkce.location ?? '', /PKCE/);
      const pkce = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
      const badRedirect = await new Browser(server.url).request(
        `/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, ...pkce, response_type: 'code', redirect_uri: 'https://evil.example/callback' })}`,
      );
      assert.equal(badRedirect.status, 400);
      assert.doesNotMatch(badRedirect.text, /<script/);
      assert.match(badRedirect.text, /redirect_uri/);
      const implicit = await new Browser(server.url).request(`/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, ...pkce, response_type: 'token' })}`);
      assert.match(implicit.location ?? '', /error=unsupported_response_type/);
    });

    it('the provider’s pages send a strict CSP, load nothing external, and run only the hashed auto-submit script', async () => {
      const device = await startDeviceFlow(server.url);
      const input = await fetch(device.verification_uri);
      const inputHtml = await input.text();
      assert.doesNotMatch(inputHtml, /<script|googleapis|@import/);
      assert.equal(input.headers.get('x-frame-options'), 'DENY');
      // verification_uri_complete pre-fills the code through an auto-submitting form: its script is allowed by hash.
      const complete = await fetch(device.verification_uri_complete);
      assert.equal(complete.status, 200);
      const csp = complete.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline'[^;]*;?\s*$|script-src[^;]*unsafe-inline/);
    });

    it('registered applications cannot use the device flow', async () => {
      const response = await fetch(`${server.url}/oauth2/v2.0/devicecode`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: '00000000-0000-4000-8000-000000000001', scope: CLI_SCOPE }),
      });
      assert.equal(response.status, 401);
    });

    it('audits device and browser approvals with the approving user', async () => {
      const rows = await ctx.db.selectFrom('audit_entries').select(['code', 'initiated_by_id']).where('code', 'in', ['GH1506I', 'GH1507I']).execute();
      assert.ok(rows.some((r) => r.code === 'GH1506I' && r.initiated_by_id === user.id));
      assert.ok(rows.some((r) => r.code === 'GH1507I' && r.initiated_by_id === user.id));
    });
  },
  [defaultBackend()],
);
