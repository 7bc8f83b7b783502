import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { createCredential } from './mfa-soft-authenticator.ts';

interface Json {
  [key: string]: unknown;
}

const PASSWORD = 'a long enough password';

/**
 * The authentication methods API over HTTP: Graph's /users/{id}/authentication and /me/authentication with their
 * permissions, and the portal's Security info API (cookie session with CSRF) used to add the methods.
 */
describe('authentication methods API over HTTP', () => {
  let gh: TestGatehouse;
  const tokens: Record<string, string> = {};
  let userId = '';
  let adminId = '';
  const portal = { cookie: '', csrf: '' };
  let totpId = '';
  let totpSecret = '';
  let passkeyId = '';
  let recoverySetId = '';

  const call = async (method: string, path: string, options: { token?: string; body?: unknown; raw?: string; session?: boolean; csrf?: string | null } = {}) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.session) {
      headers.cookie = portal.cookie;
      const csrf = options.csrf === undefined ? portal.csrf : options.csrf;
      if (csrf !== null) headers['x-csrf-token'] = csrf;
    }
    if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${gh.url}${path}`, { method, headers, body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const errorOf = (body: Json) => body.error as { code: string; message: string; innerError: { code: string } };

  before(async () => {
    gh = await startTestGatehouse();
    tokens.users = await gh.appToken(['User.ReadWrite.All']);
    tokens.reader = await gh.appToken(['UserAuthenticationMethod.Read.All']);
    tokens.writer = await gh.appToken(['UserAuthenticationMethod.ReadWrite.All']);
    tokens.privileged = await gh.appToken(['UserAuthenticationMethod.ReadWrite.All', 'RoleManagement.ReadWrite.Directory']);
    const created = await call('POST', '/v1.0/users', {
      token: tokens.users,
      body: { accountEnabled: true, displayName: 'Mfa User', mailNickname: 'mfauser', userPrincipalName: 'mfauser@gatehouse.local', passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    userId = created.body.id as string;
    adminId = gh.gatehouse.bootstrap.adminUserId;
    const signIn = await fetch(`${gh.url}/portal/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'mfauser@gatehouse.local', password: PASSWORD }) });
    assert.equal(signIn.status, 200);
    portal.cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    portal.csrf = ((await signIn.json()) as { csrfToken: string }).csrfToken;
  });
  after(async () => {
    await gh?.stop();
  });

  describe('Security info (portal)', () => {
    it('adds an authenticator app: QR code and secret, then a code from the app', async () => {
      const begun = await call('POST', '/portal/api/security-info/totp', { session: true });
      assert.equal(begun.status, 200, JSON.stringify(begun.body));
      assert.match(begun.body.qrCodeDataUrl as string, /^data:image\/png;base64,/);
      assert.match(begun.body.otpauthUri as string, /^otpauth:\/\/totp\/[^:]+:mfauser%40gatehouse\.local\?/);
      const code = TOTP.generate({ secret: Secret.fromBase32(begun.body.secret as string) });
      const wrong = await call('POST', `/portal/api/security-info/totp/${begun.body.enrolmentId as string}/verify`, { session: true, body: { code: code === '000000' ? '111111' : '000000' } });
      assert.equal(wrong.status, 400);
      assert.equal(errorOf(wrong.body).innerError.code, 'MFA_CODE_INVALID');
      const verified = await call('POST', `/portal/api/security-info/totp/${begun.body.enrolmentId as string}/verify`, { session: true, body: { code, displayName: 'My phone' } });
      assert.equal(verified.status, 201, JSON.stringify(verified.body));
      totpId = verified.body.id as string;
      totpSecret = begun.body.secret as string;
    });

    it('needs the session to prove the new app before further changes (step-up, which rotates the session cookie)', async () => {
      const refused = await call('POST', '/portal/api/security-info/webauthn/registration-options', { session: true });
      assert.equal(refused.status, 403);
      assert.equal(errorOf(refused.body).innerError.code, 'MFA_STEP_UP_REQUIRED');
      const started = await call('POST', '/portal/api/security-info/step-up', { session: true });
      assert.deepEqual(started.body, { status: 'mfaRequired' });
      const pending = started.headers.getSetCookie().find((c) => c.startsWith('gatehouse_signin='))?.split(';')[0];
      assert.ok(pending);
      // The next time step: within the accepted skew, and after the one used to add the app.
      const code = TOTP.generate({ secret: Secret.fromBase32(totpSecret), timestamp: Date.now() + 30_000 });
      const done = await fetch(`${gh.url}/portal/api/sign-in/pending/verify`, { method: 'POST', headers: { cookie: pending, 'content-type': 'application/json' }, body: JSON.stringify({ method: 'totp', code }) });
      assert.equal(done.status, 200);
      const rotated = done.headers.getSetCookie().find((c) => c.startsWith('gatehouse_session='))?.split(';')[0];
      assert.ok(rotated && rotated !== portal.cookie);
      portal.cookie = rotated;
    });

    it('adds a passkey for this origin and RP ID', async () => {
      const options = await call('POST', '/portal/api/security-info/webauthn/registration-options', { session: true });
      assert.equal(options.status, 200);
      assert.equal((options.body.rp as { id: string }).id, 'localhost');
      const { response } = createCredential(options.body as { challenge: string; user: { id: string } }, { origin: gh.url, rpId: 'localhost' });
      const registered = await call('POST', '/portal/api/security-info/webauthn', { session: true, body: { response, displayName: 'Laptop' } });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      passkeyId = registered.body.id as string;
    });

    it('refuses a passkey from another origin with a precise 400', async () => {
      const options = await call('POST', '/portal/api/security-info/webauthn/registration-options', { session: true });
      const { response } = createCredential(options.body as { challenge: string; user: { id: string } }, { origin: 'https://evil.example', rpId: 'localhost' });
      const refused = await call('POST', '/portal/api/security-info/webauthn', { session: true, body: { response } });
      assert.equal(refused.status, 400);
      assert.equal(errorOf(refused.body).innerError.code, 'WEBAUTHN_REFUSED');
      assert.match(errorOf(refused.body).message, /origin/);
    });

    it('regenerates recovery codes and lists everything with the summary', async () => {
      const generated = await call('POST', '/portal/api/security-info/recovery-codes', { session: true });
      assert.equal(generated.status, 200);
      assert.equal((generated.body.codes as string[]).length, 10);
      const info = await call('GET', '/portal/api/security-info', { session: true });
      assert.deepEqual(info.body.summary, { totp: true, webauthn: true, recoveryCodesLeft: 10, perUserMfaState: 'disabled' });
      const types = (info.body.methods as Json[]).map((m) => m['@odata.type']);
      assert.deepEqual(types, [
        '#microsoft.graph.passwordAuthenticationMethod',
        '#microsoft.graph.softwareOathAuthenticationMethod',
        '#microsoft.graph.fido2AuthenticationMethod',
        '#microsoft.graph.gatehouseRecoveryCodesAuthenticationMethod',
      ]);
      recoverySetId = (info.body.methods as Json[])[3]?.id as string;
      assert.ok(!JSON.stringify(info.body).includes('sealed'), 'no secret material');
    });

    it('refuses changes without the CSRF token, and callers without a session', async () => {
      const noCsrf = await call('POST', '/portal/api/security-info/recovery-codes', { session: true, csrf: null });
      assert.equal(noCsrf.status, 403);
      const wrongCsrf = await call('DELETE', `/portal/api/security-info/methods/${totpId}`, { session: true, csrf: 'not-the-token' });
      assert.equal(wrongCsrf.status, 403);
      assert.equal((await call('GET', '/portal/api/security-info')).status, 401);
      assert.equal((await call('GET', '/portal/api/security-info', { token: tokens.writer })).status, 401, 'a bearer token is not a portal session');
    });

    it('refuses bad input with precise 400s', async () => {
      const cases: [string, string, unknown, RegExp][] = [
        ['POST', '/portal/api/security-info/totp/not-an-enrolment/verify', { code: '123456' }, /expired or was already finished/],
        ['POST', `/portal/api/security-info/totp/${totpId}/verify`, { code: 123456 }, /'code' must be of type string/],
        ['POST', `/portal/api/security-info/totp/${totpId}/verify`, { code: '123456', colour: 'red' }, /Invalid property 'colour'/],
        ['POST', '/portal/api/security-info/webauthn', { response: 'nope' }, /'response' must be of type object/],
        ['POST', '/portal/api/security-info/webauthn', { response: {} }, /no passkey registration is in progress/],
        ['DELETE', '/portal/api/security-info/methods/28c10230-6103-485e-b985-444c60001490', undefined, /password method cannot be deleted/],
      ];
      for (const [method, path, body, message] of cases) {
        const res = await call(method, path, { session: true, ...(body === undefined ? {} : { body }) });
        assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
        assert.match(errorOf(res.body).message, message);
      }
      const unknown = await call('DELETE', '/portal/api/security-info/methods/00000000-0000-4000-8000-000000000000', { session: true });
      assert.equal(unknown.status, 404);
    });
  });

  describe('Graph /users/{id}/authentication', () => {
    it('lists methods for callers with UserAuthenticationMethod.Read.All, by id or UPN', async () => {
      const listed = await call('GET', `/v1.0/users/${userId}/authentication/methods`, { token: tokens.reader });
      assert.equal(listed.status, 200);
      assert.match(listed.body['@odata.context'] as string, /authentication\/methods$/);
      const value = listed.body.value as Json[];
      assert.deepEqual(value.map((m) => m.id), ['28c10230-6103-485e-b985-444c60001490', totpId, passkeyId, recoverySetId]);
      assert.equal(value[1]?.secretKey, null, 'the secret is never returned');
      assert.equal(value[3]?.codesLeft, 10);
      const byUpn = await call('GET', '/v1.0/users/mfauser@gatehouse.local/authentication/methods', { token: tokens.writer });
      assert.equal((byUpn.body.value as Json[]).length, 4, 'ReadWrite implies Read');
    });

    it('names the permission a caller lacks', async () => {
      const denied = await call('GET', `/v1.0/users/${userId}/authentication/methods`, { token: tokens.users });
      assert.equal(denied.status, 403);
      assert.match(errorOf(denied.body).message, /UserAuthenticationMethod\.Read\.All/);
      const readOnly = await call('DELETE', `/v1.0/users/${userId}/authentication/softwareOathMethods/${totpId}`, { token: tokens.reader });
      assert.equal(readOnly.status, 403);
      assert.match(errorOf(readOnly.body).message, /UserAuthenticationMethod\.ReadWrite\.All/);
      assert.equal((await call('PATCH', `/v1.0/users/${userId}/authentication/requirements`, { token: tokens.reader, body: { perUserMfaState: 'enforced' } })).status, 403);
      assert.equal((await call('GET', `/v1.0/users/${userId}/authentication/methods`)).status, 401);
    });

    it('gets one method by its type, and 404s for unknown ids, users and the wrong type', async () => {
      const oath = await call('GET', `/v1.0/users/${userId}/authentication/softwareOathMethods/${totpId}`, { token: tokens.reader });
      assert.equal(oath.status, 200);
      assert.equal(oath.body['@odata.type'], '#microsoft.graph.softwareOathAuthenticationMethod');
      const fido = await call('GET', `/v1.0/users/${userId}/authentication/fido2Methods/${passkeyId}`, { token: tokens.reader });
      assert.equal(fido.body.displayName, 'Laptop');
      assert.equal(fido.body.attestationLevel, 'notAttested');
      for (const path of [
        `/v1.0/users/${userId}/authentication/fido2Methods/${totpId}`,
        `/v1.0/users/${userId}/authentication/softwareOathMethods/00000000-0000-4000-8000-000000000000`,
        `/v1.0/users/${userId}/authentication/softwareOathMethods/not-a-guid`,
        `/v1.0/users/${adminId}/authentication/softwareOathMethods/${totpId}`,
        '/v1.0/users/00000000-0000-4000-8000-000000000000/authentication/methods',
        '/v1.0/users/nobody@gatehouse.local/authentication/requirements',
      ]) {
        const res = await call('GET', path, { token: tokens.reader });
        assert.equal(res.status, 404, path);
        assert.equal(errorOf(res.body).code, 'Request_ResourceNotFound');
      }
      assert.equal((await call('DELETE', `/v1.0/users/${userId}/authentication/softwareOathMethods/${passkeyId}`, { token: tokens.writer })).status, 404, 'a passkey is not an OATH method');
    });

    it('sets and reads the per-user MFA state, refusing values it does not know', async () => {
      const initial = await call('GET', `/v1.0/users/${userId}/authentication/requirements`, { token: tokens.reader });
      assert.deepEqual(initial.body, { '@odata.type': '#microsoft.graph.strongAuthenticationRequirements', perUserMfaState: 'disabled' });
      assert.equal((await call('PATCH', `/v1.0/users/${userId}/authentication/requirements`, { token: tokens.writer, body: { perUserMfaState: 'enforced' } })).status, 204);
      const after = await call('GET', `/v1.0/users/${userId}/authentication/requirements`, { token: tokens.reader });
      assert.equal(after.body.perUserMfaState, 'enforced');
      const bad: [unknown, RegExp][] = [
        [{ perUserMfaState: 'enabled' }, /no 'enabled' stage/],
        [{ perUserMfaState: 'on' }, /must be 'disabled' or 'enforced'/],
        [{ perUserMfaState: true }, /must be of type string/],
        [{}, /'perUserMfaState' is required/],
        [{ perUserMfaState: 'disabled', extra: 1 }, /Invalid property 'extra'/],
      ];
      for (const [body, message] of bad) {
        const res = await call('PATCH', `/v1.0/users/${userId}/authentication/requirements`, { token: tokens.writer, body });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(errorOf(res.body).message, message);
      }
      const raw = await call('PATCH', `/v1.0/users/${userId}/authentication/requirements`, { token: tokens.writer, raw: '{"perUserMfaState":' });
      assert.equal(raw.status, 400);
      assert.equal((await call('PATCH', `/v1.0/users/${userId}/authentication/requirements`, { token: tokens.writer, body: { perUserMfaState: 'enforced' } })).status, 204, 'setting the same value again');
      const audit = await gh.gatehouse.database.db.selectFrom('audit_entries').select('data').where('code', '=', 'GH2105I').where(sql<boolean>`${userId}::uuid = ANY(target_ids)`).execute();
      assert.equal(audit.length, 1, 'one change audited: refusals and repeats change nothing');
      assert.match(audit[0]?.data as string, /"displayName":"perUserMfaState","oldValue":"\\"disabled\\"","newValue":"\\"enforced\\""/);
    });

    it("needs the right to manage roles to change an administrator's methods", async () => {
      const denied = await call('PATCH', `/v1.0/users/${adminId}/authentication/requirements`, { token: tokens.writer, body: { perUserMfaState: 'enforced' } });
      assert.equal(denied.status, 403);
      assert.match(errorOf(denied.body).message, /RoleManagement\.ReadWrite\.Directory/);
      assert.equal((await call('PATCH', `/v1.0/users/${adminId}/authentication/requirements`, { token: tokens.privileged, body: { perUserMfaState: 'enforced' } })).status, 204);
      assert.equal((await call('PATCH', `/v1.0/users/${adminId}/authentication/requirements`, { token: tokens.privileged, body: { perUserMfaState: 'disabled' } })).status, 204);
    });

    it('deletes a method, audited with the administrator as actor', async () => {
      assert.equal((await call('DELETE', `/v1.0/users/${userId}/authentication/fido2Methods/${passkeyId}`, { token: tokens.writer })).status, 204);
      assert.equal((await call('GET', `/v1.0/users/${userId}/authentication/fido2Methods/${passkeyId}`, { token: tokens.reader })).status, 404);
      const audit = await gh.gatehouse.database.db
        .selectFrom('audit_entries')
        .select(['code', 'data'])
        .where('code', '=', 'GH2102I')
        .execute();
      assert.equal(audit.length, 1);
      assert.match(audit[0]?.data as string, /"app":\{"appId"/);
    });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await call('GET', '/openapi.json');
    const paths = doc.body.paths as Record<string, unknown>;
    for (const p of ['/v1.0/users/{id}/authentication/methods', '/v1.0/me/authentication/fido2Methods/{methodId}', '/v1.0/users/{id}/authentication/requirements', '/portal/api/security-info/totp/{enrolmentId}/verify']) assert.ok(paths[p], p);
  });

  describe('Graph /me/authentication', () => {
    it('serves the signed-in user from a portal session, and refuses app tokens', async () => {
      const mine = await call('GET', '/v1.0/me/authentication/methods', { session: true });
      assert.equal(mine.status, 200);
      assert.deepEqual((mine.body.value as Json[]).map((m) => m.id), ['28c10230-6103-485e-b985-444c60001490', totpId, recoverySetId]);
      const app = await call('GET', '/v1.0/me/authentication/methods', { token: tokens.reader });
      assert.equal(app.status, 400);
      assert.match(errorOf(app.body).message, /delegated authentication flow/);
    });

    it('lets users remove their own methods, but not lift an MFA requirement from themselves', async () => {
      assert.equal((await call('GET', '/v1.0/me/authentication/requirements', { session: true })).body.perUserMfaState, 'enforced');
      const lift = await call('PATCH', '/v1.0/me/authentication/requirements', { session: true, body: { perUserMfaState: 'disabled' } });
      assert.equal(lift.status, 403);
      assert.equal((await call('DELETE', `/v1.0/me/authentication/softwareOathMethods/${totpId}`, { session: true })).status, 204);
      assert.equal((await call('DELETE', `/portal/api/security-info/methods/${recoverySetId}`, { session: true })).status, 204);
      const info = await call('GET', '/portal/api/security-info', { session: true });
      assert.deepEqual(info.body.summary, { totp: false, webauthn: false, recoveryCodesLeft: 0, perUserMfaState: 'enforced' });
    });
  });
});
