import assert from 'node:assert/strict';
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT, decodeJwt, decodeProtectedHeader, importPKCS8 } from 'jose';
import * as oidc from 'openid-client';
import { manualClock } from '#src/core/clock.ts';
import {
  addPassword,
  createApplication,
  createServicePrincipal,
  listAppRoleAssignments,
  revokeAppRole,
  updateServicePrincipal,
  type DirDb,
} from '#src/directory/index.ts';
import { describeEachBackend, defaultBackend } from '../helpers/database.ts';
import {
  admin,
  basicAuth,
  createGraphServicePrincipal,
  createTenant,
  createTestApp,
  dirDeps,
  startOAuthServer,
  tokenRequest,
  type RunningServer,
  type TestApp,
} from './fixtures.ts';
import { selfSignedCertificate } from '../helpers/certificates.ts';

// Made fresh for each run: no key material lives in the repository.
const { cert: CERT_A, key: KEY_A } = selfSignedCertificate('gatehouse-test-a');
const { cert: CERT_B, key: KEY_B } = selfSignedCertificate('gatehouse-test-b');

const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';
const DAY = 86_400_000;

const x5t = (pem: string): string => createHash('sha1').update(new X509Certificate(pem).raw).digest('base64url');

/** A client assertion the way MSAL builds one: RS256/PS256, the certificate named by its SHA-1 thumbprint (x5t). */
async function msalAssertion(clientId: string, audience: string, certPem: string, keyPem: string, alg: 'RS256' | 'PS256' = 'PS256'): Promise<string> {
  const key = await importPKCS8(keyPem, alg);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg, typ: 'JWT', x5t: x5t(certPem) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('5m')
    .sign(key);
}

