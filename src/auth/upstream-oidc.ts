import * as client from 'openid-client';
import { authError } from './auth.errors.ts';
import { clientSecretOf, defaultClaimMapping, type ClaimMapping, type IdentityProviderRow } from './identity-providers.service.ts';

/**
 * Sign-in at a partner's OpenID provider with openid-client (authorization code + PKCE, state and nonce): every
 * check on the answer — issuer, audience, signature (non-repudiation checks on), nonce, expiry — is openid-client's. Discovery documents are
 * cached per provider version for 10 minutes.
 */
export interface UpstreamState {
  providerId: string;
  codeVerifier: string;
  state: string;
  nonce: string;
}

/** What the partner said about the user, mapped through the provider's claim mapping. */
export interface UpstreamIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  /** The provider said the address is verified (OIDC email_verified: true). */
  emailVerified: boolean;
  displayName: string | null;
  amr: string[];
  groups: string[];
  /** The partner tenant id when the token carries one (`tid`). */
  tenantId: string | null;
  /** The partner says the device is compliant (its device claim); trusted only per cross-tenant inboundTrust. */
  deviceCompliant: boolean;
}

export interface UpstreamOidc {
  begin(provider: IdentityProviderRow, redirectUri: string, loginHint: string | null): Promise<{ url: string; saved: UpstreamState }>;
  complete(provider: IdentityProviderRow, callbackUrl: URL, saved: UpstreamState): Promise<UpstreamIdentity>;
}

const CACHE_MS = 10 * 60_000;

export function createUpstreamOidc(deps: { masterKey: Buffer; allowLoopbackHttp: boolean }): UpstreamOidc {
  const cache = new Map<string, { at: number; config: client.Configuration }>();

  async function configOf(provider: IdentityProviderRow): Promise<client.Configuration> {
    const key = `${provider.id}:${provider.updated_at.getTime()}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.config;
    const insecure = deps.allowLoopbackHttp && new URL(provider.issuer).protocol === 'http:';
    let config: client.Configuration;
    try {
      // Non-repudiation: the ID token's signature is checked against the provider's JWKS even though it came
      // straight from the token endpoint (openid-client would otherwise rely on TLS alone).
      config = await client.discovery(new URL(provider.issuer), provider.client_id ?? '', clientSecretOf(deps, provider), undefined, {
        execute: insecure ? [client.allowInsecureRequests, client.enableNonRepudiationChecks] : [client.enableNonRepudiationChecks],
        timeout: 10,
      });
    } catch (error) {
      // The cause goes to the log of the caller, not to the person signing in (it could map the internal network).
      throw Object.assign(authError('FEDERATION_FAILED', `${provider.display_name} cannot be reached right now. Try again later.`), { cause: error });
    }
    for (const old of cache.keys()) if (old.startsWith(`${provider.id}:`)) cache.delete(old);
    cache.set(key, { at: Date.now(), config });
    return config;
  }

  return {
    async begin(provider, redirectUri, loginHint) {
      const config = await configOf(provider);
      const saved: UpstreamState = { providerId: provider.id, codeVerifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: provider.scopes.join(' '),
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(saved.codeVerifier),
        code_challenge_method: 'S256',
        state: saved.state,
        nonce: saved.nonce,
        ...(loginHint ? { login_hint: loginHint } : {}),
      });
      return { url: url.href, saved };
    },

    async complete(provider, callbackUrl, saved) {
      const config = await configOf(provider);
      let claims: Record<string, unknown>;
      try {
        const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: saved.codeVerifier, expectedState: saved.state, expectedNonce: saved.nonce, idTokenExpected: true });
        claims = (tokens.claims() ?? {}) as Record<string, unknown>;
      } catch (error) {
        const e = error as { code?: string; message?: string; error?: string; error_description?: string };
        const detail = e.error ? `${e.error}${e.error_description ? `: ${e.error_description}` : ''}` : (e.message ?? 'unknown error');
        throw authError('FEDERATION_FAILED', `The sign-in at ${provider.display_name} was not accepted: ${detail}.`);
      }
      return mapClaims(claims, { ...defaultClaimMapping(), ...(provider.claim_mapping as Partial<ClaimMapping>) });
    },
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : []);

/** The claims Gatehouse uses, through the provider's mapping; an email the provider says is unverified is dropped. */
/** The OIDC claim read for device compliance unless the provider's claimsMapping names another. */
export const DEVICE_COMPLIANT_CLAIM = 'device_compliant';

export function mapClaims(claims: Record<string, unknown>, mapping: ClaimMapping): UpstreamIdentity {
  const subject = text(claims[mapping.userId]) ?? text(claims.sub);
  if (!subject) throw authError('FEDERATION_FAILED', 'The identity provider did not say who signed in (no subject claim).');
  const email = claims.email_verified === false ? null : text(claims[mapping.email]);
  return {
    issuer: String(claims.iss),
    subject,
    email,
    emailVerified: claims.email_verified === true,
    displayName: text(claims[mapping.displayName]),
    amr: list(claims[mapping.amr]),
    groups: list(claims[mapping.groups]),
    tenantId: text(claims.tid),
    deviceCompliant: claims[mapping.deviceCompliant ?? DEVICE_COMPLIANT_CLAIM] === true || claims[mapping.deviceCompliant ?? DEVICE_COMPLIANT_CLAIM] === 'true',
  };
}
