/**
 * The identity provider form's state and how it becomes a request: a whole body for "Add", only the changed
 * fields for "Save". Pure functions, so the rules (secret kept when left empty, metadata instead of fields) live
 * in one place.
 */
import {
  OIDC_TYPE,
  SAML_TYPE,
  domainsOf,
  isOidc,
  type ClaimsMapping,
  type IdentityProvider,
  type IdentityProviderBody,
} from '../api/identity-providers.ts';

export type Protocol = 'oidc' | 'saml';

/** Where a SAML IdP's entity id, sign-in URL and certificate come from. */
export type SamlSource = 'xml' | 'url' | 'manual';

export interface ProviderFormValues {
  protocol: Protocol;
  displayName: string;
  domains: string[];
  tenantId: string;
  isEnabled: boolean;
  issuer: string;
  clientId: string;
  /** Empty on edit means "keep the stored secret". */
  clientSecret: string;
  scope: string;
  claims: ClaimsMapping;
  samlSource: SamlSource;
  metadataXml: string;
  metadataUrl: string;
  entityId: string;
  signInUrl: string;
  certificate: string;
}

export const DEFAULT_SCOPE = 'openid email profile';
export const defaultClaims = (): ClaimsMapping => ({ userId: 'sub', email: 'email', displayName: 'name', groups: 'groups', amr: 'amr' });

/** The form's starting point: empty for a new provider, the stored settings for an existing one. */
export function valuesOf(provider: IdentityProvider | null): ProviderFormValues {
  const empty: ProviderFormValues = {
    protocol: 'oidc',
    displayName: '',
    domains: [],
    tenantId: '',
    isEnabled: true,
    issuer: '',
    clientId: '',
    clientSecret: '',
    scope: DEFAULT_SCOPE,
    claims: defaultClaims(),
    samlSource: 'xml',
    metadataXml: '',
    metadataUrl: '',
    entityId: '',
    signInUrl: '',
    certificate: '',
  };
  if (!provider) return empty;
  const common = {
    ...empty,
    displayName: provider.displayName,
    domains: domainsOf(provider),
    tenantId: provider.tenantId ?? '',
    isEnabled: provider.isEnabled,
  };
  if (isOidc(provider)) {
    return {
      ...common,
      issuer: provider.issuer,
      clientId: provider.clientId,
      scope: provider.scope,
      claims: { ...defaultClaims(), ...provider.claimsMapping },
    };
  }
  // An existing IdP opens on its fields; choosing the XML or URL source replaces them from metadata.
  return {
    ...common,
    protocol: 'saml',
    samlSource: 'manual',
    metadataUrl: provider.metadataExchangeUri ?? '',
    entityId: provider.issuerUri,
    signInUrl: provider.passiveSignInUri,
    certificate: provider.signingCertificate,
  };
}

/** Every field the values stand for, for the chosen protocol and SAML source (the secret only when typed). */
function fieldsOf(values: ProviderFormValues): Record<string, unknown> {
  const common = {
    displayName: values.displayName.trim(),
    tenantId: values.tenantId.trim() || null,
    isEnabled: values.isEnabled,
  };
  if (values.protocol === 'oidc') {
    return {
      ...common,
      domains: values.domains,
      issuer: values.issuer.trim(),
      clientId: values.clientId.trim(),
      ...(values.clientSecret ? { clientSecret: values.clientSecret } : {}),
      scope: values.scope.trim().split(/\s+/).filter(Boolean).join(' '),
      claimsMapping: trimClaims(values.claims),
    };
  }
  const saml = { ...common, domains: values.domains.map((id) => ({ id })), preferredAuthenticationProtocol: 'saml' };
  switch (values.samlSource) {
    case 'xml':
      return { ...saml, metadataXml: values.metadataXml };
    case 'url':
      // Without the three explicit fields the server fetches the document and takes them from it.
      return { ...saml, metadataExchangeUri: values.metadataUrl.trim() };
    case 'manual':
      return {
        ...saml,
        issuerUri: values.entityId.trim(),
        passiveSignInUri: values.signInUrl.trim(),
        signingCertificate: values.certificate.trim(),
      };
  }
}

function trimClaims(claims: ClaimsMapping): ClaimsMapping {
  return {
    userId: claims.userId.trim(),
    email: claims.email.trim(),
    displayName: claims.displayName.trim(),
    groups: claims.groups.trim(),
    amr: claims.amr.trim(),
  };
}

const typeOf = (protocol: Protocol) => (protocol === 'oidc' ? OIDC_TYPE : SAML_TYPE);

/** The POST body for a new provider. */
export function createBody(values: ProviderFormValues): IdentityProviderBody {
  return { '@odata.type': typeOf(values.protocol), ...fieldsOf(values) } as IdentityProviderBody;
}

/**
 * The PATCH body: the fields that differ from what was loaded. The type always travels, since the server reads
 * SAML metadata only for a body that says it is SAML.
 */
export function patchBody(initial: ProviderFormValues, values: ProviderFormValues): IdentityProviderBody | null {
  const before = fieldsOf(initial);
  const after = fieldsOf(values);
  const changed = Object.entries(after).filter(([key, value]) => JSON.stringify(before[key]) !== JSON.stringify(value));
  if (changed.length === 0) return null;
  return { '@odata.type': typeOf(values.protocol), ...Object.fromEntries(changed) } as IdentityProviderBody;
}
