import { forgettingClients, cachedClient } from './client-cache.ts';
import { sql } from 'kysely';
import { isUuid, newId } from '#src/core/crypto.ts';
import { appendAudit, type Actor, type AuditTarget } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import { isUniqueViolation, type DirDb as Db, type DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import { getApplicationRow } from './applications.service.ts';
import { toGraphServicePrincipal, type GraphServicePrincipal, type ServicePrincipalRow } from './applications.shape.ts';
import { GRAPH_APP_ID, permissionById, type Permission } from './permissions.ts';

const spTarget = (row: Pick<ServicePrincipalRow, 'id' | 'display_name'>): AuditTarget => ({ id: row.id, type: 'ServicePrincipal', displayName: row.display_name });
const isId = isUuid;

/** Graph appRoleAssignment. */
export interface GraphAppRoleAssignment {
  id: string;
  principalId: string;
  principalType: 'ServicePrincipal';
  principalDisplayName: string;
  resourceId: string;
  resourceDisplayName: string;
  appRoleId: string;
  createdDateTime: string;
}

export async function getServicePrincipalRow(db: Db, idOrAppId: string): Promise<ServicePrincipalRow> {
  const row = isId(idOrAppId)
    ? await db.selectFrom('service_principals').selectAll().where((eb) => eb.or([eb('id', '=', idOrAppId), eb('app_id', '=', idOrAppId)])).executeTakeFirst()
    : undefined;
  if (!row) throw directoryError('OBJECT_NOT_FOUND', `Resource '${idOrAppId}' does not exist or one of its queried reference-property objects are not present.`);
  return row;
}

export async function getServicePrincipal(db: Db, idOrAppId: string): Promise<GraphServicePrincipal> {
  return toGraphServicePrincipal(await getServicePrincipalRow(db, idOrAppId));
}

/** The service principal of the Graph-compatible API itself (resource of every application permission). */
export async function graphResource(db: Db): Promise<ServicePrincipalRow> {
  return getServicePrincipalRow(db, GRAPH_APP_ID);
}

/** Create the service principal of a registered application, or of the Graph-compatible API at bootstrap. */
async function createServicePrincipalNow(
  deps: DirectoryDeps,
  actor: Actor,
  appId: string,
  trx?: Db,
  options: { accountEnabled?: boolean } = {},
): Promise<GraphServicePrincipal> {
  let row: ServicePrincipalRow | undefined;
  const work = async (tx: Db): Promise<void> => {
    const displayName = appId === GRAPH_APP_ID ? 'Microsoft Graph' : (await getApplicationRow(tx, appId)).display_name;
    row = { id: newId(), app_id: appId, display_name: displayName, account_enabled: options.accountEnabled ?? true, service_principal_type: 'Application', created_at: deps.clock.now() };
    await tx.insertInto('service_principals').values(row).execute();
    await appendAudit(tx, deps.clock, { event: 'servicePrincipal.created', actor, targets: [spTarget(row)] });
  };
  try {
    await (trx ? work(trx) : inTransaction(deps.db, work));
  } catch (error) {
    if (isUniqueViolation(error)) throw directoryError('DUPLICATE_VALUE', `A service principal for appId '${appId}' already exists`);
    throw error;
  }
  return toGraphServicePrincipal(row as ServicePrincipalRow);
}

async function updateServicePrincipalNow(deps: DirectoryDeps, actor: Actor, id: string, patch: { accountEnabled?: boolean }): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await getServicePrincipalRow(trx, id);
    if (patch.accountEnabled === undefined || patch.accountEnabled === row.account_enabled) return;
    await trx.updateTable('service_principals').set({ account_enabled: patch.accountEnabled }).where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, {
      event: 'servicePrincipal.updated',
      actor,
      targets: [{ ...spTarget(row), modifiedProperties: [{ displayName: 'accountEnabled', oldValue: String(row.account_enabled), newValue: String(patch.accountEnabled) }] }],
    });
  });
}

async function deleteServicePrincipalNow(deps: DirectoryDeps, actor: Actor, id: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await getServicePrincipalRow(trx, id);
    if (row.app_id === GRAPH_APP_ID) throw directoryError('INVALID_VALUE', 'The Microsoft Graph service principal is built in and cannot be deleted');
    await trx.deleteFrom('service_principals').where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, { event: 'servicePrincipal.deleted', actor, targets: [spTarget(row)] });
  });
}

