import { SAML, ValidateInResponseTo, type CacheProvider, type Profile } from '@node-saml/node-saml';
import { authError } from './auth.errors.ts';
import type { IdentityProviderRow } from './identity-providers.service.ts';
import type { UpstreamIdentity } from './upstream-oidc.ts';

/**
 * Sign-in at a partner's SAML IdP with @node-saml/node-saml: an AuthnRequest over HTTP-Redirect, and a response
 * POSTed back that must be signed by the IdP's certificate (assertion signature required), issued by its entity
 * id, addressed to Gatehouse (audience), in response to this very request (InResponseTo), and current.
 */
export interface SamlState {
  providerId: string;
  requestId: string;
  issuedAt: string;
}

export interface UpstreamSaml {
  begin(provider: IdentityProviderRow, relayState: string): Promise<{ url: string; saved: SamlState }>;
  complete(provider: IdentityProviderRow, samlResponse: string, saved: SamlState): Promise<UpstreamIdentity>;
  /** Gatehouse's SAML service provider entity id and assertion consumer URL (for the partner's IdP setup). */
  readonly entityId: string;
  readonly acsUrl: string;
}

export const SAML_ACS_PATH = '/portal/api/federation/saml/acs';

/** One request id per flow: node-saml's cache is filled from (and read back into) the flow row. */
function flowCache(seed?: SamlState): CacheProvider & { saved?: { key: string; value: string } } {
  const entries = new Map<string, string>(seed ? [[seed.requestId, seed.issuedAt]] : []);
  const cache: CacheProvider & { saved?: { key: string; value: string } } = {
    async saveAsync(key, value) {
      entries.set(key, value);
      cache.saved = { key, value };
      return { value, createdAt: Date.now() };
    },
    async getAsync(key) {
      return entries.get(key) ?? null;
    },
    async removeAsync(key) {
      if (key === null) return null;
      const value = entries.get(key) ?? null;
      entries.delete(key);
      return value;
    },
  };
  return cache;
}

export function createUpstreamSaml(deps: { publicUrl: string }): UpstreamSaml {
  const entityId = `${deps.publicUrl}/saml/sp`;
  const acsUrl = `${deps.publicUrl}${SAML_ACS_PATH}`;

  const clientFor = (provider: IdentityProviderRow, cache: CacheProvider) =>
    new SAML({
      entryPoint: provider.saml_sso_url ?? '',
      issuer: entityId,
      callbackUrl: acsUrl,
      idpCert: provider.saml_certificates,
      idpIssuer: provider.issuer,
      audience: entityId,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: 60 * 60_000,
      acceptedClockSkewMs: 60_000,
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      cacheProvider: cache,
    });

  return {
    entityId,
    acsUrl,
    async begin(provider, relayState) {
      const cache = flowCache();
      const url = await clientFor(provider, cache).getAuthorizeUrlAsync(relayState, undefined, {});
      if (!cache.saved) throw new Error('node-saml did not record the request id');
      return { url, saved: { providerId: provider.id, requestId: cache.saved.key, issuedAt: cache.saved.value } };
    },
    async complete(provider, samlResponse, saved) {
      let profile: Profile | null;
      try {
        ({ profile } = await clientFor(provider, flowCache(saved)).validatePostResponseAsync({ SAMLResponse: samlResponse }));
      } catch (error) {
        throw authError('FEDERATION_FAILED', `The sign-in at ${provider.display_name} was not accepted: ${(error as Error).message.split('\n')[0]}.`);
      }
      if (!profile) throw authError('FEDERATION_FAILED', `${provider.display_name} sent no assertion.`);
      return samlIdentity(profile);
    },
  };
}

const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/';
const first = (value: unknown): string | null => {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && v.trim() ? v.trim() : null;
};
const all = (value: unknown): string[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]).filter((v): v is string => typeof v === 'string');

/** The attributes Gatehouse uses, under their common names (Entra/ADFS claim URIs, LDAP OIDs or short names). */
export function samlIdentity(profile: Profile): UpstreamIdentity {
  const p = profile as Record<string, unknown>;
  const emailFormat = profile.nameIDFormat === 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
  const email = first(p.email) ?? first(p.mail) ?? first(p[`${CLAIMS}emailaddress`]) ?? first(p['urn:oid:0.9.2342.19200300.100.1.3']) ?? (emailFormat ? profile.nameID : null);
  return {
    issuer: profile.issuer,
    subject: profile.nameID,
    email,
    emailVerified: false,
    displayName: first(p.displayName) ?? first(p.name) ?? first(p['http://schemas.microsoft.com/identity/claims/displayname']) ?? first(p[`${CLAIMS}name`]),
    amr: all(p.amr ?? p['http://schemas.microsoft.com/claims/authnmethodsreferences']),
    groups: all(p.groups ?? p['http://schemas.microsoft.com/ws/2008/06/identity/claims/groups']),
    tenantId: first(p['http://schemas.microsoft.com/identity/claims/tenantid']),
    // AD FS / Entra device context claim.
    deviceCompliant: first(p['http://schemas.microsoft.com/ws/2012/01/devicecontext/claims/iscompliant'])?.toLowerCase() === 'true',
  };
}

