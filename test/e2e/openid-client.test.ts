import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * Gatehouse as an OAuth 2.0 / OpenID Connect server for a standard relying-party library (openid-client v6):
 * discovery, client credentials, and tokens any JOSE library verifies from the published JWKS alone.
 */

const GRAPH = 'https://graph.microsoft.com';
/** JWK members that only private (or symmetric) keys have. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

interface GatehouseClaims extends JWTPayload {
  roles?: string[];
  tid?: string;
  azp?: string;
  appid?: string;
  oid?: string;
  idtyp?: string;
  scp?: string;
}

describe('openid-client and jose against the Gatehouse authorization server', () => {
  let gh: TestGatehouse;
  let app: { clientId: string; clientSecret: string };
  let config: oidc.Configuration;
  // http on localhost: openid-client refuses plain http unless told otherwise.
  const insecure = { execute: [oidc.allowInsecureRequests] };

  before(async () => {
    gh = await startTestGatehouse();
    app = await gh.registerApp(['User.Read.All', 'Group.Read.All']);
    config = await oidc.discovery(new URL(gh.url), app.clientId, app.clientSecret, undefined, insecure);
  });
  after(async () => {
    await gh?.stop();
  });

  it('publishes discovery metadata whose issuer is the public URL', () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, gh.url);
    assert.equal(metadata.token_endpoint, `${gh.url}/oauth2/v2.0/token`);
    assert.equal(metadata.jwks_uri, `${gh.url}/oauth2/v2.0/keys`);
    assert.ok(metadata.grant_types_supported?.includes('client_credentials'), JSON.stringify(metadata.grant_types_supported));
    assert.ok(metadata.token_endpoint_auth_methods_supported?.includes('client_secret_post'));
    assert.ok(metadata.token_endpoint_auth_methods_supported?.includes('client_secret_basic'));
  });

  it('publishes only public keys in the JWKS', async () => {
    const jwksUri = config.serverMetadata().jwks_uri;
    assert.ok(jwksUri);
    const response = await fetch(jwksUri);
    assert.equal(response.status, 200);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      assert.ok(typeof key.kid === 'string' && key.kid !== '', 'every key has a kid');
      for (const member of PRIVATE_MEMBERS) assert.equal(key[member], undefined, `key ${String(key.kid)} exposes '${member}'`);
    }
    assert.ok(keys.some((k) => k.kty === 'EC' && k.crv === 'P-256'), 'an ES256 key is published');
  });

  it('issues a client-credentials token for Graph that verifies against the JWKS with Entra-shaped app claims', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, { scope: `${GRAPH}/.default` });
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok((tokens.expiresIn() ?? 0) > 60, 'the token lives longer than a minute');
    assert.equal(tokens.refresh_token, undefined, 'client credentials never yield a refresh token');

    const header = decodeProtectedHeader(tokens.access_token);
    assert.equal(header.alg, 'ES256');

    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string));
    const { payload } = await jwtVerify<GatehouseClaims>(tokens.access_token, jwks, { issuer: gh.url, audience: GRAPH });
    assert.equal(payload.aud, GRAPH);
    assert.equal(payload.idtyp, 'app');
    assert.equal(payload.azp, app.clientId);
    assert.equal(payload.appid, app.clientId);
    assert.equal(payload.tid, gh.gatehouse.bootstrap.tenant.id);
    assert.deepEqual([...(payload.roles ?? [])].sort(), ['Group.Read.All', 'User.Read.All']);
    assert.equal(payload.scp, undefined, 'app tokens carry roles, not scp');
    assert.equal(payload.sub, payload.oid);
    assert.ok(typeof payload.exp === 'number' && typeof payload.iat === 'number' && payload.exp > payload.iat);

    // The service principal is the token's subject, as in Entra.
    const sp = await fetch(`${gh.url}/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${app.clientId}'`)}`, {
      headers: { authorization: `Bearer ${await gh.appToken(['Application.ReadWrite.All'])}` },
    });
    const [servicePrincipal] = ((await sp.json()) as { value: { id: string }[] }).value;
    assert.equal(payload.oid, servicePrincipal?.id);

    // And the API accepts it.
    const users = await fetch(`${gh.url}/v1.0/users`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(users.status, 200);
  });

  it('issues a token for the public URL as audience when that resource is asked for, with client_secret_basic', async () => {
    const basic = await oidc.discovery(new URL(gh.url), app.clientId, undefined, oidc.ClientSecretBasic(app.clientSecret), insecure);
    const tokens = await oidc.clientCredentialsGrant(basic, { scope: `${gh.url}/.default` });
    const jwks = createRemoteJWKSet(new URL(basic.serverMetadata().jwks_uri as string));
    const { payload } = await jwtVerify<GatehouseClaims>(tokens.access_token, jwks, { issuer: gh.url, audience: gh.url });
    assert.equal(payload.aud, gh.url);
    assert.equal(payload.idtyp, 'app');
    await assert.rejects(jwtVerify(tokens.access_token, jwks, { issuer: gh.url, audience: GRAPH }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    const users = await fetch(`${gh.url}/v1.0/users`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(users.status, 200);
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const wrong = await oidc.discovery(new URL(gh.url), app.clientId, 'not-the-secret', undefined, insecure);
    await assert.rejects(oidc.clientCredentialsGrant(wrong, { scope: `${GRAPH}/.default` }), (error: unknown) => {
      assert.ok(error instanceof oidc.ResponseBodyError, String(error));
      assert.equal(error.error, 'invalid_client');
      assert.equal(error.status, 401);
      return true;
    });
  });

  it('refuses a scope for an API Gatehouse does not serve with invalid_scope', async () => {
    await assert.rejects(oidc.clientCredentialsGrant(config, { scope: 'https://management.azure.com/.default' }), (error: unknown) => {
      assert.ok(error instanceof oidc.ResponseBodyError, String(error));
      assert.equal(error.error, 'invalid_scope');
      assert.match(error.error_description ?? '', /graph\.microsoft\.com\/\.default/);
      return true;
    });
  });
});
