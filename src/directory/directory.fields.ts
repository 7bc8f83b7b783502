import type { FieldMap } from '#src/store/index.ts';

/** How each directory resource's Graph properties map to columns for $filter and $orderby. */
export const userFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  displayName: { column: 'display_name', type: 'string', sortable: true },
  givenName: { column: 'given_name', type: 'string', sortable: true },
  surname: { column: 'surname', type: 'string', sortable: true },
  mail: { column: 'mail', type: 'string', sortable: true },
  mailNickname: { column: 'mail_nickname', type: 'string' },
  userPrincipalName: { column: 'user_principal_name', type: 'string', sortable: true },
  userType: { column: 'user_type', type: 'enum', values: ['Member', 'Guest'] },
  externalUserState: { column: 'external_user_state', type: 'enum', values: ['PendingAcceptance', 'Accepted'] },
  externalUserStateChangeDateTime: { column: 'external_user_state_changed_at', type: 'datetime', sortable: true },
  creationType: { column: 'creation_type', type: 'string' },
  accountEnabled: { column: 'account_enabled', type: 'boolean' },
  companyName: { column: 'company_name', type: 'string', sortable: true },
  employeeType: { column: 'employee_type', type: 'string' },
  department: { column: 'department', type: 'string', sortable: true },
  jobTitle: { column: 'job_title', type: 'string', sortable: true },
  usageLocation: { column: 'usage_location', type: 'string' },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true },
  otherMails: { column: 'other_mails', type: 'stringCollection' },
  identities: { column: 'identities', type: 'objectCollection', fields: { signInType: 'string', issuer: 'string', issuerAssignedId: 'string' } },
  'signInActivity/lastSignInDateTime': { column: 'last_sign_in_at', type: 'datetime', sortable: true },
  'signInActivity/lastNonInteractiveSignInDateTime': { column: 'last_non_interactive_sign_in_at', type: 'datetime', sortable: true },
  'signInActivity/lastSuccessfulSignInDateTime': { column: 'last_successful_sign_in_at', type: 'datetime', sortable: true },
};

export const groupFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  displayName: { column: 'display_name', type: 'string', sortable: true },
  description: { column: 'description', type: 'string' },
  mailNickname: { column: 'mail_nickname', type: 'string', sortable: true },
  mailEnabled: { column: 'mail_enabled', type: 'boolean' },
  securityEnabled: { column: 'security_enabled', type: 'boolean' },
  groupTypes: { column: 'group_types', type: 'stringCollection' },
  membershipRuleProcessingState: { column: 'membership_rule_processing_state', type: 'string' },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true },
};

export const applicationFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  appId: { column: 'app_id', type: 'guid' },
  displayName: { column: 'display_name', type: 'string', sortable: true },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true },
};

export const servicePrincipalFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  appId: { column: 'app_id', type: 'guid' },
  displayName: { column: 'display_name', type: 'string', sortable: true },
  accountEnabled: { column: 'account_enabled', type: 'boolean' },
  servicePrincipalType: { column: 'service_principal_type', type: 'string' },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true },
};

export const roleAssignmentFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  principalId: { column: 'principal_id', type: 'guid' },
  roleDefinitionId: { column: 'role_definition_id', type: 'guid' },
  directoryScopeId: { column: 'directory_scope_id', type: 'string' },
};
