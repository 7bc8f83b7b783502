import type { ColumnType } from 'kysely';
import type { Db } from '#src/store/index.ts';

/** Row types of the MFA tables (schema in src/store/migrations/20261122T1500_mfa_methods.ts). */
export interface MfaMethodTable {
  id: string;
  user_id: string;
  kind: 'softwareOath' | 'fido2';
  display_name: string;
  created_at: Date;
  last_used_at: Date | null;
  /** TOTP secret, sealed with the master key (context bound to the user). */
  sealed_secret: string | null;
  last_time_step: number | null;
  /** WebAuthn credential id, base64url. */
  credential_id: string | null;
  public_key: Buffer | null;
  sign_count: number | null;
  transports: ColumnType<string[], string[] | undefined, string[]>;
  aaguid: string | null;
  backed_up: boolean | null;
}

export interface MfaRecoveryCodeTable {
  user_id: string;
  set_id: string;
  code_hash: string;
  created_at: Date;
  used_at: Date | null;
}

export interface MfaUserSettingsTable {
  user_id: string;
  per_user_mfa_state: 'disabled' | 'enforced';
  updated_at: Date;
}

export type MfaChallengePurpose = 'totpEnrolment' | 'webauthnRegistration' | 'webauthnAuthentication';

export interface MfaChallengeTable {
  user_id: string;
  purpose: MfaChallengePurpose;
  id: string;
  /** A sealed TOTP secret (enrolment) or the WebAuthn challenge (base64url). */
  value: string;
  created_at: Date;
  expires_at: Date;
}

export interface MfaTables {
  mfa_methods: MfaMethodTable;
  mfa_recovery_codes: MfaRecoveryCodeTable;
  mfa_user_settings: MfaUserSettingsTable;
  mfa_challenges: MfaChallengeTable;
}

/** The database as the MFA services see it. */
export type MfaDb = Db<MfaTables>;