describeEachBackend(
  'client credentials grant',
  (ctx) => {
    let server: RunningServer;
    let app: TestApp;
    let other: TestApp;
    let tenantId: string;
    let graphSp: string;
    const clientCredentials = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      tokenRequest(server.url, { grant_type: 'client_credentials', scope: GRAPH_DEFAULT, ...form }, headers);

    before(async () => {
      tenantId = await createTenant(ctx.db);
      graphSp = await createGraphServicePrincipal(ctx.db);
      app = await createTestApp(ctx.db, graphSp, 'Sync tool', ['User.Read.All', 'Group.ReadWrite.All']);
      other = await createTestApp(ctx.db, graphSp, 'Other tool', ['AuditLog.Read.All']);
      server = await startOAuthServer(ctx.db);
    });
    after(() => server?.close());

    describe('secrets', () => {
      it('client_secret_post gets an ES256 JWT with Entra app-token claims, and verifyAccessToken accepts it', async () => {
        const { status, body } = await clientCredentials({ client_id: app.appId, client_secret: app.secret });
        assert.equal(status, 200, JSON.stringify(body));
        assert.equal(body.token_type, 'Bearer');
        assert.equal(body.expires_in, 600);
        const token = body.access_token as string;
        const header = decodeProtectedHeader(token);
        assert.equal(header.alg, 'ES256');
        assert.equal(header.typ, 'at+jwt');
        const claims = decodeJwt(token);
        assert.equal(claims.iss, server.url);
        assert.equal(claims.aud, 'https://graph.microsoft.com');
        assert.equal(claims.tid, tenantId);
        assert.equal(claims.oid, app.servicePrincipalId);
        assert.equal(claims.sub, app.servicePrincipalId);
        assert.equal(claims.azp, app.appId);
        assert.equal(claims.appid, app.appId);
        assert.equal(claims.idtyp, 'app');
        assert.deepEqual(claims.roles, ['User.Read.All', 'Group.ReadWrite.All']);
        assert.equal((claims.exp as number) - (claims.iat as number), 600);

        const principal = await server.oauth.verifyAccessToken(token);
        assert.equal(principal.kind, 'app');
        assert.equal(principal.kind === 'app' && principal.servicePrincipalId, app.servicePrincipalId);
        assert.equal(principal.kind === 'app' && principal.appId, app.appId);
        // Implied permissions are expanded: ReadWrite implies Read.
        assert.deepEqual([...principal.permissions].sort(), ['Group.Read.All', 'Group.ReadWrite.All', 'User.Read.All']);
      });

      it('client_secret_basic works, and the <publicUrl>/.default scope gives a token for the public URL audience', async () => {
        const { status, body } = await clientCredentials({ scope: `${server.url}/.default` }, { authorization: basicAuth(app.appId, app.secret) });
        assert.equal(status, 200, JSON.stringify(body));
        assert.equal(decodeJwt(body.access_token as string).aud, server.url);
        assert.equal((await server.oauth.verifyAccessToken(body.access_token as string)).kind, 'app');
      });

      it('openid-client v6 after discovery gets a token (client_secret_post)', async () => {
        const config = await oidc.discovery(new URL(server.url), app.appId, undefined, oidc.ClientSecretPost(app.secret), { execute: [oidc.allowInsecureRequests] });
        assert.equal(config.serverMetadata().token_endpoint, `${server.url}/oauth2/v2.0/token`);
        const tokens = await oidc.clientCredentialsGrant(config, { scope: GRAPH_DEFAULT });
        assert.equal((await server.oauth.verifyAccessToken(tokens.access_token)).kind, 'app');
      });

      it('refuses a wrong secret, another app’s secret, an unknown client and a missing secret with invalid_client', async () => {
        const forms: Record<string, string>[] = [
          { client_id: app.appId, client_secret: `${app.secret}x` },
          { client_id: app.appId, client_secret: other.secret },
          { client_id: randomUUID(), client_secret: app.secret },
          { client_id: 'not-a-uuid', client_secret: app.secret },
          { client_id: app.appId },
        ];
        for (const form of forms) {
          const { status, body } = await clientCredentials(form);
          assert.equal(status, 401, JSON.stringify(form));
          assert.equal(body.error, 'invalid_client');
        }
      });

      it('refuses a secret outside its validity window (expired or not yet valid)', async () => {
        const past = manualClock(new Date(Date.now() - 10 * DAY));
        const expired = await addPassword(dirDeps(ctx.db, past), admin, app.appId, { endDateTime: new Date(Date.now() - DAY).toISOString() });
        const future = manualClock(new Date(Date.now() + DAY));
        const notYet = await addPassword(dirDeps(ctx.db, future), admin, app.appId, { endDateTime: new Date(Date.now() + 5 * DAY).toISOString() });
        for (const secret of [expired.secretText, notYet.secretText]) {
          const { status, body } = await clientCredentials({ client_id: app.appId, client_secret: secret as string });
          assert.equal(status, 401);
          assert.equal(body.error, 'invalid_client');
        }
        // The app's current secret still works alongside them.
        assert.equal((await clientCredentials({ client_id: app.appId, client_secret: app.secret })).status, 200);
      });

      it('refuses an app without a service principal, and a disabled service principal (whose tokens also stop verifying)', async () => {
        const deps = dirDeps(ctx.db);
        const bare = await createApplication(deps, admin, { displayName: 'No SP' });
        const secret = await addPassword(deps, admin, bare.appId);
        assert.equal((await clientCredentials({ client_id: bare.appId, client_secret: secret.secretText as string })).body.error, 'invalid_client');

        const victim = await createTestApp(ctx.db, graphSp, 'To disable', ['User.Read.All']);
        const issued = await clientCredentials({ client_id: victim.appId, client_secret: victim.secret });
        assert.equal(issued.status, 200);
        await updateServicePrincipal(deps, admin, victim.servicePrincipalId, { accountEnabled: false });
        assert.equal((await clientCredentials({ client_id: victim.appId, client_secret: victim.secret })).body.error, 'invalid_client');
        await assert.rejects(server.oauth.verifyAccessToken(issued.body.access_token as string), { code: 'UNAUTHENTICATED', message: /disabled/ });
      });

      it('a revoked permission is gone from the next verification of an already issued token', async () => {
        const target = await createTestApp(ctx.db, graphSp, 'To revoke', ['User.Read.All', 'AuditLog.Read.All']);
        const { body } = await clientCredentials({ client_id: target.appId, client_secret: target.secret });
        const token = body.access_token as string;
        assert.ok((await server.oauth.verifyAccessToken(token)).permissions.has('AuditLog.Read.All'));
        const assignments = await listAppRoleAssignments(ctx.db as DirDb, target.servicePrincipalId);
        const audit = assignments.find((a) => a.appRoleId === 'b0afded3-3588-46d8-8b3d-9842eff778da');
        await revokeAppRole(dirDeps(ctx.db), admin, target.servicePrincipalId, audit?.id as string);
        const after = await server.oauth.verifyAccessToken(token);
        assert.ok(!after.permissions.has('AuditLog.Read.All'));
        assert.ok(after.permissions.has('User.Read.All'));
      });

      it('refuses scopes and resources of APIs Gatehouse does not serve', async () => {
        const scope = await clientCredentials({ client_id: app.appId, client_secret: app.secret, scope: 'https://management.azure.com/.default' });
        assert.equal(scope.body.error, 'invalid_scope');
        const resource = await clientCredentials({ client_id: app.appId, client_secret: app.secret, resource: 'https://management.azure.com' });
        assert.equal(resource.body.error, 'invalid_target');
      });

      it('refuses grant types the app is not registered for', async () => {
        const { body } = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: 'x', client_id: app.appId, client_secret: app.secret });
        assert.equal(body.error, 'invalid_request');
        assert.match(String(body.error_description), /grant type is not allowed/);
      });
    });

    describe('certificates (private_key_jwt)', () => {
      let certApp: TestApp;
      let certKeyId: string;
      before(async () => {
        certApp = await createTestApp(ctx.db, graphSp, 'Cert and secret', ['Directory.Read.All']);
        const deps = dirDeps(ctx.db);
        const { updateApplication, getApplication } = await import('#src/directory/index.ts');
        await updateApplication(deps, admin, certApp.appId, { keyCredentials: [{ key: CERT_A, displayName: 'a' }] });
        certKeyId = (await getApplication(ctx.db as DirDb, certApp.appId)).keyCredentials[0]?.keyId as string;
      });

      const assertionRequest = (clientAssertion: string, clientId = certApp.appId) =>
        clientCredentials({
          client_id: clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: clientAssertion,
        });

      it('accepts an MSAL-style assertion (x5t header, RS256 and PS256) from an app that also has a secret, and the secret still works', async () => {
        for (const alg of ['RS256', 'PS256'] as const) {
          const { status, body } = await assertionRequest(await msalAssertion(certApp.appId, `${server.url}/oauth2/v2.0/token`, CERT_A, KEY_A, alg));
          assert.equal(status, 200, JSON.stringify(body));
          const principal = await server.oauth.verifyAccessToken(body.access_token as string);
          assert.equal(principal.kind === 'app' && principal.appId, certApp.appId);
        }
        assert.equal((await clientCredentials({ client_id: certApp.appId, client_secret: certApp.secret })).status, 200);
      });

      it('accepts openid-client’s private_key_jwt naming the key by the credential keyId (kid)', async () => {
        const key = await importPKCS8(KEY_A, 'RS256');
        const config = await oidc.discovery(new URL(server.url), certApp.appId, undefined, oidc.PrivateKeyJwt({ key, kid: certKeyId }), {
          execute: [oidc.allowInsecureRequests],
        });
        const tokens = await oidc.clientCredentialsGrant(config, { scope: GRAPH_DEFAULT });
        assert.equal((await server.oauth.verifyAccessToken(tokens.access_token)).kind, 'app');
      });

      it('refuses an assertion signed by an unregistered certificate, a replayed assertion, and one for the wrong audience', async () => {
        const foreign = await assertionRequest(await msalAssertion(certApp.appId, `${server.url}/oauth2/v2.0/token`, CERT_B, KEY_B));
        assert.equal(foreign.body.error, 'invalid_client');
        // The right key but claiming the other certificate's thumbprint: no registered key matches.
        const mismatched = await assertionRequest(await msalAssertion(certApp.appId, `${server.url}/oauth2/v2.0/token`, CERT_B, KEY_A));
        assert.equal(mismatched.body.error, 'invalid_client');
        const assertion = await msalAssertion(certApp.appId, `${server.url}/oauth2/v2.0/token`, CERT_A, KEY_A);
        assert.equal((await assertionRequest(assertion)).status, 200);
        assert.equal((await assertionRequest(assertion)).body.error, 'invalid_client');
        const wrongAudience = await assertionRequest(await msalAssertion(certApp.appId, 'https://login.microsoftonline.com/x/oauth2/v2.0/token', CERT_A, KEY_A));
        assert.equal(wrongAudience.body.error, 'invalid_client');
      });

      it('refuses an assertion from an app without certificates', async () => {
        const { body } = await assertionRequest(await msalAssertion(app.appId, `${server.url}/oauth2/v2.0/token`, CERT_A, KEY_A), app.appId);
        assert.equal(body.error, 'invalid_client');
      });
    });

    describe('metadata', () => {
      it('publishes discovery under the issuer and MSAL’s tenant-scoped path, pinned to the public URL, with only safe grant and response types', async () => {
        const direct = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
        assert.equal(direct.issuer, server.url);
        assert.equal(direct.token_endpoint, `${server.url}/oauth2/v2.0/token`);
        assert.equal(direct.jwks_uri, `${server.url}/oauth2/v2.0/keys`);
        assert.equal(direct.authorization_endpoint, `${server.url}/oauth2/v2.0/authorize`);
        assert.equal(direct.device_authorization_endpoint, `${server.url}/oauth2/v2.0/devicecode`);
        assert.deepEqual(direct.response_types_supported, ['code']);
        assert.deepEqual(direct.code_challenge_methods_supported, ['S256']);
        assert.ok(!(direct.grant_types_supported as string[]).includes('implicit'));
        assert.ok(!(direct.token_endpoint_auth_methods_supported as string[]).includes('client_secret_jwt'));
        const forged = (await (
          await fetch(`${server.url}/.well-known/openid-configuration`, { headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } })
        ).json()) as Record<string, unknown>;
        assert.deepEqual(forged, direct, 'forwarded headers must not change the advertised endpoints');
        const viaTenant = (await (await fetch(`${server.url}/${tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
        assert.deepEqual(viaTenant, direct);
        assert.equal(server.oauth.handles('/v1.0/users'), false);
        assert.equal(server.oauth.handles('/oauth2/interaction/abc'), false);
      });

      it('under a public URL with a path, serves and advertises every route below that path', async () => {
        const { createOAuthServer } = await import('#src/auth/index.ts');
        const { authConfig } = await import('./fixtures.ts');
        const http = await import('node:http');
        let oauth: Awaited<ReturnType<typeof createOAuthServer>> | undefined;
        const proxy = http.createServer((req, res) => {
          const path = new URL(req.url ?? '/', 'http://x').pathname;
          if (oauth?.handles(path)) void oauth.callback(req, res);
          else res.writeHead(404).end();
        });
        await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
        const base = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
        try {
          oauth = await createOAuthServer({ db: ctx.db, clock: manualClock(new Date()), masterKey: server.masterKey, config: authConfig(`${base}/gh`) });
          assert.equal(oauth.handles('/gh/oauth2/v2.0/token'), true);
          assert.equal(oauth.handles('/oauth2/v2.0/token'), false);
          assert.deepEqual(oauth.pathPrefixes, ['/gh/oauth2/v2.0/', '/gh/.well-known/openid-configuration']);
          const discovery = (await (await fetch(`${base}/gh/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
          assert.equal(discovery.issuer, `${base}/gh`);
          assert.equal(discovery.token_endpoint, `${base}/gh/oauth2/v2.0/token`);
          const response = await fetch(`${base}/gh/oauth2/v2.0/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.appId, client_secret: app.secret, scope: GRAPH_DEFAULT }),
          });
          const body = (await response.json()) as { access_token: string };
          assert.equal(response.status, 200, JSON.stringify(body));
          assert.equal(decodeJwt(body.access_token).iss, `${base}/gh`);
          assert.equal((await oauth.verifyAccessToken(body.access_token)).kind, 'app');
          // A token of the server at the root is not one of this issuer's.
          const rootToken = await clientCredentials({ client_id: app.appId, client_secret: app.secret });
          await assert.rejects(oauth.verifyAccessToken(rootToken.body.access_token as string), { message: /not issued by this Gatehouse/ });
        } finally {
          proxy.closeAllConnections();
          await new Promise((resolve) => proxy.close(resolve));
        }
      });

      it('JWKS publishes public ES256 and EdDSA keys only', async () => {
        const response = await fetch(`${server.url}/oauth2/v2.0/keys`);
        const jwks = (await response.json()) as { keys: Record<string, unknown>[] };
        assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), ['ES256', 'EdDSA']);
        for (const key of jwks.keys) {
          for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(key[secret], undefined, `${secret} published`);
          assert.equal(key.use, 'sig');
          assert.ok(typeof key.kid === 'string');
        }
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      });
    });
  },
  [defaultBackend()],
);
