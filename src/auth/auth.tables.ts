import type { ColumnType } from 'kysely';
import type { Db } from '#src/store/index.ts';

/** Row types of the tables the auth module owns (schema in src/store/migrations). */
export interface SigningKeyTable {
  kid: string;
  use: string;
  alg: string;
  public_jwk: Record<string, unknown>;
  sealed_private_key: string;
  created_at: Date;
  retired_at: Date | null;
}

export interface BrowserSessionTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  ip_address: string | null;
  user_agent: string | null;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  /** How the user authenticated (sign-in pipeline). */
  amr: ColumnType<string[], string[] | undefined, string[]>;
  authenticated_at: Date | null;
  /** Conditional Access sign-in frequency: the session ends here. */
  reauthenticate_at: Date | null;
  application_id: string | null;
}

export interface OneTimeTokenTable {
  token_hash: string;
  user_id: string;
  purpose: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export interface OidcPayloadTable {
  model: string;
  id: string;
  payload: Record<string, unknown> | string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: Date | null;
  consumed_at: Date | null;
}

export interface SignInThrottleTable {
  key: string;
  failures: number;
  window_started_at: Date;
  locked_until: Date | null;
}

export interface RedemptionFlowTable {
  id_hash: string;
  invitation_id: string | null;
  method: 'emailOtp' | 'oidc' | 'saml' | null;
  verified_issuer: string | null;
  verified_subject: string | null;
  verified_email: string | null;
  federation_state: unknown;
  otp_hash: string | null;
  otp_expires_at: Date | null;
  otp_attempts: number;
  otp_sends: number;
  otp_last_sent_at: Date | null;
  consented_at: Date | null;
  created_at: Date;
  expires_at: Date;
  purpose: ColumnType<'redeem' | 'signIn', 'redeem' | 'signIn' | undefined, never>;
  user_id: string | null;
  verified_claims: ColumnType<FederatedClaims | null, string | null, string | null>;
  federation_error: string | null;
}

/** What a partner identity provider said about the user, kept for the policy checks that follow. */
export interface FederatedClaims {
  providerId: string;
  partner: string | null;
  amr: string[];
  groups: string[];
  displayName: string | null;
  /** The partner's device compliance claim (absent in flows recorded before it was read). */
  deviceCompliant?: boolean;
}

export interface IdentityProviderTable {
  id: string;
  kind: 'oidc' | 'saml';
  display_name: string;
  domains: string[];
  tenant_id: string | null;
  issuer: string;
  client_id: string | null;
  sealed_client_secret: string | null;
  scopes: string[];
  claim_mapping: ColumnType<Record<string, string>, string, string>;
  saml_sso_url: string | null;
  saml_metadata_url: string | null;
  saml_certificates: string[];
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface AuthTables {
  identity_providers: IdentityProviderTable;
  redemption_flows: RedemptionFlowTable;
  signing_key: SigningKeyTable;
  browser_sessions: BrowserSessionTable;
  one_time_tokens: OneTimeTokenTable;
  oidc_payloads: OidcPayloadTable;
  sign_in_throttle: SignInThrottleTable;
}

/** The database as the auth module sees it: its own tables, typed. */
export type AuthDb = Db<AuthTables>;
