import { sql } from 'kysely';
import { isUuid, newId } from '#src/core/crypto.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import { isUniqueViolation, type DirDb as Db, type DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import { expandPermissions, type Permission } from './permissions.ts';
import { builtInRoles, GLOBAL_ADMINISTRATOR_ID, roleById } from './roles.ts';

/** Graph unifiedRoleAssignment. */
export interface GraphRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

/** Graph unifiedRoleDefinition for a built-in role. */
export function toGraphRoleDefinition(role: (typeof builtInRoles)[number]) {
  return {
    id: role.id,
    templateId: role.id,
    displayName: role.displayName,
    description: role.description,
    isBuiltIn: true,
    isEnabled: true,
    version: '1',
    resourceScopes: ['/'],
    rolePermissions: [{ allowedResourceActions: role.grants.map((p) => `gatehouse.graph/${p}`), condition: null }],
  };
}

const toAssignment = (row: { id: string; principal_id: string; role_definition_id: string; directory_scope_id: string }): GraphRoleAssignment => ({
  id: row.id,
  principalId: row.principal_id,
  roleDefinitionId: row.role_definition_id,
  directoryScopeId: row.directory_scope_id,
});

/**
 * Directory roles are assigned to users only. (Entra's role-assignable groups are not supported: a group holding a
 * role would let anyone who manages its membership grant that role.)
 */
async function principalTarget(db: Db, principalId: string): Promise<{ id: string; type: string; displayName: string | null; userPrincipalName?: string | null }> {
  const user = isUuid(principalId)
    ? await db.selectFrom('users').select(['id', 'display_name', 'user_principal_name']).where('id', '=', principalId).executeTakeFirst()
    : undefined;
  if (user) return { id: user.id, type: 'User', displayName: user.display_name, userPrincipalName: user.user_principal_name };
  throw directoryError('OBJECT_NOT_FOUND', `principalId '${principalId}' is not a user in this tenant (directory roles are assigned to users)`);
}

/** Serialises changes that could remove the last enabled Global Administrator, so two cannot race past the check. */
export async function lockGlobalAdmins(trx: Db): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('gatehouse:global-admins'))`.execute(trx);
}

export async function createRoleAssignment(
  deps: DirectoryDeps,
  actor: Actor,
  input: { principalId: string; roleDefinitionId: string; directoryScopeId?: string },
  trx?: Db,
): Promise<GraphRoleAssignment> {
  const role = roleById(input.roleDefinitionId);
  if (!role) throw directoryError('ROLE_NOT_FOUND', `roleDefinitionId '${input.roleDefinitionId}' is not a role definition`);
  const scope = input.directoryScopeId ?? '/';
  if (scope !== '/') throw directoryError('INVALID_VALUE', `directoryScopeId '${scope}' is not supported; use '/' (tenant-wide)`);
  const row = { id: newId(), principal_id: input.principalId, role_definition_id: role.id, directory_scope_id: scope, created_at: deps.clock.now() };
  const work = async (tx: Db): Promise<void> => {
    const target = await principalTarget(tx, input.principalId);
    await tx.insertInto('role_assignments').values(row).execute();
    await appendAudit(tx, deps.clock, {
      event: 'role.assignmentCreated',
      actor,
      targets: [target, { id: role.id, type: 'Role', displayName: role.displayName }],
    });
  };
  try {
    await (trx ? work(trx) : inTransaction(deps.db, work));
  } catch (error) {
    if (isUniqueViolation(error)) throw directoryError('ALREADY_MEMBER', `The principal already holds the role ${role.displayName}`);
    throw error;
  }
  return toAssignment(row);
}

export async function deleteRoleAssignment(deps: DirectoryDeps, actor: Actor, id: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    await lockGlobalAdmins(trx);
    const row = isUuid(id) ? await trx.selectFrom('role_assignments').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
    if (!row) throw directoryError('ROLE_NOT_FOUND', `No role assignment has id '${id}'`);
    await trx.deleteFrom('role_assignments').where('id', '=', id).execute();
    if (row.role_definition_id === GLOBAL_ADMINISTRATOR_ID) await assertGlobalAdminRemains(trx);
    const role = roleById(row.role_definition_id);
    await appendAudit(trx, deps.clock, {
      event: 'role.assignmentDeleted',
      actor,
      targets: [await principalTarget(trx, row.principal_id).catch(() => ({ id: row.principal_id, type: 'Unknown' })), { id: row.role_definition_id, type: 'Role', displayName: role?.displayName ?? null }],
    });
  });
}

export async function getRoleAssignment(db: Db, id: string): Promise<GraphRoleAssignment> {
  const row = isUuid(id) ? await db.selectFrom('role_assignments').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw directoryError('ROLE_NOT_FOUND', `No role assignment has id '${id}'`);
  return toAssignment(row);
}

/** Role ids assigned to a user. */
export async function roleIdsForUser(db: Db, userId: string): Promise<string[]> {
  if (!isUuid(userId)) return [];
  const rows = await db.selectFrom('role_assignments').select('role_definition_id').distinct().where('principal_id', '=', userId).execute();
  return rows.map((r) => r.role_definition_id);
}

/**
 * Remove every role assignment of a principal that is being deleted, each with its own audit event (in the
 * caller's transaction).
 */
export async function removeRoleAssignmentsOf(trx: Db, clock: DirectoryDeps['clock'], actor: Actor, principal: { id: string; type: string; displayName: string | null }): Promise<void> {
  const removed = await trx.deleteFrom('role_assignments').where('principal_id', '=', principal.id).returning(['role_definition_id']).execute();
  await appendAudit(
    trx,
    clock,
    removed.map((r) => ({
      event: 'role.assignmentDeleted' as const,
      actor,
      targets: [principal, { id: r.role_definition_id, type: 'Role', displayName: roleById(r.role_definition_id)?.displayName ?? null }],
      details: { reason: `${principal.type.toLowerCase()} deleted` },
    })),
  );
}

/** The Graph permissions a user's roles grant them (delegated access through the portal or CLI). */
export async function permissionsForUser(db: Db, userId: string): Promise<Set<Permission>> {
  const granted: Permission[] = [];
  for (const id of await roleIdsForUser(db, userId)) granted.push(...(roleById(id)?.grants ?? []));
  return expandPermissions(granted);
}

async function enabledGlobalAdmins(db: Db, excludingUserId?: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*) AS n FROM role_assignments ra JOIN users u ON u.id = ra.principal_id
    WHERE ra.role_definition_id = ${GLOBAL_ADMINISTRATOR_ID} AND u.account_enabled
      AND (${excludingUserId ?? null}::uuid IS NULL OR u.id <> ${excludingUserId ?? null}::uuid)`.execute(db);
  return rows[0]?.n ?? 0;
}

/** Refuse to disable or delete the last enabled, directly assigned Global Administrator. */
export async function assertNotLastGlobalAdmin(db: Db, userId: string): Promise<void> {
  const holds = await db
    .selectFrom('role_assignments')
    .select('id')
    .where('principal_id', '=', userId)
    .where('role_definition_id', '=', GLOBAL_ADMINISTRATOR_ID)
    .executeTakeFirst();
  if (holds && (await enabledGlobalAdmins(db, userId)) === 0) {
    throw directoryError('LAST_GLOBAL_ADMIN', 'This user is the last enabled Global Administrator; assign the role to another user first');
  }
}

async function assertGlobalAdminRemains(db: Db): Promise<void> {
  if ((await enabledGlobalAdmins(db)) === 0) {
    throw directoryError('LAST_GLOBAL_ADMIN', 'Removing this assignment would leave no enabled Global Administrator');
  }
}
