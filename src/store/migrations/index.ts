import type { Migration } from 'kysely';
import * as foundation from './20261121T2330_foundation.ts';
import * as auth from './20261122T0100_auth.ts';
import * as auditChains from './20261122T0200_audit_chains.ts';
import * as b2b from './20261122T1100_b2b.ts';
import * as federation from './20261122T1200_federation.ts';
import * as deletedUsers from './20261122T1210_deleted_users.ts';
import * as identityProviderIssuer from './20261122T1400_identity_provider_issuer.ts';
import * as bulkInvitations from './20261122T1300_bulk_invitations.ts';
import * as mfaMethods from './20261122T1500_mfa_methods.ts';
import * as conditionalAccess from './20261122T1600_conditional_access.ts';
import * as signInLog from './20261122T1700_sign_in_log.ts';
import * as signInPipeline from './20261122T1800_sign_in_pipeline.ts';
import * as oidcApps from './20261122T1900_oidc_apps.ts';
import * as auditNarrowRows from './20261122T2000_audit_narrow_rows.ts';

/** Every migration, in order. Append only; a landed migration is never edited. */
export const migrations: Record<string, Migration> = {
  '20261121T2330_foundation': foundation,
  '20261122T0100_auth': auth,
  '20261122T0200_audit_chains': auditChains,
  '20261122T1100_b2b': b2b,
  '20261122T1200_federation': federation,
  '20261122T1210_deleted_users': deletedUsers,
  '20261122T1300_bulk_invitations': bulkInvitations,
  '20261122T1400_identity_provider_issuer': identityProviderIssuer,
  '20261122T1500_mfa_methods': mfaMethods,
  '20261122T1600_conditional_access': conditionalAccess,
  '20261122T1700_sign_in_log': signInLog,
  '20261122T1800_sign_in_pipeline': signInPipeline,
  '20261122T1900_oidc_apps': oidcApps,
  '20261122T2000_audit_narrow_rows': auditNarrowRows,
};
