/** Shapes of the resources the UI reads, as served by `/v1.0` and `/portal/api`. */

export interface SessionUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
}

export interface SessionRole {
  id: string;
  displayName: string;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
  roles: SessionRole[];
}

export interface User {
  id: string;
  displayName: string | null;
  userPrincipalName: string;
  mail: string | null;
  userType: 'Member' | 'Guest' | null;
  accountEnabled: boolean | null;
  companyName: string | null;
  department: string | null;
  jobTitle: string | null;
  employeeType: string | null;
  externalUserState: string | null;
  createdDateTime: string | null;
  creationType: string | null;
}

/** Fields a PATCH /v1.0/users/{id} may change. */
export type UserPatch = Partial<
  Pick<User, 'displayName' | 'accountEnabled' | 'companyName' | 'department' | 'jobTitle' | 'employeeType' | 'mail'>
>;

export interface NewUser {
  accountEnabled: boolean;
  displayName: string;
  mailNickname: string;
  userPrincipalName: string;
  passwordProfile: { password: string; forceChangePasswordNextSignIn: boolean };
}

export interface Group {
  id: string;
  displayName: string | null;
  description: string | null;
  mailNickname: string | null;
  securityEnabled: boolean | null;
  mailEnabled: boolean | null;
  groupTypes: string[] | null;
  createdDateTime: string | null;
}

export type GroupPatch = Partial<Pick<Group, 'displayName' | 'description'>>;

export interface NewGroup {
  displayName: string;
  mailNickname: string;
  mailEnabled: false;
  securityEnabled: true;
  description?: string;
}

/** An item of `members`, `owners` or `memberOf`: a user, a group, or another directory object. */
export interface DirectoryObject {
  '@odata.type'?: string;
  id: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  description?: string | null;
}

export interface ModifiedProperty {
  displayName: string | null;
  oldValue: string | null;
  newValue: string | null;
}

export interface TargetResource {
  id: string | null;
  type: string | null;
  displayName: string | null;
  userPrincipalName: string | null;
  modifiedProperties: ModifiedProperty[] | null;
}

export interface DirectoryAudit {
  id: string;
  activityDateTime: string;
  activityDisplayName: string;
  category: string;
  operationType: string | null;
  result: string | null;
  resultReason: string | null;
  correlationId: string | null;
  loggedByService: string | null;
  initiatedBy: {
    user: { id: string | null; displayName: string | null; userPrincipalName: string | null; ipAddress: string | null } | null;
    app: { appId: string | null; displayName: string | null; servicePrincipalId: string | null } | null;
  } | null;
  targetResources: TargetResource[] | null;
  additionalDetails: { key: string; value: string | null }[] | null;
}

/** Which kind of directory object an item is, from its `@odata.type`. */
export function objectKind(item: DirectoryObject): 'user' | 'group' | 'other' {
  const type = item['@odata.type'] ?? '';
  if (type.endsWith('.user')) return 'user';
  if (type.endsWith('.group')) return 'group';
  return 'other';
}
