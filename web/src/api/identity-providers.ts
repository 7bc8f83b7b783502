/** Partner identity providers (OpenID Connect providers and SAML IdPs): shapes and hooks. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { seg, type ODataPage } from './odata.ts';

export const OIDC_TYPE = '#microsoft.graph.openIdConnectIdentityProvider';
export const SAML_TYPE = '#microsoft.graph.samlOrWsFedExternalDomainFederation';

/** Which claim of the partner's ID token carries each piece of the user's identity. */
export interface ClaimsMapping {
  userId: string;
  email: string;
  displayName: string;
  groups: string;
  amr: string;
}

export interface OidcIdentityProvider {
  '@odata.type': typeof OIDC_TYPE;
  id: string;
  displayName: string;
  /** The discovery base: `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Write-only: reads show "******" when one is set, never the value. */
  clientSecret: string | null;
  scope: string;
  claimsMapping: ClaimsMapping;
  domains: string[];
  tenantId: string | null;
  isEnabled: boolean;
}

export interface SamlIdentityProvider {
  '@odata.type': typeof SAML_TYPE;
  id: string;
  displayName: string;
  /** The IdP's entity id. */
  issuerUri: string;
  /** The IdP's single sign-on URL. */
  passiveSignInUri: string;
  metadataExchangeUri: string | null;
  /** Base64 DER of the IdP's signing certificate. */
  signingCertificate: string;
  preferredAuthenticationProtocol: 'saml';
  domains: { id: string }[];
  tenantId: string | null;
  isEnabled: boolean;
}

export type IdentityProvider = OidcIdentityProvider | SamlIdentityProvider;

/** What a POST or PATCH may send for an OIDC provider; a PATCH sends only what changed. */
export interface OidcIdentityProviderBody {
  '@odata.type': typeof OIDC_TYPE;
  displayName?: string;
  domains?: string[];
  issuer?: string;
  clientId?: string;
  /** Omitted on a PATCH to keep the stored secret. */
  clientSecret?: string;
  scope?: string;
  claimsMapping?: ClaimsMapping;
  tenantId?: string | null;
  isEnabled?: boolean;
}

/**
 * What a POST or PATCH may send for a SAML IdP. `metadataXml` (Gatehouse extension) or a `metadataExchangeUri`
 * without the three explicit fields makes the server read issuerUri, passiveSignInUri and signingCertificate from
 * the metadata.
 */
export interface SamlIdentityProviderBody {
  '@odata.type': typeof SAML_TYPE;
  displayName?: string;
  domains?: { id: string }[];
  issuerUri?: string;
  passiveSignInUri?: string;
  signingCertificate?: string;
  metadataExchangeUri?: string | null;
  metadataXml?: string;
  preferredAuthenticationProtocol?: 'saml';
  tenantId?: string | null;
  isEnabled?: boolean;
}

export type IdentityProviderBody = OidcIdentityProviderBody | SamlIdentityProviderBody;

export const isOidc = (provider: IdentityProvider): provider is OidcIdentityProvider => provider['@odata.type'] === OIDC_TYPE;

/** The domains a provider serves, as plain names whatever the shape. */
export const domainsOf = (provider: IdentityProvider): string[] =>
  isOidc(provider) ? provider.domains : provider.domains.map((d) => d.id);

/** The OIDC issuer or the SAML entity id: what partner settings and identity sources refer to. */
export const issuerOf = (provider: IdentityProvider): string => (isOidc(provider) ? provider.issuer : provider.issuerUri);

export const identityProviderKeys = {
  all: ['identityProviders'] as const,
};

const PATH = '/v1.0/identity/identityProviders';

/** All partner identity providers (few; the server does not page them). */
export function useIdentityProviders(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: identityProviderKeys.all,
    queryFn: ({ signal }) => api.get<ODataPage<IdentityProvider>>(PATH, { signal }),
    enabled,
  });
}

export function useCreateIdentityProvider() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: IdentityProviderBody) => api.request<IdentityProvider>('POST', PATH, { body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: identityProviderKeys.all }),
  });
}

export function useUpdateIdentityProvider() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: IdentityProviderBody }) =>
      api.request<void>('PATCH', `${PATH}/${seg(id)}`, { body: patch }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: identityProviderKeys.all }),
  });
}

export function useDeleteIdentityProvider() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.request<void>('DELETE', `${PATH}/${seg(id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: identityProviderKeys.all }),
  });
}
