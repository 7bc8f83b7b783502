import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { systemClock } from '#src/core/clock.ts';
import { consumeSetPasswordToken, issueSetPasswordLink, signInWithPassword, type AuthDeps } from '#src/auth/index.ts';
import { describeEachBackend, defaultBackend } from '../helpers/database.ts';
import { approveDevice, interactionRoute, pollDevice, signedInBrowser, startDeviceFlow } from './cli-flow.ts';
import { admin, authConfig, createGraphServicePrincipal, createTenant, createTestApp, createTestUser, sessionOf, startOAuthServer, TEST_MASTER_KEY, tokenRequest, type RunningServer } from './fixtures.ts';

/**
 * Security expectation: no secret the suite handles (client secret, passwords, session cookie, CSRF token,
 * set-password token, device and refresh tokens, access tokens) appears in the audit log, and none that grants
 * access is stored in clear anywhere in the auth tables.
 */
describeEachBackend(
  'secrets stay out of the audit log and the database',
  (ctx) => {
    let server: RunningServer;
    let authDeps: AuthDeps;
    const secrets = new Map<string, string>();

    before(async () => {
      await createTenant(ctx.db);
      server = await startOAuthServer(ctx.db, { routes: { '/oauth2/interaction/': interactionRoute(() => authDeps) } });
      authDeps = { db: ctx.db, clock: systemClock, config: authConfig(server.url) };

      const app = await createTestApp(ctx.db, await createGraphServicePrincipal(ctx.db), 'Secretive', ['User.Read.All']);
      secrets.set('client secret', app.secret);
      const good = await tokenRequest(server.url, { grant_type: 'client_credentials', client_id: app.appId, client_secret: app.secret, scope: 'https://graph.microsoft.com/.default' });
      secrets.set('app access token', good.body.access_token as string);
      const wrongSecret = `${app.secret.slice(0, -4)}WXYZ`;
      secrets.set('wrong client secret', wrongSecret);
      await tokenRequest(server.url, { grant_type: 'client_credentials', client_id: app.appId, client_secret: wrongSecret });

      const user = await createTestUser(ctx.db, 'keeper');
      const link = await issueSetPasswordLink(authDeps, admin, user.id);
      secrets.set('set-password token', link.token);
      const password = 'Tr0ub4dor&3-but-longer';
      secrets.set('password', password);
      await consumeSetPasswordToken(authDeps, link.token, password);
      // Setting a password revokes everything issued before it, and token times have whole seconds: grants issued
      // in the same second are refused too (token-claims.ts). Start the next flows in the next second.
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
      const wrongPassword = 'almost-the-password-42';
      secrets.set('wrong password', wrongPassword);
      await signInWithPassword({ ...authDeps, masterKey: TEST_MASTER_KEY }, { userName: user.userPrincipalName, password: wrongPassword, ipAddress: '192.0.2.1' }).catch(() => undefined);
      // People type their password into the user name field.
      await signInWithPassword({ ...authDeps, masterKey: TEST_MASTER_KEY }, { userName: password, password: 'x', ipAddress: '192.0.2.1' }).catch(() => undefined);
      const signedIn = await signInWithPassword({ ...authDeps, masterKey: TEST_MASTER_KEY }, { userName: user.userPrincipalName, password, ipAddress: '192.0.2.1' });
      secrets.set('session cookie', sessionOf(signedIn).cookieValue);
      secrets.set('csrf token', sessionOf(signedIn).csrfToken);

      const device = await startDeviceFlow(server.url);
      secrets.set('device code', device.device_code);
      const browser = await signedInBrowser(server.url, authDeps, user.userPrincipalName, password);
      secrets.set('second session cookie', browser.cookies.get('gatehouse_session') as string);
      for (const [name, value] of browser.cookies) if (name.startsWith('gh_oidc')) secrets.set(`provider cookie ${name}`, value);
      assert.equal((await approveDevice(browser, device)).status, 200);
      for (const [name, value] of browser.cookies) if (name.startsWith('gh_oidc') && !name.endsWith('.sig')) secrets.set(`provider cookie ${name} (after)`, value);
      const tokens = await pollDevice(server.url, device.device_code);
      secrets.set('user access token', tokens.body.access_token as string);
      secrets.set('refresh token', tokens.body.refresh_token as string);
      const refreshed = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token as string, client_id: 'gatehouse-cli' });
      secrets.set('rotated refresh token', refreshed.body.refresh_token as string);
    });
    after(() => server?.close());

    it('no secret appears in audit_events.data', async () => {
      const { rows } = await sql<{ data: string }>`SELECT data FROM audit_events`.execute(ctx.db);
      assert.ok(rows.length > 10);
      const log = rows.map((r) => r.data).join('\n');
      for (const [name, value] of secrets) {
        assert.ok(value && value.length >= 12, `${name} was captured`);
        assert.ok(!log.includes(value), `${name} appears in the audit log`);
      }
    });

    it('no credential is stored in clear in the auth tables', async () => {
      const dump = async (table: string): Promise<string> => {
        const { rows } = await sql<{ row: string }>`SELECT row_to_json(t)::text AS row FROM ${sql.table(table)} t`.execute(ctx.db);
        return rows.map((r) => r.row).join('\n');
      };
      const stored = [await dump('oidc_payloads'), await dump('browser_sessions'), await dump('one_time_tokens'), await dump('signing_key'), await dump('application_credentials')].join('\n');
      for (const [name, value] of secrets) {
        if (name === 'csrf token') continue; // kept with its session by design; useless without the cookie
        assert.ok(!stored.includes(value), `${name} is stored in clear`);
      }
    });
  },
  [defaultBackend()],
);
