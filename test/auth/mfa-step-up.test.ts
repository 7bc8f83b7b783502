import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { createCredential } from './mfa-soft-authenticator.ts';

interface Json {
  [key: string]: unknown;
}

const PASSWORD = 'a long enough password';
const SESSION_COOKIE = 'gatehouse_session';
const PENDING_COOKIE = 'gatehouse_signin';

/** A portal user's cookies (session, and a pending sign-in while a step-up waits) and the session's CSRF token. */
interface Portal {
  cookies: Map<string, string>;
  csrf: string;
}

/**
 * Someone who has only the password must not be able to change the second factors of an account that has one: a
 * session signed in with the password alone gets 403 MFA_STEP_UP_REQUIRED for every change to the user's own
 * methods, changes nothing, and may go on only after proving the factor it already has (the step-up, completed
 * through the pending sign-in API, rotates the session cookie). An account with no factor yet registers the first
 * one with such a session; applications with UserAuthenticationMethod.ReadWrite.All are not affected.
 */
describe('changing one\'s own authentication methods needs the second factor (step-up)', () => {
  let gh: TestGatehouse;
  let users = '';
  let writer = '';
  let reader = '';

  const remember = (portal: Portal, response: Response) => {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (value === '' || attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\b/i.test(a))) portal.cookies.delete(name);
      else portal.cookies.set(name, value);
    }
  };
  const cookieHeader = (portal: Portal, only?: string) =>
    [...portal.cookies]
      .filter(([name]) => only === undefined || name === only)
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');

  const call = async (portal: Portal | null, method: string, path: string, options: { body?: unknown; token?: string; csrf?: boolean; cookie?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (portal) {
      headers.cookie = options.cookie ?? cookieHeader(portal);
      if (options.csrf !== false) headers['x-csrf-token'] = portal.csrf;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${gh.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    if (portal) remember(portal, response);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const innerCode = (body: Json) => (body.error as { innerError: { code: string } }).innerError.code;
  const messageOf = (body: Json) => (body.error as { message: string }).message;

  const createUser = async (nickname: string): Promise<string> => {
    const created = await call(null, 'POST', '/v1.0/users', {
      token: users,
      body: { accountEnabled: true, displayName: nickname, mailNickname: nickname, userPrincipalName: `${nickname}@gatehouse.local`, passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };
  const signIn = async (nickname: string): Promise<Portal> => {
    const portal: Portal = { cookies: new Map(), csrf: '' };
    const response = await fetch(`${gh.url}/portal/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: `${nickname}@gatehouse.local`, password: PASSWORD }) });
    assert.equal(response.status, 200);
    remember(portal, response);
    portal.csrf = ((await response.json()) as { csrfToken: string }).csrfToken;
    assert.ok(portal.cookies.get(SESSION_COOKIE));
    return portal;
  };
  const methodsOf = async (userId: string): Promise<Json[]> => {
    const listed = await call(null, 'GET', `/v1.0/users/${userId}/authentication/methods`, { token: reader });
    assert.equal(listed.status, 200);
    return listed.body.value as Json[];
  };
  /** Add an authenticator app through Security info; answers its id and secret. */
  const addTotp = async (portal: Portal): Promise<{ id: string; secret: string }> => {
    const begun = await call(portal, 'POST', '/portal/api/security-info/totp');
    assert.equal(begun.status, 200, JSON.stringify(begun.body));
    const secret = begun.body.secret as string;
    const verified = await call(portal, 'POST', `/portal/api/security-info/totp/${begun.body.enrolmentId as string}/verify`, { body: { code: codeAt(secret, Date.now()) } });
    assert.equal(verified.status, 201, JSON.stringify(verified.body));
    return { id: verified.body.id as string, secret };
  };
  const codeAt = (secret: string, at: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at });
  const assertStepUpRequired = (response: { status: number; body: Json }, what: string) => {
    assert.equal(response.status, 403, `${what}: ${JSON.stringify(response.body)}`);
    assert.equal(innerCode(response.body), 'MFA_STEP_UP_REQUIRED', what);
    assert.match(messageOf(response.body), /second factor first/, what);
  };

  before(async () => {
    gh = await startTestGatehouse();
    users = await gh.appToken(['User.ReadWrite.All']);
    writer = await gh.appToken(['UserAuthenticationMethod.ReadWrite.All']);
    reader = await gh.appToken(['UserAuthenticationMethod.Read.All']);
  });
  after(async () => {
    await gh?.stop();
  });

  describe('a user with an authenticator app, signed in with the password only', () => {
    let userId = '';
    let portal: Portal;
    let app = { id: '', secret: '' };
    let unchanged: Json[] = [];

    before(async () => {
      userId = await createUser('stepup');
      portal = await signIn('stepup');
      // The first second factor may be added with a password-only session (as in Entra).
      app = await addTotp(portal);
      // A later password-only sign-in (e.g. with a phished password): the portal has no MFA policy.
      portal = await signIn('stepup');
      unchanged = await methodsOf(userId);
      assert.deepEqual(
        unchanged.map((m) => m['@odata.type']),
        ['#microsoft.graph.passwordAuthenticationMethod', '#microsoft.graph.softwareOathAuthenticationMethod'],
      );
    });

    it('cannot add a method, make recovery codes, or remove a method; nothing changes', async () => {
      assertStepUpRequired(await call(portal, 'POST', '/portal/api/security-info/totp'), 'begin an authenticator app');
      assertStepUpRequired(await call(portal, 'POST', '/portal/api/security-info/totp/00000000-0000-4000-8000-000000000000/verify', { body: { code: '123456' } }), 'finish an authenticator app');
      assertStepUpRequired(await call(portal, 'POST', '/portal/api/security-info/webauthn/registration-options'), 'passkey options');
      assertStepUpRequired(await call(portal, 'POST', '/portal/api/security-info/webauthn', { body: { response: {} } }), 'register a passkey');
      assertStepUpRequired(await call(portal, 'POST', '/portal/api/security-info/recovery-codes'), 'recovery codes');
      assertStepUpRequired(await call(portal, 'DELETE', `/portal/api/security-info/methods/${app.id}`), 'remove through Security info');
      assertStepUpRequired(await call(portal, 'DELETE', `/v1.0/me/authentication/softwareOathMethods/${app.id}`), 'remove through Graph /me');
      assert.deepEqual(await methodsOf(userId), unchanged, 'nothing changed');
      const info = await call(portal, 'GET', '/portal/api/security-info');
      assert.equal(info.status, 200, 'reading stays allowed');
      assert.deepEqual(info.body.summary, { totp: true, webauthn: false, recoveryCodesLeft: 0, perUserMfaState: 'disabled' });
    });

    it('steps up with the authenticator app (rotated session cookie), after which the same changes work', async () => {
      assert.equal((await call(portal, 'POST', '/portal/api/security-info/step-up', { csrf: false })).status, 403, 'the step-up needs the CSRF token');
      assert.equal((await call(null, 'POST', '/portal/api/security-info/step-up')).status, 401, 'and a session');
      const started = await call(portal, 'POST', '/portal/api/security-info/step-up');
      assert.equal(started.status, 200, JSON.stringify(started.body));
      assert.deepEqual(started.body, { status: 'mfaRequired' });
      assert.ok(portal.cookies.get(PENDING_COOKIE), 'the pending verification cookie is set');
      const pending = await call(portal, 'GET', '/portal/api/sign-in/pending', { cookie: cookieHeader(portal, PENDING_COOKIE) });
      assert.equal(pending.status, 200);
      assert.deepEqual(pending.body.registration, { totp: false, passkey: false }, 'no new factor can be registered instead of proving the one there is');
      assert.equal((await call(portal, 'POST', '/portal/api/sign-in/pending/totp', { cookie: cookieHeader(portal, PENDING_COOKIE) })).status, 403);

      const oldCookie = cookieHeader(portal, SESSION_COOKIE);
      const wrong = await call(portal, 'POST', '/portal/api/sign-in/pending/verify', { cookie: cookieHeader(portal, PENDING_COOKIE), body: { method: 'totp', code: codeAt(app.secret, Date.now() + 30_000) === '000000' ? '111111' : '000000' } });
      assert.equal(wrong.status, 400);
      assert.equal(innerCode(wrong.body), 'MFA_FAILED');
      // The next time step: within the accepted skew and after the step used when the app was added.
      const done = await call(portal, 'POST', '/portal/api/sign-in/pending/verify', { cookie: cookieHeader(portal, PENDING_COOKIE), body: { method: 'totp', code: codeAt(app.secret, Date.now() + 30_000) } });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.status, 'signedIn');
      assert.equal(done.body.returnTo, '/security-info');
      assert.equal(done.body.csrfToken, portal.csrf);
      assert.notEqual(cookieHeader(portal, SESSION_COOKIE), oldCookie, 'the session cookie was rotated');
      assert.equal(portal.cookies.has(PENDING_COOKIE), false, 'the pending cookie is cleared');
      assert.equal((await call(portal, 'GET', '/portal/api/security-info', { cookie: oldCookie })).status, 401, 'the old session id no longer works');

      assert.deepEqual((await call(portal, 'POST', '/portal/api/security-info/step-up')).body, { status: 'allowed' }, 'a session that proved the factor needs no further step-up');

      const codes = await call(portal, 'POST', '/portal/api/security-info/recovery-codes');
      assert.equal(codes.status, 200, JSON.stringify(codes.body));
      assert.equal((codes.body.codes as string[]).length, 10);
      assert.equal(codes.headers.get('cache-control'), 'no-store');
      const begun = await call(portal, 'POST', '/portal/api/security-info/totp');
      assert.equal(begun.status, 200);
      assert.equal(begun.headers.get('cache-control'), 'no-store', 'the secret and QR code are not cached');
      const options = await call(portal, 'POST', '/portal/api/security-info/webauthn/registration-options');
      assert.equal(options.status, 200);
      const { response } = createCredential(options.body as { challenge: string; user: { id: string } }, { origin: gh.url, rpId: 'localhost' });
      assert.equal((await call(portal, 'POST', '/portal/api/security-info/webauthn', { body: { response, displayName: 'Laptop' } })).status, 201);
      assert.equal((await call(portal, 'DELETE', `/v1.0/me/authentication/softwareOathMethods/${app.id}`)).status, 204);
      assert.deepEqual(
        (await methodsOf(userId)).map((m) => m['@odata.type']),
        ['#microsoft.graph.passwordAuthenticationMethod', '#microsoft.graph.fido2AuthenticationMethod', '#microsoft.graph.gatehouseRecoveryCodesAuthenticationMethod'],
      );
    });

    it('leaves applications with UserAuthenticationMethod.ReadWrite.All unaffected', async () => {
      const passwordOnly = await signIn('stepup');
      const passkey = (await methodsOf(userId)).find((m) => m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod');
      assert.ok(passkey);
      assertStepUpRequired(await call(passwordOnly, 'DELETE', `/v1.0/me/authentication/fido2Methods/${passkey.id as string}`), 'the password-only session');
      assert.equal((await call(null, 'DELETE', `/v1.0/users/${userId}/authentication/fido2Methods/${passkey.id as string}`, { token: writer })).status, 204);
    });
  });

  describe('an administrator, signed in with the password only', () => {
    it('cannot lift the MFA requirement from or remove methods of their own account, but still manages others', async () => {
      const setupToken = new URLSearchParams(new URL(gh.gatehouse.setupLink as string).hash.slice(1)).get('token');
      const set = await fetch(`${gh.url}/portal/api/set-password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: setupToken, password: PASSWORD }) });
      assert.equal(set.status, 204);
      const adminId = gh.gatehouse.bootstrap.adminUserId;
      const app = await addTotp(await signIn('admin'));
      const admin = await signIn('admin');
      assertStepUpRequired(await call(admin, 'PATCH', '/v1.0/me/authentication/requirements', { body: { perUserMfaState: 'enforced' } }), 'PATCH /me requirements');
      assertStepUpRequired(await call(admin, 'PATCH', `/v1.0/users/${adminId}/authentication/requirements`, { body: { perUserMfaState: 'enforced' } }), 'PATCH /users/{own id} requirements');
      assertStepUpRequired(await call(admin, 'DELETE', `/v1.0/users/${adminId}/authentication/softwareOathMethods/${app.id}`), 'remove through Graph /users/{own id}');
      assert.equal((await call(null, 'GET', `/v1.0/users/${adminId}/authentication/requirements`, { token: reader })).body.perUserMfaState, 'disabled', 'nothing changed');
      assert.equal((await methodsOf(adminId)).length, 2);
      const otherId = await createUser('managed');
      assert.equal((await call(admin, 'PATCH', `/v1.0/users/${otherId}/authentication/requirements`, { body: { perUserMfaState: 'enforced' } })).status, 204, "another user's methods: the permission decides, as before");
    });
  });

  describe('a user with recovery codes only', () => {
    it('proves a recovery code to step up, and cannot register an app instead', async () => {
      await createUser('codesonly');
      let portal = await signIn('codesonly');
      const codes = await call(portal, 'POST', '/portal/api/security-info/recovery-codes');
      assert.equal(codes.status, 200, 'recovery codes as the first factor');
      portal = await signIn('codesonly');
      assertStepUpRequired(await call(portal, 'POST', '/portal/api/security-info/totp'), 'recovery codes count as a second factor');
      assert.deepEqual((await call(portal, 'POST', '/portal/api/security-info/step-up')).body, { status: 'mfaRequired' });
      const pending = await call(portal, 'GET', '/portal/api/sign-in/pending', { cookie: cookieHeader(portal, PENDING_COOKIE) });
      assert.deepEqual(pending.body.registration, { totp: false, passkey: false });
      assert.equal((pending.body.methods as Json).recoveryCodesLeft, 10);
      const done = await call(portal, 'POST', '/portal/api/sign-in/pending/verify', { cookie: cookieHeader(portal, PENDING_COOKIE), body: { method: 'recoveryCode', code: (codes.body.codes as string[])[0] } });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal((await call(portal, 'POST', '/portal/api/security-info/totp')).status, 200);
    });
  });

  describe('a user with no second factor', () => {
    it('adds the first one (a passkey) with a password-only session, and then needs the step-up for the next', async () => {
      const userId = await createUser('firstfactor');
      const portal = await signIn('firstfactor');
      const options = await call(portal, 'POST', '/portal/api/security-info/webauthn/registration-options');
      assert.equal(options.status, 200, JSON.stringify(options.body));
      const { response } = createCredential(options.body as { challenge: string; user: { id: string } }, { origin: gh.url, rpId: 'localhost' });
      assert.equal((await call(portal, 'POST', '/portal/api/security-info/webauthn', { body: { response } })).status, 201);
      assertStepUpRequired(await call(portal, 'POST', '/portal/api/security-info/recovery-codes'), 'the second method');
      assert.equal((await methodsOf(userId)).length, 2, 'password and the passkey');
    });
  });
});
