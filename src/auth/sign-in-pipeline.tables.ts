import type { Db } from '#src/store/index.ts';

/** What a sign-in waiting for a second factor remembers (the `state` column of pending_sign_ins). */
export interface PendingSignInState {
  kind: 'signIn' | 'stepUp';
  /** For a step-up: the hash of the browser session that gains the factor. */
  sessionIdHash?: string;
  applicationId: string;
  applicationDisplayName: string;
  clientAppType: 'browser' | 'mobileAppsAndDesktopClients';
  /** How the user proved who they are first: password, federated (partner IdP) or emailOtp. */
  method: 'password' | 'federated' | 'emailOtp';
  /** Authentication method references done so far (RFC 8176): pwd, fed, otp, hwk, mfa. */
  amr: string[];
  /** Partner claims that Conditional Access may trust (cross-tenant inboundTrust). */
  partner: { tenantId: string | null; mfa: boolean; compliantDevice: boolean; /** What the partner token said (audited). */ amr?: string[] } | null;
  ipAddress: string | null;
  userAgent: string | null;
  correlationId: string;
  /** Where the browser goes once signed in (a path on this server). */
  returnTo: string | null;
  /** A TOTP enrolment begun during this sign-in. */
  enrolmentId?: string;
  /** Require a second factor whatever Conditional Access says (a step-up before changing security info). */
  forceMfa?: boolean;
  /** A new password chosen at this sign-in (forced change): applied only when the sign-in completes. */
  newPasswordHash?: string;
}

export interface PendingSignInTable {
  id_hash: string;
  user_id: string;
  state: PendingSignInState;
  failures: number;
  created_at: Date;
  expires_at: Date;
}

export interface EmergencyAccessAccountTable {
  user_id: string;
  exclude_from_conditional_access: boolean;
  created_at: Date;
  last_sign_in_at: Date | null;
  last_reminder_at: Date | null;
}

export interface EmergencyAccessSettingsTable {
  id: boolean;
  webhook_url: string | null;
  webhook_secret_sealed: string | null;
  notify_emails: string[];
  updated_at: Date;
}

export interface EmergencyAccessAlertTable {
  id: string;
  kind: 'signIn' | 'signInInterrupted' | 'signInFailed' | 'validationDue';
  user_id: string | null;
  user_principal_name: string;
  created_at: Date;
  details: Record<string, string | number | boolean | null>;
  webhook_state: 'pending' | 'sent' | 'failed' | 'none';
  webhook_attempts: number;
  webhook_next_at: Date | null;
  webhook_error: string | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
}

export interface PipelineTables {
  pending_sign_ins: PendingSignInTable;
  emergency_access_accounts: EmergencyAccessAccountTable;
  emergency_access_settings: EmergencyAccessSettingsTable;
  emergency_access_alerts: EmergencyAccessAlertTable;
}

export type PipelineDb = Db<PipelineTables>;
