import { X509Certificate, createHash } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import type { Adapter, AdapterPayload, ProviderContext } from 'oidc-provider';
import { constantTimeEqual, sha256Hex } from '#src/core/crypto.ts';
import { LOOPBACK_HOSTS, findClient, type ClientRecord, type DirDb, type Permission } from '#src/directory/index.ts';

/**
 * OAuth clients. Registered applications are not copied into the provider: on every request their metadata is
 * built from the directory (`findClient`, client_id = appId), so a removed secret or redirect URI, a disabled
 * service principal or a revoked permission takes effect on the next request. Applications with redirect URIs are
 * OpenID Connect relying parties (authorization code + PKCE). The built-in public client `gatehouse-cli` is static.
 */
export const GATEHOUSE_CLI_CLIENT_ID = 'gatehouse-cli';

/** The `gatehouse` CLI: public (no secret), device flow or authorization code + PKCE on a loopback redirect. */
export const cliClientMetadata = {
  client_id: GATEHOUSE_CLI_CLIENT_ID,
  client_name: 'Gatehouse CLI',
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'authorization_code', 'refresh_token'],
  response_types: ['code'],
  // Native clients may use any port on a loopback redirect (RFC 8252 §7.3); the path must match exactly.
  redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback', 'http://[::1]/callback'],
} as const;

/** What Gatehouse attaches to an application client (extra client metadata `gatehouse`), read per request. */
export interface AppClientInfo {
  servicePrincipalId: string;
  appId: string;
  displayName: string;
  /** Application permissions granted (appRoleAssignments), for the token's `roles`. */
  roles: Permission[];
  /** SHA-256 hex of the client secrets inside their validity window. */
  secretHashes: string[];
  /** Origins of the app's spa redirect URIs: browsers there may call the token endpoint (CORS). */
  corsOrigins: string[];
}

const within = (now: Date, from: Date, to: Date): boolean => from.getTime() <= now.getTime() && now.getTime() < to.getTime();

const b64url = (buffer: Buffer): string => buffer.toString('base64url');

interface AssertionHeader {
  kid?: string;
  x5t?: string;
  'x5t#S256'?: string;
}

function assertionHeader(ctx: ProviderContext | undefined): AssertionHeader | undefined {
  const assertion: unknown = ctx?.oidc?.params?.client_assertion;
  if (typeof assertion !== 'string') return undefined;
  try {
    return decodeProtectedHeader(assertion) as AssertionHeader;
  } catch {
    return {};
  }
}

/**
 * Public JWKs of the certificates that may have signed this client assertion. MSAL names the certificate by its
 * SHA-1 thumbprint in `x5t` (no `kid`); other clients send `x5t#S256` or a `kid` (matched against the credential's
 * keyId or thumbprint). The keys carry the assertion's kid so the provider's key selection finds them.
 */
function certificateJwks(record: ClientRecord, now: Date, header: AssertionHeader): Record<string, unknown>[] {
  const keys: Record<string, unknown>[] = [];
  for (const credential of record.certificates) {
    if (!within(now, credential.notBefore, credential.notAfter)) continue;
    const cert = new X509Certificate(credential.pem);
    const x5t = b64url(createHash('sha1').update(cert.raw).digest());
    const x5tS256 = b64url(createHash('sha256').update(cert.raw).digest());
    const matches =
      header.x5t !== undefined || header['x5t#S256'] !== undefined
        ? header.x5t === x5t || header['x5t#S256'] === x5tS256
        : header.kid === undefined || [credential.keyId, credential.thumbprint, x5t, x5tS256].includes(header.kid);
    if (!matches) continue;
    const jwk = cert.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
    keys.push({ ...jwk, use: 'sig', ...(header.kid === undefined ? {} : { kid: header.kid }) });
  }
  return keys;
}

/** Endpoints where the client authenticates; elsewhere (authorize, resume, userinfo) no credential is ever sent. */
const CLIENT_AUTH_ROUTES = new Set(['token', 'revocation', 'introspection', 'device_authorization', 'pushed_authorization_request', 'backchannel_authentication']);

function presentsCredentials(ctx: ProviderContext | undefined): boolean {
  if (!ctx || !CLIENT_AUTH_ROUTES.has(String(ctx.oidc?.route))) return false;
  const params = ctx.oidc?.params as Record<string, unknown> | undefined;
  return Boolean(ctx.headers?.authorization || params?.client_secret || params?.client_assertion);
}

/**
 * oidc-provider's application_type: `native` lets a loopback http redirect match on any port (RFC 8252 §7.3), which
 * desktop apps need; it forbids https on a loopback host, which a spa registration may use — such apps are `web`.
 */
