import type { ColumnType, Generated } from 'kysely';

/** Row types of the directory's tables (the schema is in src/store/migrations). */
export interface UserTable {
  id: string;
  display_name: string;
  given_name: string | null;
  surname: string | null;
  mail: string | null;
  mail_nickname: string | null;
  user_principal_name: string;
  user_type: 'Member' | 'Guest';
  external_user_state: string | null;
  external_user_state_changed_at: Date | null;
  creation_type: string | null;
  identities: ColumnType<Identity[], string, string>;
  other_mails: string[];
  account_enabled: boolean;
  company_name: string | null;
  employee_type: string | null;
  department: string | null;
  job_title: string | null;
  usage_location: string | null;
  password_hash: string | null;
  password_change_required: boolean;
  last_sign_in_at: Date | null;
  last_non_interactive_sign_in_at: Date | null;
  last_successful_sign_in_at: Date | null;
  sign_in_sessions_valid_from: Date;
  created_at: Date;
  deleted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface Identity {
  signInType: string;
  issuer: string;
  issuerAssignedId: string;
}

export interface GroupTable {
  id: string;
  display_name: string;
  description: string | null;
  mail_nickname: string;
  mail_enabled: boolean;
  security_enabled: boolean;
  group_types: string[];
  membership_rule: string | null;
  membership_rule_processing_state: string | null;
  created_at: Date;
}

export interface GroupMemberTable {
  group_id: string;
  member_id: string;
  member_kind: 'user' | 'group';
  added_at: Generated<Date>;
}

export interface GroupOwnerTable {
  group_id: string;
  owner_id: string;
}

export interface UserSponsorTable {
  user_id: string;
  sponsor_id: string;
}

export interface RoleAssignmentTable {
  id: string;
  principal_id: string;
  role_definition_id: string;
  directory_scope_id: string;
  created_at: Date;
}

export interface ApplicationTable {
  id: string;
  app_id: string;
  display_name: string;
  description: string | null;
  sign_in_audience: string;
  required_resource_access: ColumnType<unknown[], string, string>;
  web_redirect_uris: string[];
  /** Graph publicClient.redirectUris and spa.redirectUris: public OpenID Connect clients (no secret, PKCE). */
  public_client_redirect_uris: ColumnType<string[], string[] | undefined, string[]>;
  spa_redirect_uris: ColumnType<string[], string[] | undefined, string[]>;
  web_home_page_url: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Date;
}

export interface ApplicationCredentialTable {
  key_id: string;
  application_id: string;
  kind: 'password' | 'certificate';
  display_name: string | null;
  hint: string | null;
  secret_hash: string | null;
  certificate: string | null;
  thumbprint: string | null;
  start_at: Date;
  end_at: Date;
}

export interface ServicePrincipalTable {
  id: string;
  app_id: string;
  display_name: string;
  account_enabled: boolean;
  service_principal_type: string;
  created_at: Date;
}

export interface AppRoleAssignmentTable {
  id: string;
  principal_id: string;
  resource_id: string;
  app_role_id: string;
  created_at: Date;
}

export interface TenantTable {
  id: string;
  singleton: Generated<boolean>;
  display_name: string;
  initial_domain: string;
  created_at: Date;
}

export interface TenantPolicyTable {
  id: string;
  body: ColumnType<unknown, string, string>;
  updated_at: Date;
}

export interface InvitationTable {
  id: string;
  user_id: string;
  email: string;
  display_name: string | null;
  user_type: 'Guest' | 'Member';
  redirect_url: string;
  send_message: boolean;
  message_info: ColumnType<InvitedUserMessageInfo, string, string>;
  reset_redemption: boolean;
  status: 'PendingAcceptance' | 'Completed' | 'Voided';
  token_hash: string | null;
  spent_token_hash: string | null;
  invited_by: ColumnType<unknown, string, string>;
  created_at: Date;
  expires_at: Date;
  redeemed_at: Date | null;
  voided_at: Date | null;
}

export interface InvitedUserMessageInfo {
  customizedMessageBody: string | null;
  messageLanguage: string | null;
  ccRecipients: { emailAddress: { address: string; name?: string | null } }[];
}

export interface CrossTenantPolicyTable {
  partner: string;
  body: ColumnType<unknown, string, string>;
  created_at: Date;
  updated_at: Date;
}

export interface ConnectedOrganizationTable {
  id: string;
  display_name: string;
  description: string | null;
  state: 'configured' | 'proposed';
  identity_sources: ColumnType<IdentitySource[], string, string>;
  created_at: Date;
  modified_at: Date;
}

/** A connectedOrganization identity source (Graph's three kinds). */
export type IdentitySource =
  | { '@odata.type': '#microsoft.graph.domainIdentitySource'; domainName: string; displayName: string }
  | { '@odata.type': '#microsoft.graph.externalDomainFederation'; issuerUri: string; domainName: string | null; displayName: string }
  | { '@odata.type': '#microsoft.graph.azureActiveDirectoryTenant'; tenantId: string; displayName: string };

export interface ConnectedOrganizationSponsorTable {
  organization_id: string;
  user_id: string;
  kind: 'internal' | 'external';
}

/** A bulk invitation: an uploaded CSV worked through in the background (see bulk-invitations.service.ts). */
export interface BulkInvitationJobTable {
  id: string;
  status: 'running' | 'completed' | 'failed';
  created_by: ColumnType<unknown, string, string>;
  format: 'entra' | 'short';
  total: number;
  processed: ColumnType<number, number | undefined, number>;
  succeeded: ColumnType<number, number | undefined, number>;
  failed: ColumnType<number, number | undefined, number>;
  attempts: ColumnType<number, number | undefined, number>;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

/** What a valid record of the file asks for; empty for a record the CSV reader already refused. */
export interface BulkInvitationRowInput {
  redirectUrl?: string;
  displayName?: string | null;
  sendInvitationMessage?: boolean;
  customizedMessageBody?: string | null;
}

export interface BulkInvitationRowTable {
  job_id: string;
  line: number;
  email: string;
  input: ColumnType<BulkInvitationRowInput, string, string>;
  status: 'pending' | 'invited' | 'failed';
  user_id: string | null;
  invitation_id: string | null;
  error: string | null;
  attempted_at: Date | null;
}

export interface DirectoryTables {
  cross_tenant_policies: CrossTenantPolicyTable;
  connected_organizations: ConnectedOrganizationTable;
  connected_organization_sponsors: ConnectedOrganizationSponsorTable;
  tenant_policies: TenantPolicyTable;
  invitations: InvitationTable;
  tenant: TenantTable;
  users: UserTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  group_owners: GroupOwnerTable;
  user_sponsors: UserSponsorTable;
  role_assignments: RoleAssignmentTable;
  applications: ApplicationTable;
  application_credentials: ApplicationCredentialTable;
  service_principals: ServicePrincipalTable;
  app_role_assignments: AppRoleAssignmentTable;
  bulk_invitation_jobs: BulkInvitationJobTable;
  bulk_invitation_rows: BulkInvitationRowTable;
}
