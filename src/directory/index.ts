/** Dependencies of every directory service function, and the typed database view. */
export type { DirectoryDeps, DirDb } from './directory.deps.ts';
/** Directory error codes (documented per code). */
export { DirectoryErrorCodes } from './directory.errors.ts';
/** The tenant (created at bootstrap) and its verified domains. */
export { getTenant, verifiedDomains, type Tenant } from './tenant.service.ts';
/** Users: create, read, update, delete, passwords, sign-in activity, session revocation. */
export {
  createUser,
  updateUser,
  deleteUser,
  findUserRow,
  getUserRow,
  setPasswordHash,
  recordSignIn,
  revokeSignInSessions,
  type CreateUserInput,
} from './users.service.ts';
/** Graph user shape and mapping. */
export { toGraphUser, userSelectable, userWritable, type GraphUser, type UserPatch, type UserRow } from './users.shape.ts';
/** Groups, owners and (transitive) members. */
export {
  createGroup,
  updateGroup,
  deleteGroup,
  getGroupRow,
  addMember,
  removeMember,
  addOwner,
  removeOwner,
  listMembers,
  listOwners,
  listMemberOf,
  type CreateGroupInput,
  type DirectoryObject,
} from './groups.service.ts';
/** Graph group shape and mapping. */
export { toGraphGroup, groupSelectable, groupWritable, type GraphGroup, type GroupPatch, type GroupRow } from './groups.shape.ts';
/** Built-in directory roles and their assignments; the permissions a user's roles grant. */
export {
  createRoleAssignment,
  deleteRoleAssignment,
  getRoleAssignment,
  roleIdsForUser,
  permissionsForUser,
  toGraphRoleDefinition,
  type GraphRoleAssignment,
} from './roles.service.ts';
/** Role definitions (Entra template ids). */
export { builtInRoles, roleById, GLOBAL_ADMINISTRATOR_ID, type RoleDefinition } from './roles.ts';
/** Graph permission names and ids. */
export { permissions, expandPermissions, isPermission, permissionById, GRAPH_APP_ID, type Permission } from './permissions.ts';
/** App registrations and their credentials. */
export {
  createApplication,
  updateApplication,
  deleteApplication,
  getApplication,
  getApplicationRow,
  credentialsOf,
  addPassword,
  removePassword,
  type CreateApplicationInput,
  type UpdateApplicationInput,
} from './applications.service.ts';
/** Redirect URIs of applications (web / publicClient / spa) and the hosts where plain http is accepted. */
export { LOOPBACK_HOSTS, validateRedirectUri } from './applications.redirects.ts';
/** Graph application and service principal shapes. */
export {
  toGraphApplication,
  toGraphServicePrincipal,
  graphAppRoles,
  type GraphApplication,
  type GraphServicePrincipal,
  type PasswordCredential,
  type ApplicationRow,
  type ServicePrincipalRow,
} from './applications.shape.ts';
/** Service principals, application permission grants, and client lookup for the OAuth server. */
export {
  createServicePrincipal,
  updateServicePrincipal,
  deleteServicePrincipal,
  getServicePrincipal,
  getServicePrincipalRow,
  graphResource,
  grantAppRole,
  revokeAppRole,
  listAppRoleAssignments,
  findClient,
  appGrants,
  type AppGrants,
  type ClientRecord,
  type GraphAppRoleAssignment,
} from './service-principals.service.ts';
/** OData list requests over users, groups, applications, service principals and role assignments. */
export { listUsers, listGroups, listApplications, listServicePrincipals, listRoleAssignments, type ListPage } from './list.service.ts';
/** Field maps of directory resources for $filter/$orderby. */
export { userFields, groupFields } from './directory.fields.ts';
/** First-start creation of the tenant, the Graph resource service principal and the initial Global Administrator. */
export { bootstrapDirectory, type BootstrapInput, type BootstrapResult } from './bootstrap.service.ts';
/** A user's sponsors (Graph user.sponsors). */
export { listSponsors, addSponsor, removeSponsor } from './sponsors.service.ts';
/** External collaboration settings: invite policy, domain lists, email one-time passcode, redirect list, terms. */
export {
  getExternalCollaboration,
  updateExternalCollaboration,
  domainVerdict,
  redirectAllowed,
  ALLOW_INVITES_FROM,
  GUEST_ROLES,
  type ExternalCollaborationSettings,
  type AllowInvitesFrom,
} from './external-settings.service.ts';
/** Invitations of guests (Graph POST /invitations) and their listing. */
export {
  createInvitation,
  listInvitations,
  getInvitation,
  emailProblem,
  toGraphInvitation,
  REDEEM_PATH,
  type CreateInvitationInput,
  type CreatedInvitation,
  type GraphInvitation,
  type InvitationDeps,
  type InvitationRow,
  type Inviter,
  type ListedInvitation,
} from './invitations.service.ts';
/** Bulk invitations: a CSV upload becomes a job worked through in the background and resumed after a restart. */
export { createBulkJob, processBulkJob, runBulkInvitations, getBulkJob, bulkJobResultsCsv, type BulkInvitationJob, type BulkRunOptions } from './bulk-invitations.service.ts';
/** The bulk-invite CSV reader (Entra's template or the short form) and the per-row result file. */
export { parseInvitationCsv, invitationResultCsv, type BulkInviteRow, type BulkInviteRowError, type BulkInviteResult, type ParsedInvitationCsv } from './bulk-invite.csv.ts';
/** Redemption, the directory's half: open a redeem link, bind the proven identity to the guest. */
export { openRedeemLink, redeemInvitation, redeemableInvitation, redemptionTargets, findInvitedGuest, lockPasscodeSubject, INVALID_REDEEM_LINK, type RedeemableInvitation } from './redemption.service.ts';
/** Cross-tenant access settings (Graph shape), the settings in force for a partner, and the inbound check. */
export {
  getCrossTenantDefault,
  updateCrossTenantDefault,
  resetCrossTenantDefault,
  getCrossTenantPartner,
  listCrossTenantPartners,
  createCrossTenantPartner,
  updateCrossTenantPartner,
  deleteCrossTenantPartner,
  effectiveCrossTenant,
  inboundVerdict,
  type CrossTenantSettings,
  type PartnerSettings,
  type InboundFacts,
} from './cross-tenant.service.ts';
/** Partner organizations (Graph connectedOrganization) and their sponsors. */
export {
  createConnectedOrganization,
  getConnectedOrganization,
  updateConnectedOrganization,
  deleteConnectedOrganization,
  listConnectedOrganizations,
  listOrganizationSponsors,
  addOrganizationSponsor,
  removeOrganizationSponsor,
  organizationsOfGuest,
  type GraphConnectedOrganization,
  type ConnectedOrganizationInput,
  type SponsorKind,
} from './connected-organizations.service.ts';
/** Soft deletion (deletedItems): a guest leaving the organization, restore, purge after 30 days. */
export { leaveOrganization, listDeletedUsers, restoreDeletedUser, purgeDeletedUser, purgeExpiredDeletedUsers, DELETED_RETENTION_DAYS, type DeletedUser } from './deleted-users.service.ts';