function publicApplicationType(record: ClientRecord): 'native' | 'web' {
  if (record.publicClientRedirectUris.length === 0) return 'web';
  const nativeOk = (uri: string): boolean => {
    const url = new URL(uri);
    return url.protocol === 'http:' ? LOOPBACK_HOSTS.has(url.hostname) : !LOOPBACK_HOSTS.has(url.hostname);
  };
  return [...record.publicClientRedirectUris, ...record.spaRedirectUris].every(nativeOk) ? 'native' : 'web';
}

/**
 * Client metadata for an application, or undefined (-> invalid_client) when it does not exist, has no service
 * principal, or its service principal is disabled. The metadata is chosen per request:
 *
 * - a public app (publicClient / spa redirect URIs; applications.redirects.ts keeps those apart from web ones)
 *   signs users in with `token_endpoint_auth_method: none` and PKCE wherever no credential is presented;
 * - a request carrying a client assertion gets `private_key_jwt` with the app's certificates, any other credential
 *   `client_secret_basic` (which also admits client_secret_post); a confidential app's authorization code and
 *   refresh tokens are therefore only redeemed with its secret or certificate.
 *
 * Every app keeps client credentials; an app with redirect URIs also gets authorization_code and refresh_token.
 */
export async function applicationClientMetadata(
  db: DirDb,
  appId: string,
  ctx: ProviderContext | undefined,
  unusableSecret: string,
): Promise<AdapterPayload | undefined> {
  const record = await findClient(db, appId);
  if (!record || !record.servicePrincipalId || !record.enabled) return undefined;
  const now = new Date();
  const publicUris = [...record.publicClientRedirectUris, ...record.spaRedirectUris];
  const info: AppClientInfo = {
    servicePrincipalId: record.servicePrincipalId,
    appId: record.appId,
    displayName: record.displayName,
    roles: record.permissions,
    secretHashes: record.secrets.filter((s) => within(now, s.notBefore, s.notAfter)).map((s) => s.hash),
    corsOrigins: [...new Set(record.spaRedirectUris.map((uri) => new URL(uri).origin))],
  };
  const base = { client_id: record.appId, client_name: record.displayName, gatehouse: info };
  if (publicUris.length > 0 && !presentsCredentials(ctx)) {
    return {
      ...base,
      application_type: publicApplicationType(record),
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: publicUris,
    };
  }
  const redirectUris = record.redirectUris.length > 0 ? record.redirectUris : publicUris;
  const confidential = {
    ...base,
    application_type: record.redirectUris.length > 0 ? 'web' : publicApplicationType(record),
    grant_types: redirectUris.length > 0 ? ['client_credentials', 'authorization_code', 'refresh_token'] : ['client_credentials'],
    response_types: redirectUris.length > 0 ? ['code'] : [],
    redirect_uris: redirectUris,
  };
  const header = assertionHeader(ctx);
  if (header) {
    const keys = certificateJwks(record, now, header);
    if (keys.length > 0) return { ...confidential, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys } };
  }
  // The provider's schema wants a client_secret for secret-based methods; it is never compared (see
  // compareHashedClientSecret) and is random per process, so it cannot be guessed or used.
  return { ...confidential, token_endpoint_auth_method: 'client_secret_basic', client_secret: unusableSecret };
}

/** clientBasedCORS: a single-page app may call the token endpoint from the origin of one of its spa redirect URIs. */
export function corsAllowed(origin: string, client: { gatehouse?: AppClientInfo } | undefined): boolean {
  return client?.gatehouse?.corsOrigins.includes(origin) ?? false;
}

/**
 * Replacement for the provider's `Client.prototype.compareClientSecret`: secrets are stored only as SHA-256
 * hashes, so hash the presented one and compare it, in constant time, against every secret of the app that is
 * inside its validity window.
 */
export function compareHashedClientSecret(this: { gatehouse?: AppClientInfo }, presented: string): boolean {
  const hashes = this.gatehouse?.secretHashes ?? [];
  const candidate = sha256Hex(presented);
  let matched = false;
  for (const hash of hashes) matched = constantTimeEqual(hash, candidate) || matched;
  return matched;
}

/** The Client model's adapter: reads the directory; registration is off, so writes never happen. */
export function clientAdapter(db: DirDb, unusableSecret: string, currentContext: () => ProviderContext | undefined): Adapter {
  const readOnly = async (): Promise<never> => {
    throw new Error('OAuth clients are managed through the directory, not the provider');
  };
  return {
    find: (id) => applicationClientMetadata(db, id, currentContext(), unusableSecret),
    upsert: readOnly,
    destroy: readOnly,
    consume: readOnly,
    revokeByGrantId: readOnly,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
  };
}
