import { isUuid } from '#src/core/crypto.ts';
import { AppError } from '#src/core/errors.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import type { DirDb as Db, DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import { getExternalCollaboration } from './external-settings.service.ts';
import { assertNotLastGlobalAdmin, lockGlobalAdmins, removeRoleAssignmentsOf } from './roles.service.ts';
import { toGraphUser, type GraphUser, type UserRow } from './users.shape.ts';

/**
 * Soft deletion, as Entra's deletedItems: a guest who leaves the organization is disabled, signed out everywhere,
 * loses every group membership and role (their access ends at once), and is kept for 30 days — restorable, and
 * then purged. While deleted the user is invisible to /users; their address cannot be invited again until the
 * user is restored or purged.
 */
export const DELETED_RETENTION_DAYS = 30;

const target = (row: Pick<UserRow, 'id' | 'display_name' | 'user_principal_name'>) => ({ id: row.id, type: 'User', displayName: row.display_name, userPrincipalName: row.user_principal_name });

/** Soft-delete inside the caller's transaction; returns the ids of the groups the user was removed from. */
async function softDelete(trx: Db, deps: DirectoryDeps, actor: Actor, user: UserRow): Promise<string[]> {
  const now = deps.clock.now();
  const groups = await trx.deleteFrom('group_members').where('member_id', '=', user.id).returning('group_id').execute();
  await removeRoleAssignmentsOf(trx, deps.clock, actor, { id: user.id, type: 'User', displayName: user.display_name });
  await trx.updateTable('invitations').set((eb) => ({ status: 'Voided', voided_at: now, spent_token_hash: eb.ref('token_hash'), token_hash: null })).where('user_id', '=', user.id).where('status', '=', 'PendingAcceptance').execute();
  await trx.updateTable('users').set({ deleted_at: now, account_enabled: false, sign_in_sessions_valid_from: now }).where('id', '=', user.id).execute();
  return groups.map((g) => g.group_id);
}

/**
 * A guest leaves the organization (My Account), when the external identities policy allows it: soft-deleted as
 * above, audited with the groups they left.
 */
export async function leaveOrganization(deps: DirectoryDeps, userId: string, ipAddress: string | null): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const user = (await trx.selectFrom('users').selectAll().where('id', '=', userId).where('deleted_at', 'is', null).forUpdate().executeTakeFirst()) as UserRow | undefined;
    if (!user) throw directoryError('USER_NOT_FOUND', 'Your account no longer exists.');
    if (user.creation_type !== 'Invitation') throw new AppError('FORBIDDEN', 403, 'Only guests (invited users) can leave the organization; members are offboarded by an administrator.');
    const settings = await getExternalCollaboration(trx);
    if (!settings.allowExternalIdentitiesToLeave) throw new AppError('FORBIDDEN', 403, 'This organization does not let guests leave by themselves. Ask your sponsor or an administrator to remove your account.');
    const actor: Actor = { kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, ipAddress };
    await lockGlobalAdmins(trx);
    await assertNotLastGlobalAdmin(trx, user.id);
    const groups = await softDelete(trx, deps, actor, user);
    await appendAudit(trx, deps.clock, { event: 'user.leftOrganization', actor, targets: [target(user)], details: { groupsLeft: groups.join(','), retentionDays: DELETED_RETENTION_DAYS } });
  });
}

export type DeletedUser = GraphUser & { deletedDateTime: string };

export async function listDeletedUsers(db: Db): Promise<DeletedUser[]> {
  const rows = (await db.selectFrom('users').selectAll().where('deleted_at', 'is not', null).orderBy('deleted_at', 'desc').orderBy('id').limit(1000).execute()) as UserRow[];
  return rows.map((row) => ({ ...toGraphUser(row), deletedDateTime: (row.deleted_at as Date).toISOString() }));
}

async function deletedRow(trx: Db, id: string): Promise<UserRow> {
  const row = isUuid(id) ? ((await trx.selectFrom('users').selectAll().where('id', '=', id).where('deleted_at', 'is not', null).forUpdate().executeTakeFirst()) as UserRow | undefined) : undefined;
  if (!row) throw directoryError('USER_NOT_FOUND', `No deleted user has the id '${id}'.`);
  return row;
}

/** Graph's restore: the user comes back enabled (memberships and roles they lost stay lost: grant them again). */
export async function restoreDeletedUser(deps: DirectoryDeps, actor: Actor, id: string): Promise<GraphUser> {
  return inTransaction(deps.db, async (trx) => {
    const row = await deletedRow(trx, id);
    await trx.updateTable('users').set({ deleted_at: null, account_enabled: true }).where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, { event: 'user.restored', actor, targets: [target(row)] });
    return toGraphUser({ ...row, deleted_at: null, account_enabled: true });
  });
}

export async function purgeDeletedUser(deps: DirectoryDeps, actor: Actor, id: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await deletedRow(trx, id);
    await trx.deleteFrom('users').where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, { event: 'user.purged', actor, targets: [target(row)] });
  });
}

/** Purge users deleted more than 30 days ago. Idempotent; run it from the scheduler (leader only). */
export async function purgeExpiredDeletedUsers(deps: DirectoryDeps): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - DELETED_RETENTION_DAYS * 86_400_000);
  const due = (await deps.db.selectFrom('users').select('id').where('deleted_at', '<', cutoff).limit(500).execute()).map((r) => r.id);
  for (const id of due) await purgeDeletedUser(deps, { kind: 'system' }, id);
  return due.length;
}
