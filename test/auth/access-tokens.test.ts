import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { SignJWT, UnsecuredJWT, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { manualClock, systemClock } from '#src/core/clock.ts';
import { createAccessTokenVerifier, loadSigningKeys, retireSigningKey, rotateSigningKey } from '#src/auth/index.ts';
import { describeEachBackend, defaultBackend } from '../helpers/database.ts';
import { admin, createGraphServicePrincipal, createTenant, createTestApp, startOAuthServer, tokenRequest, type RunningServer, type TestApp } from './fixtures.ts';

describeEachBackend(
  'access token verification',
  (ctx) => {
    let server: RunningServer;
    let app: TestApp;
    let token: string;
    const issue = async (): Promise<string> => {
      const { status, body } = await tokenRequest(server.url, {
        grant_type: 'client_credentials',
        client_id: app.appId,
        client_secret: app.secret,
        scope: 'https://graph.microsoft.com/.default',
      });
      assert.equal(status, 200, JSON.stringify(body));
      return body.access_token as string;
    };

    before(async () => {
      await createTenant(ctx.db);
      app = await createTestApp(ctx.db, await createGraphServicePrincipal(ctx.db), 'Verifier test', ['User.Read.All']);
      server = await startOAuthServer(ctx.db);
      token = await issue();
    });
    after(() => server?.close());

    /** Re-sign the real token's claims (optionally changed) with one of Gatehouse's own private keys. */
    const resign = async (changes: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> => {
      const keys = await loadSigningKeys({ db: ctx.db, clock: systemClock, masterKey: server.masterKey });
      const jwk = keys.privateJwks.keys.find((k) => k.alg === 'ES256') as JWK;
      const claims = { ...decodeJwt(token), ...changes };
      return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid, ...header }).sign(await importJWK(jwk, 'ES256'));
    };

    const refused = async (candidate: string, message: RegExp): Promise<void> => {
      const error = await server.oauth.verifyAccessToken(candidate).then(
        () => assert.fail('token accepted'),
        (e: unknown) => e as Error & { code: string; status: number },
      );
      assert.equal(error.code, 'UNAUTHENTICATED');
      assert.equal(error.status, 401);
      assert.match(error.message, message);
      if (candidate.length > 8) assert.ok(!error.message.includes(candidate.slice(0, 20)), 'the message echoes the token');
    };

    it('accepts the token re-signed unchanged (the helper itself is sound)', async () => {
      assert.equal((await server.oauth.verifyAccessToken(await resign({}))).kind, 'app');
    });

    it('refuses a token signed by a key that is not Gatehouse’s, even with a Gatehouse kid', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const claims = decodeJwt(token);
      const kid = decodeProtectedHeader(token).kid as string;
      for (const header of [{ kid }, { kid: 'foreign' }]) {
        const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header }).sign(privateKey);
        await refused(forged, /signature/);
      }
    });

    it('refuses an expired token (with a small clock tolerance) and a token not valid yet', async () => {
      const exp = decodeJwt(token).exp as number;
      const late = manualClock(new Date((exp + 31) * 1000));
      const verifier = createAccessTokenVerifier({ db: ctx.db, clock: late, issuer: server.url, audiences: ['https://graph.microsoft.com', server.url] });
      await assert.rejects(verifier.verify(token), { code: 'UNAUTHENTICATED', message: /expired/ });
      const withinTolerance = manualClock(new Date((exp + 10) * 1000));
      const lenient = createAccessTokenVerifier({ db: ctx.db, clock: withinTolerance, issuer: server.url, audiences: ['https://graph.microsoft.com'] });
      assert.equal((await lenient.verify(token)).kind, 'app');
      await refused(await resign({ nbf: Math.floor(Date.now() / 1000) + 3600 }), /not valid yet/);
    });

    it('refuses a wrong audience, a wrong issuer, a missing claim, and a non-access-token typ', async () => {
      await refused(await resign({ aud: 'https://management.azure.com' }), /audience/);
      await refused(await resign({ iss: 'https://login.microsoftonline.com/x/v2.0' }), /issued by this Gatehouse/);
      await refused(await resign({ oid: undefined }), /'oid'/);
      await refused(await resign({}, { typ: 'JWT' }), /typ/);
      await refused(await resign({ idtyp: 'device' }), /neither/);
      await refused(await resign({ cnf: { jkt: 'x' } }), /Sender-constrained/);
    });

    it('refuses unsigned, HMAC-signed and malformed tokens', async () => {
      await refused(new UnsecuredJWT(decodeJwt(token)).encode(), /malformed|algorithm/);
      const hmac = await new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(randomBytes(32));
      await refused(hmac, /algorithm/);
      await refused('not.a.jwt', /malformed/);
      await refused('', /malformed/);
      await refused('x'.repeat(20_000), /malformed/);
    });

    it('refuses an app token whose service principal id no longer matches the app', async () => {
      await refused(await resign({ oid: '00000000-0000-4000-8000-000000000000' }), /no longer exists/);
    });

    it('rotation: the new key signs, tokens of the old key keep verifying until it is retired', async () => {
      const before = decodeProtectedHeader(token).kid;
      const newKid = await rotateSigningKey({ db: ctx.db, clock: systemClock, masterKey: server.masterKey }, admin);
      assert.equal(await server.oauth.reloadSigningKeys(), true);
      const fresh = await issue();
      assert.equal(decodeProtectedHeader(fresh).kid, newKid);
      const published = (await (await fetch(`${server.url}/oauth2/v2.0/keys`)).json()) as { keys: { kid: string }[] };
      assert.ok(published.keys.some((k) => k.kid === before) && published.keys.some((k) => k.kid === newKid));
      assert.equal((await server.oauth.verifyAccessToken(token)).kind, 'app');

      // Another node's verifier that loaded keys before the rotation picks the new kid up on first sight.
      await assert.rejects(retireSigningKey({ db: ctx.db, clock: systemClock, masterKey: server.masterKey }, admin, newKid), { code: 'SIGNING_KEY_IN_USE' });
      await retireSigningKey({ db: ctx.db, clock: systemClock, masterKey: server.masterKey }, admin, before as string);
      await server.oauth.reloadSigningKeys();
      await refused(token, /signature/);
      assert.equal((await server.oauth.verifyAccessToken(fresh)).kind, 'app');
      const after = (await (await fetch(`${server.url}/oauth2/v2.0/keys`)).json()) as { keys: { kid: string }[] };
      assert.ok(!after.keys.some((k) => k.kid === before));
    });

    it('a verifier that loaded its keys before a rotation accepts tokens of the new key', async () => {
      const stale = createAccessTokenVerifier({ db: ctx.db, clock: systemClock, issuer: server.url, audiences: ['https://graph.microsoft.com'] });
      assert.equal((await stale.verify(await issue())).kind, 'app');
      await rotateSigningKey({ db: ctx.db, clock: systemClock, masterKey: server.masterKey }, admin);
      await server.oauth.reloadSigningKeys();
      // Reloads are rate-limited; a verifier whose keys are older than the interval reloads on the unknown kid.
      const later = createAccessTokenVerifier({ db: ctx.db, clock: systemClock, issuer: server.url, audiences: ['https://graph.microsoft.com'] });
      assert.equal((await later.verify(await issue())).kind, 'app');
      await stale.reloadKeys();
      assert.equal((await stale.verify(await issue())).kind, 'app');
    });
  },
  [defaultBackend()],
);