function toAssignment(row: { id: string; principal_id: string; resource_id: string; app_role_id: string; created_at: Date }, principal: string, resource: string): GraphAppRoleAssignment {
  return {
    id: row.id,
    principalId: row.principal_id,
    principalType: 'ServicePrincipal',
    principalDisplayName: principal,
    resourceId: row.resource_id,
    resourceDisplayName: resource,
    appRoleId: row.app_role_id,
    createdDateTime: row.created_at.toISOString(),
  };
}

/** Grant an application permission (an app role of the Graph resource) to a service principal. */
async function grantAppRoleNow(
  deps: DirectoryDeps,
  actor: Actor,
  input: { principalId: string; resourceId: string; appRoleId: string },
  trx?: Db,
): Promise<GraphAppRoleAssignment> {
  let result: GraphAppRoleAssignment | undefined;
  const work = async (tx: Db): Promise<void> => {
    const principal = await getServicePrincipalRow(tx, input.principalId);
    const resource = await getServicePrincipalRow(tx, input.resourceId);
    if (resource.app_id !== GRAPH_APP_ID) throw directoryError('INVALID_VALUE', 'resourceId must be the Microsoft Graph service principal');
    const permission = permissionById(input.appRoleId);
    if (!permission) throw directoryError('INVALID_VALUE', `appRoleId '${input.appRoleId}' is not an app role of Microsoft Graph in Gatehouse`);
    const row = { id: newId(), principal_id: principal.id, resource_id: resource.id, app_role_id: input.appRoleId, created_at: deps.clock.now() };
    await tx.insertInto('app_role_assignments').values(row).execute();
    await appendAudit(tx, deps.clock, {
      event: 'appRoleAssignment.created',
      actor,
      targets: [spTarget(principal)],
      details: { permission },
    });
    result = toAssignment(row, principal.display_name, resource.display_name);
  };
  try {
    await (trx ? work(trx) : inTransaction(deps.db, work));
  } catch (error) {
    if (isUniqueViolation(error)) throw directoryError('ALREADY_MEMBER', 'Permission being assigned already exists on the object');
    throw error;
  }
  return result as GraphAppRoleAssignment;
}

async function revokeAppRoleNow(deps: DirectoryDeps, actor: Actor, principalId: string, assignmentId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const principal = await getServicePrincipalRow(trx, principalId);
    const row = isId(assignmentId)
      ? await trx.selectFrom('app_role_assignments').selectAll().where('id', '=', assignmentId).where('principal_id', '=', principal.id).executeTakeFirst()
      : undefined;
    if (!row) throw directoryError('OBJECT_NOT_FOUND', `No app role assignment '${assignmentId}' on service principal '${principal.id}'`);
    await trx.deleteFrom('app_role_assignments').where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, {
      event: 'appRoleAssignment.deleted',
      actor,
      targets: [spTarget(principal)],
      details: { permission: permissionById(row.app_role_id) ?? row.app_role_id },
    });
  });
}

export async function listAppRoleAssignments(db: Db, principalId: string): Promise<GraphAppRoleAssignment[]> {
  const principal = await getServicePrincipalRow(db, principalId);
  const rows = await db.selectFrom('app_role_assignments').selectAll().where('principal_id', '=', principal.id).orderBy('created_at').execute();
  return rows.map((r) => toAssignment(r, principal.display_name, 'Microsoft Graph'));
}

/** What each API request needs to know about the calling application: no credentials, one query. */
export interface AppGrants {
  appId: string;
  servicePrincipalId: string;
  displayName: string;
  enabled: boolean;
  permissions: Permission[];
}

/**
 * The service principal of an application (by appId) with its granted application permissions, read live on
 * every API request so revoking a grant or disabling the principal takes effect at once.
 */
export async function appGrants(db: Db, appId: string): Promise<AppGrants | undefined> {
  if (!isId(appId)) return undefined;
  const rows = await db
    .selectFrom('service_principals as sp')
    .leftJoin('app_role_assignments as ara', 'ara.principal_id', 'sp.id')
    .select(['sp.id', 'sp.app_id', 'sp.display_name', 'sp.account_enabled', 'ara.app_role_id'])
    .where('sp.app_id', '=', appId)
    .execute();
  const first = rows[0];
  if (!first) return undefined;
  return {
    appId: first.app_id,
    servicePrincipalId: first.id,
    displayName: first.display_name,
    enabled: first.account_enabled,
    permissions: rows.map((r) => (r.app_role_id ? permissionById(r.app_role_id) : undefined)).filter((p): p is Permission => p !== undefined),
  };
}

