import type { Db } from '#src/store/index.ts';

/** Row of sign_ins (schema in src/store/migrations/20261122T1700_sign_in_log.ts). */
export interface SignInTable {
  id: string;
  created_at: Date;
  user_id: string | null;
  user_principal_name: string;
  user_display_name: string | null;
  user_type: string | null;
  app_id: string;
  app_display_name: string;
  ip_address: string | null;
  client_app_used: string;
  is_interactive: boolean;
  error_code: number;
  conditional_access_status: string;
  risk_level: string;
  risk_event_types: string[];
  country: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  correlation_id: string | null;
  /** The Graph signIn object (jsonb; written as JSON text, read back parsed). */
  data: unknown;
}

export interface SignInLogTables {
  sign_ins: SignInTable;
}

export type SignInLogDb = Db<SignInLogTables>;
