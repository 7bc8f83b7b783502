import { permissions, type Permission } from './permissions.ts';

/**
 * Built-in directory roles, with Entra's role template ids so assignments scripted against Entra carry over.
 * Each role grants a set of Graph permissions to its holders when they act through the portal or a delegated token.
 */
export interface RoleDefinition {
  id: string;
  displayName: string;
  description: string;
  grants: readonly Permission[];
}

const ALL = Object.keys(permissions) as Permission[];

export const builtInRoles: readonly RoleDefinition[] = [
  { id: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator', description: 'Can manage all aspects of Gatehouse.', grants: ALL },
  { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', displayName: 'User Administrator', description: 'Can manage all aspects of users and groups, including inviting guests.', grants: ['User.ReadWrite.All', 'User.Invite.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Policy.Read.All'] },
  { id: '95e79109-95c0-4d8e-aee3-d01accf2d47b', displayName: 'Guest Inviter', description: 'Can invite guest users independent of the members-can-invite-guests setting.', grants: ['User.Invite.All', 'User.Read.All'] },
  { id: 'fdd7a751-b60b-444a-984c-02652fe8fa1c', displayName: 'Groups Administrator', description: 'Members of this role can create and manage groups and group settings.', grants: ['Group.ReadWrite.All', 'Directory.Read.All'] },
  { id: '194ae4cb-b126-40b2-bd5b-6091b380977d', displayName: 'Security Administrator', description: 'Can read security information and reports, and manage security policies.', grants: ['AuditLog.Read.All', 'Directory.Read.All', 'Policy.ReadWrite.Authorization', 'Policy.ReadWrite.CrossTenantAccess', 'IdentityProvider.ReadWrite.All', 'Policy.ReadWrite.ConditionalAccess'] },
  { id: '5d6b6bb7-de71-4623-b4af-96380a352509', displayName: 'Security Reader', description: 'Can read security information and reports.', grants: ['AuditLog.Read.All', 'Directory.Read.All', 'Policy.Read.All'] },
  { id: '45d8d3c5-c802-45c6-b32a-1d70b5e1e86e', displayName: 'Identity Governance Administrator', description: 'Manage access using Gatehouse for identity governance scenarios.', grants: ['Directory.Read.All', 'EntitlementManagement.ReadWrite.All'] },
  { id: 'b0f54661-2d74-4c50-afa3-1ec803f12efe', displayName: 'Conditional Access Administrator', description: 'Can manage Conditional Access policies and named locations.', grants: ['Policy.ReadWrite.ConditionalAccess', 'Policy.Read.All', 'Directory.Read.All'] },
  // Gatehouse's own role (no Entra equivalent): manages gateway targets, sessions and recordings.
  { id: 'b8f2c0a4-6d3e-4f5a-9c1b-7e2d4a6f8c10', displayName: 'Privileged Access Administrator', description: 'Can manage gateway targets, watch and terminate privileged sessions, and play recordings.', grants: ['Directory.Read.All', 'AuditLog.Read.All'] },
];

export const GLOBAL_ADMINISTRATOR_ID = '62e90394-69f5-4237-9190-012177145e10';

export const roleById = (id: string): RoleDefinition | undefined => builtInRoles.find((role) => role.id === id);
