import type { Selectable } from 'kysely';
import type { ApplicationCredentialTable, ApplicationTable, ServicePrincipalTable } from './directory.tables.ts';
import { GRAPH_APP_ID, permissions } from './permissions.ts';

export type ApplicationRow = Selectable<ApplicationTable>;
export type CredentialRow = Selectable<ApplicationCredentialTable>;
export type ServicePrincipalRow = Selectable<ServicePrincipalTable>;

export interface RequiredResourceAccess {
  resourceAppId: string;
  resourceAccess: { id: string; type: 'Role' | 'Scope' }[];
}

export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  hint: string | null;
  startDateTime: string;
  endDateTime: string;
  customKeyIdentifier: null;
  /** Only in the response that created it; never stored. */
  secretText: string | null;
}

export interface KeyCredential {
  keyId: string;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  /** Base64 of the certificate's SHA-1 thumbprint, as Entra reports it. */
  customKeyIdentifier: string | null;
  key: null;
}

export interface GraphApplication {
  id: string;
  appId: string;
  displayName: string;
  description: string | null;
  signInAudience: string;
  createdDateTime: string;
  requiredResourceAccess: RequiredResourceAccess[];
  /** Confidential sign-in (authorization code redeemed with the app's secret or certificate). The implicit grant is never enabled. */
  web: { redirectUris: string[]; homePageUrl: string | null; implicitGrantSettings: { enableIdTokenIssuance: false; enableAccessTokenIssuance: false } };
  /** Public native or desktop clients: no secret, PKCE; http on a loopback host matches any port (RFC 8252). */
  publicClient: { redirectUris: string[] };
  /** Public browser (single-page) clients: no secret, PKCE; the token endpoint answers their origin (CORS). */
  spa: { redirectUris: string[] };
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
}

export function toPasswordCredential(row: CredentialRow, secretText: string | null = null): PasswordCredential {
  return {
    keyId: row.key_id,
    displayName: row.display_name,
    hint: row.hint,
    startDateTime: row.start_at.toISOString(),
    endDateTime: row.end_at.toISOString(),
    customKeyIdentifier: null,
    secretText,
  };
}

export function toGraphApplication(row: ApplicationRow, credentials: CredentialRow[]): GraphApplication {
  return {
    id: row.id,
    appId: row.app_id,
    displayName: row.display_name,
    description: row.description,
    signInAudience: row.sign_in_audience,
    createdDateTime: row.created_at.toISOString(),
    requiredResourceAccess: row.required_resource_access as RequiredResourceAccess[],
    web: {
      redirectUris: row.web_redirect_uris,
      homePageUrl: row.web_home_page_url,
      implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false },
    },
    publicClient: { redirectUris: row.public_client_redirect_uris },
    spa: { redirectUris: row.spa_redirect_uris },
    passwordCredentials: credentials.filter((c) => c.kind === 'password').map((c) => toPasswordCredential(c)),
    keyCredentials: credentials
      .filter((c) => c.kind === 'certificate')
      .map((c) => ({
        keyId: c.key_id,
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
        displayName: c.display_name,
        startDateTime: c.start_at.toISOString(),
        endDateTime: c.end_at.toISOString(),
        customKeyIdentifier: c.thumbprint,
        key: null,
      })),
  };
}

/** The Graph-compatible API's own app roles: one per application permission. */
export const graphAppRoles = Object.entries(permissions).map(([value, p]) => ({
  id: p.id,
  value,
  displayName: p.description,
  description: p.description,
  allowedMemberTypes: ['Application'],
  isEnabled: true,
  origin: 'Application',
}));

export interface GraphServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  servicePrincipalType: string;
  createdDateTime: string;
  appRoles: typeof graphAppRoles;
}

export function toGraphServicePrincipal(row: ServicePrincipalRow): GraphServicePrincipal {
  return {
    id: row.id,
    appId: row.app_id,
    displayName: row.display_name,
    accountEnabled: row.account_enabled,
    servicePrincipalType: row.service_principal_type,
    createdDateTime: row.created_at.toISOString(),
    appRoles: row.app_id === GRAPH_APP_ID ? graphAppRoles : [],
  };
}