/** What the OAuth server needs to authenticate an application and fill its token's `roles`. */
export interface ClientRecord {
  applicationId: string;
  appId: string;
  displayName: string;
  servicePrincipalId: string | null;
  enabled: boolean;
  secrets: { keyId: string; hash: string; notBefore: Date; notAfter: Date }[];
  certificates: { keyId: string; pem: string; thumbprint: string; notBefore: Date; notAfter: Date }[];
  /** Graph web.redirectUris (confidential sign-in). */
  redirectUris: string[];
  /** Graph publicClient.redirectUris and spa.redirectUris (public sign-in: no secret, PKCE). */
  publicClientRedirectUris: string[];
  spaRedirectUris: string[];
  permissions: Permission[];
}

/** Look up an application by appId (its OAuth client_id) with credentials and granted permissions. */
/** The client record for the token endpoint, through the per-node cache (client-cache.ts). */
export function findClient(db: Db, appId: string): Promise<ClientRecord | undefined> {
  if (!isId(appId)) return Promise.resolve(undefined);
  return cachedClient(db, appId, () => readClient(db, appId));
}

async function readClient(db: Db, appId: string): Promise<ClientRecord | undefined> {
  // One round trip: the token endpoint asks for this on every client-credentials request.
  const { rows } = await sql<{ app: ClientApplicationJson; sp: { id: string; account_enabled: boolean } | null; creds: ClientCredentialJson[] | null; roles: string[] | null }>`
    SELECT to_jsonb(a) AS app,
      (SELECT jsonb_build_object('id', s.id, 'account_enabled', s.account_enabled) FROM service_principals s WHERE s.app_id = a.app_id) AS sp,
      (SELECT jsonb_agg(to_jsonb(c) ORDER BY c.start_at) FROM application_credentials c WHERE c.application_id = a.id) AS creds,
      (SELECT jsonb_agg(r.app_role_id) FROM app_role_assignments r JOIN service_principals s2 ON s2.id = r.principal_id WHERE s2.app_id = a.app_id) AS roles
    FROM applications a WHERE a.app_id = ${appId}`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const { app, sp } = row;
  const creds = (row.creds ?? []).map((c) => ({ ...c, start_at: new Date(c.start_at), end_at: new Date(c.end_at) }));
  return {
    applicationId: app.id,
    appId: app.app_id,
    displayName: app.display_name,
    servicePrincipalId: sp?.id ?? null,
    enabled: sp?.account_enabled ?? false,
    secrets: creds.filter((c) => c.kind === 'password' && c.secret_hash).map((c) => ({ keyId: c.key_id, hash: c.secret_hash as string, notBefore: c.start_at, notAfter: c.end_at })),
    certificates: creds
      .filter((c) => c.kind === 'certificate' && c.certificate)
      .map((c) => ({ keyId: c.key_id, pem: c.certificate as string, thumbprint: c.thumbprint ?? '', notBefore: c.start_at, notAfter: c.end_at })),
    redirectUris: app.web_redirect_uris,
    publicClientRedirectUris: app.public_client_redirect_uris,
    spaRedirectUris: app.spa_redirect_uris,
    permissions: (row.roles ?? []).map((r) => permissionById(r)).filter((p): p is Permission => p !== undefined),
  };
}

type ClientApplicationJson = { id: string; app_id: string; display_name: string; web_redirect_uris: string[]; public_client_redirect_uris: string[]; spa_redirect_uris: string[] };
type ClientCredentialJson = { kind: string; key_id: string; secret_hash: string | null; certificate: string | null; thumbprint: string | null; start_at: string; end_at: string };

/** The writes that change what a client may do; each forgets cached client records once it has finished. */
export const createServicePrincipal = forgettingClients(createServicePrincipalNow);
export const updateServicePrincipal = forgettingClients(updateServicePrincipalNow);
export const deleteServicePrincipal = forgettingClients(deleteServicePrincipalNow);
export const grantAppRole = forgettingClients(grantAppRoleNow);
export const revokeAppRole = forgettingClients(revokeAppRoleNow);
