import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '#src/core/logger.ts';
import { startTestGatehouse } from '../helpers/gatehouse.ts';

/**
 * Secrets never reach the log, API responses other than the one that creates them, or error bodies: run the
 * flows that handle secrets with the log at trace level, then search everything for every secret used.
 */
describe('secrets stay out of logs and responses', () => {
  it('finds no password, client secret, token, cookie or set-password token in the log or later responses', async () => {
    let log = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const gh = await startTestGatehouse({}, { logger: createLogger('trace', sink) });
    const responses: string[] = [];
    const secrets = new Map<string, string>();
    try {
      const call = async (path: string, init: RequestInit = {}) => {
        const response = await fetch(`${gh.url}${path}`, init);
        const text = await response.text();
        responses.push(`${[...response.headers].filter(([k]) => k !== 'set-cookie').map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`);
        return { response, text };
      };
      const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

      const setupToken = new URLSearchParams(new URL(gh.gatehouse.setupLink as string).hash.slice(1)).get('token') as string;
      secrets.set('set-password token', setupToken);
      const password = 'correct horse battery staple 42';
      secrets.set('password', password);
      await call(`/set-password?token=${setupToken}`); // someone pasted the token into a query string
      assert.equal((await call('/portal/api/set-password', json({ token: setupToken, password }))).response.status, 204);
      const wrong = 'almost the right password';
      secrets.set('wrong password', wrong);
      assert.equal((await call('/portal/api/session', json({ userName: 'admin@gatehouse.local', password: wrong }))).response.status, 401);
      const signedIn = await call('/portal/api/session', json({ userName: 'admin@gatehouse.local', password }));
      assert.equal(signedIn.response.status, 200);
      const cookie = signedIn.response.headers.getSetCookie()[0]?.split(';')[0] ?? '';
      secrets.set('session cookie', cookie.split('=')[1] as string);
      secrets.set('csrf token', (JSON.parse(signedIn.text) as { csrfToken: string }).csrfToken);
      responses.pop(); // the sign-in response is where the CSRF token is meant to be

      const { clientId, clientSecret } = await gh.registerApp(['User.ReadWrite.All']);
      secrets.set('client secret', clientSecret);
      const token = await call('/oauth2/v2.0/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://graph.microsoft.com/.default' }),
      });
      const accessToken = (JSON.parse(token.text) as { access_token: string }).access_token;
      secrets.set('access token', accessToken);
      responses.pop(); // the token response is where the token is meant to be
      await call('/oauth2/v2.0/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: `${clientSecret}x`, scope: 'https://graph.microsoft.com/.default' }),
      });
      const auth = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
      const userPassword = 'initial user passphrase 7';
      secrets.set('new user password', userPassword);
      await call('/v1.0/users', { method: 'POST', headers: auth, body: JSON.stringify({ accountEnabled: true, displayName: 'Secretive', mailNickname: 'secretive', userPrincipalName: 'secretive@gatehouse.local', passwordProfile: { password: userPassword } }) });
      await call('/v1.0/users', { method: 'POST', headers: auth, body: JSON.stringify({ accountEnabled: true, displayName: 'Weak', mailNickname: 'weak', userPrincipalName: 'weak@gatehouse.local', passwordProfile: { password: 'weakpass' } }) });
      await call('/v1.0/users', { headers: { authorization: `Bearer ${accessToken}x` } });
    } finally {
      await gh.stop();
    }
    assert.ok(log.length > 1000, 'the log was captured');
    const everything = `${log}\n${responses.join('\n')}`;
    for (const [name, value] of secrets) {
      assert.ok(value.length >= 8, `${name} was captured`);
      assert.ok(!everything.includes(value), `${name} appears in the log or a response`);
    }
  });
});
