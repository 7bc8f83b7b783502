import { X509Certificate, createHash } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import type { Adapter, AdapterPayload, ProviderContext } from 'oidc-provider';
import { constantTimeEqual, sha256Hex } from '#src/core/crypto.ts';
import { findClient, type ClientRecord, type DirDb, type Permission } from '#src/directory/index.ts';

/**
 * OAuth clients. Registered applications are not copied into the provider: on every request their metadata is
 * built from the directory (`findClient`, client_id = appId), so a removed secret, a disabled service principal or
 * a revoked permission takes effect on the next token request. The built-in public client `gatehouse-cli` is
 * static.
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
}

const within = (now: Date, from: Date, to: Date): boolean => from.getTime() <= now.getTime() && now.getTime() < to.getTime();

const b64url = (buffer: Buffer): string => buffer.toString('base64url');

interface AssertionHeader {
  kid?: string;
  x5t?: string;
  'x5t#S256'?: string;
}

function assertionHeader(ctx: ProviderContext): AssertionHeader | undefined {
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

/**
 * Client metadata for an application, or undefined (-> invalid_client) when it does not exist, has no service
 * principal, or its service principal is disabled. An app may hold secrets and certificates at once; the
 * provider accepts one authentication method per client, so the method is chosen per request: a request that
 * carries a client assertion gets `private_key_jwt` with the app's certificates, any other `client_secret_basic`
 * (which also admits client_secret_post).
 */
export async function applicationClientMetadata(
  db: DirDb,
  appId: string,
  ctx: ProviderContext,
  unusableSecret: string,
): Promise<AdapterPayload | undefined> {
  const record = await findClient(db, appId);
  if (!record || !record.servicePrincipalId || !record.enabled) return undefined;
  const now = new Date();
  const info: AppClientInfo = {
    servicePrincipalId: record.servicePrincipalId,
    appId: record.appId,
    displayName: record.displayName,
    roles: record.permissions,
    secretHashes: record.secrets.filter((s) => within(now, s.notBefore, s.notAfter)).map((s) => s.hash),
  };
  const base = {
    client_id: record.appId,
    client_name: record.displayName,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    gatehouse: info,
  };
  const header = assertionHeader(ctx);
  if (header) {
    const keys = certificateJwks(record, now, header);
    if (keys.length > 0) return { ...base, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys } };
  }
  // The provider's schema wants a client_secret for secret-based methods; it is never compared (see
  // compareHashedClientSecret) and is random per process, so it cannot be guessed or used.
  return { ...base, token_endpoint_auth_method: 'client_secret_basic', client_secret: unusableSecret };
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
export function clientAdapter(db: DirDb, unusableSecret: string, currentContext: () => ProviderContext): Adapter {
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
