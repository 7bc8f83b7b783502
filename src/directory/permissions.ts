/**
 * Permissions use Microsoft Graph's names and, for application permissions, Graph's appRole ids, so scripts that
 * grant `User.Read.All` by id work unchanged. A route requires one of a list of permissions; `*.ReadWrite.*`
 * implies the matching `*.Read.*`.
 */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export const permissions = {
  'User.Read.All': { id: 'df021288-bdef-4463-88db-98f22de89214', description: 'Read all users’ full profiles.' },
  'User.ReadWrite.All': { id: '741f803b-c850-494e-b5df-cde7c675a1ca', description: 'Read and write all users’ full profiles.' },
  'User.Invite.All': { id: '09850681-111b-4a89-9bed-3f2cae46d706', description: 'Invite guest users to the organization.' },
  'Group.Read.All': { id: '5b567255-7703-4780-807c-7be8301ae99b', description: 'Read all groups.' },
  'Group.ReadWrite.All': { id: '62a82d76-70ea-41e2-9197-370581804d09', description: 'Read and write all groups.' },
  'Directory.Read.All': { id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', description: 'Read directory data.' },
  'RoleManagement.ReadWrite.Directory': { id: '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8', description: 'Read and write all directory RBAC settings.' },
  'AuditLog.Read.All': { id: 'b0afded3-3588-46d8-8b3d-9842eff778da', description: 'Read all audit log data.' },
  'Application.ReadWrite.All': { id: '1bfefb4e-e0b5-418b-a88f-73c6d2cf6a4e', description: 'Read and write all applications.' },
  'EntitlementManagement.Read.All': { id: 'c74fd47d-ed3c-45c3-9a9e-b8676de685d2', description: 'Read all entitlement management resources (partner organizations, access packages).' },
  'EntitlementManagement.ReadWrite.All': { id: '9acd699f-1e81-4958-b001-93b1d2506e19', description: 'Read and write all entitlement management resources (partner organizations, access packages).' },
  'Policy.ReadWrite.CrossTenantAccess': { id: '338163d7-f101-4c92-94ba-ca46fe52447c', description: "Read and write your organization's cross-tenant access settings." },
  'IdentityProvider.ReadWrite.All': { id: '90db2b9a-d928-4d33-a4dd-8442ae3d41e4', description: "Read and write your organization's identity (authentication) providers." },
  'Policy.Read.All': { id: '246dd0d5-5bd0-4def-940b-0421030a5b68', description: "Read your organization's policies." },
  'Policy.ReadWrite.Authorization': { id: 'fb221be6-99f2-473f-bd32-01c6a0e9ca3b', description: "Read and write your organization's authorization policy (invite policy, external collaboration settings)." },
  'UserAuthenticationMethod.Read.All': { id: '38d9df27-64da-44fd-b7c5-a6fbac20248f', description: 'Read all users’ authentication methods.' },
  'UserAuthenticationMethod.ReadWrite.All': { id: '50483e42-d915-4231-9639-7fdb7fd190e5', description: 'Read and write all users’ authentication methods (delete methods, per-user MFA state).' },
  'Policy.Read.ConditionalAccess': { id: '37730810-e9ba-4e46-b07e-8ca78d182097', description: "Read your organization's conditional access policies and named locations, and run what-if evaluations." },
  'Policy.ReadWrite.ConditionalAccess': { id: '01c0a623-fc9b-48e9-b794-0756f8e8f067', description: "Read and write your organization's conditional access policies and named locations." },
} as const;

export type Permission = keyof typeof permissions;

export const isPermission = (name: string): name is Permission => Object.hasOwn(permissions, name);
export const permissionById = (id: string): Permission | undefined =>
  (Object.keys(permissions) as Permission[]).find((name) => permissions[name].id === id);

const IMPLIED: Partial<Record<Permission, Permission[]>> = {
  'User.ReadWrite.All': ['User.Read.All'],
  'Group.ReadWrite.All': ['Group.Read.All'],
  'Directory.Read.All': ['User.Read.All', 'Group.Read.All'],
  'RoleManagement.ReadWrite.Directory': [],
  'Policy.ReadWrite.Authorization': ['Policy.Read.All'],
  'Policy.ReadWrite.CrossTenantAccess': ['Policy.Read.All'],
  'EntitlementManagement.ReadWrite.All': ['EntitlementManagement.Read.All'],
  'Policy.ReadWrite.ConditionalAccess': ['Policy.Read.ConditionalAccess'],
  'UserAuthenticationMethod.ReadWrite.All': ['UserAuthenticationMethod.Read.All'],
};

/** The permission set with everything each member implies. */
export function expandPermissions(granted: Iterable<string>): Set<Permission> {
  const out = new Set<Permission>();
  for (const name of granted) {
    if (!isPermission(name)) continue;
    out.add(name);
    for (const implied of IMPLIED[name] ?? []) out.add(implied);
  }
  return out;
}
