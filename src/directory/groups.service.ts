import { sql } from 'kysely';
import { changedProperties } from '#src/core/diff.ts';
import { isUuid, newId } from '#src/core/crypto.ts';
import { appendAudit, type Actor, type AuditInput, type AuditTarget } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import { type DirDb as Db, type DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import { groupWritable, toGraphGroup, type GraphGroup, type GroupPatch, type GroupRow } from './groups.shape.ts';
import { toGraphUser, type GraphUser, type UserRow } from './users.shape.ts';

export interface CreateGroupInput {
  displayName: string;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  description?: string | null;
  groupTypes?: string[];
  ownerIds?: string[];
  memberIds?: string[];
}

const groupTarget = (row: Pick<GroupRow, 'id' | 'display_name'>): AuditTarget => ({ id: row.id, type: 'Group', displayName: row.display_name });

/** A member or owner as Graph lists it: the object with its @odata.type. */
export type DirectoryObject = ({ '@odata.type': '#microsoft.graph.user' } & GraphUser) | ({ '@odata.type': '#microsoft.graph.group' } & GraphGroup);

export async function getGroupRow(db: Db, id: string): Promise<GroupRow> {
  const row = isUuid(id) ? await db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw directoryError('GROUP_NOT_FOUND', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
  return row;
}

/** Create a security group (assigned membership), optionally with its first owners and members. */
export async function createGroup(deps: DirectoryDeps, actor: Actor, input: CreateGroupInput): Promise<GraphGroup> {
  if (input.mailEnabled) throw directoryError('INVALID_VALUE', 'mailEnabled must be false: Gatehouse groups are security groups');
  if (!input.securityEnabled) throw directoryError('INVALID_VALUE', 'securityEnabled must be true: Gatehouse groups are security groups');
  const types = input.groupTypes ?? [];
  if (types.length > 0) {
    throw directoryError('INVALID_VALUE', `groupTypes ${JSON.stringify(types)} is not supported yet: only assigned security groups (groupTypes []) can be created`);
  }
  const row: GroupRow = {
    id: newId(),
    display_name: input.displayName,
    description: input.description ?? null,
    mail_nickname: input.mailNickname,
    mail_enabled: false,
    security_enabled: true,
    group_types: [],
    membership_rule: null,
    membership_rule_processing_state: null,
    created_at: deps.clock.now(),
  };
  await inTransaction(deps.db, async (trx) => {
    await trx.insertInto('groups').values(row).execute();
    const events: AuditInput[] = [{ event: 'group.created', actor, targets: [groupTarget(row)] }];
    for (const ownerId of input.ownerIds ?? []) {
      events.push({ event: 'group.ownerAdded', actor, targets: [groupTarget(row), await insertOwner(trx, row.id, ownerId)] });
    }
    for (const memberId of input.memberIds ?? []) {
      events.push({ event: 'group.memberAdded', actor, targets: [groupTarget(row), await insertMember(trx, row, memberId)] });
    }
    await appendAudit(trx, deps.clock, events);
  });
  return toGraphGroup(row);
}

export async function updateGroup(deps: DirectoryDeps, actor: Actor, id: string, patch: GroupPatch): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const before = await getGroupRow(trx, id);
    const changes = changedProperties(toGraphGroup(before) as unknown as Record<string, unknown>, patch);
    if (changes.length === 0) return;
    const values: Record<string, unknown> = {};
    for (const [prop, column] of Object.entries(groupWritable)) {
      const value = (patch as Record<string, unknown>)[prop];
      if (value !== undefined) values[column] = value;
    }
    await trx.updateTable('groups').set(values).where('id', '=', before.id).execute();
    await appendAudit(trx, deps.clock, { event: 'group.updated', actor, targets: [{ ...groupTarget(before), modifiedProperties: changes }] });
  });
}

export async function deleteGroup(deps: DirectoryDeps, actor: Actor, id: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await getGroupRow(trx, id);
    await trx.deleteFrom('group_members').where('member_id', '=', row.id).execute();
    await trx.deleteFrom('groups').where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, { event: 'group.deleted', actor, targets: [groupTarget(row)] });
  });
}

async function objectTarget(db: Db, id: string): Promise<{ kind: 'user' | 'group'; target: AuditTarget }> {
  if (isUuid(id)) {
    const user = await db.selectFrom('users').select(['id', 'display_name', 'user_principal_name']).where('id', '=', id).executeTakeFirst();
    if (user) return { kind: 'user', target: { id: user.id, type: 'User', displayName: user.display_name, userPrincipalName: user.user_principal_name } };
    const group = await db.selectFrom('groups').select(['id', 'display_name']).where('id', '=', id).executeTakeFirst();
    if (group) return { kind: 'group', target: groupTarget(group) };
  }
  throw directoryError('OBJECT_NOT_FOUND', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

async function insertMember(trx: Db, group: GroupRow, memberId: string): Promise<AuditTarget> {
  const { kind, target } = await objectTarget(trx, memberId);
  if (kind === 'group') {
    // Two concurrent nestings (A into B, B into A) would each pass the cycle check: serialise nesting changes.
    await sql`SELECT pg_advisory_xact_lock(hashtext('gatehouse:group-nesting'))`.execute(trx);
    // Adding a group that (transitively) contains this group would make membership circular.
    const { rows } = await sql<{ found: boolean }>`
      WITH RECURSIVE inside(id) AS (
        SELECT ${memberId}::uuid
        UNION
        SELECT gm.member_id FROM group_members gm JOIN inside i ON gm.group_id = i.id WHERE gm.member_kind = 'group'
      ) SELECT EXISTS (SELECT 1 FROM inside WHERE id = ${group.id}::uuid) AS found`.execute(trx);
    if (rows[0]?.found) throw directoryError('INVALID_VALUE', `Adding group '${memberId}' would make group membership circular`);
  }
  const inserted = await trx
    .insertInto('group_members')
    .values({ group_id: group.id, member_id: memberId, member_kind: kind })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    throw directoryError('ALREADY_MEMBER', 'One or more added object references already exist for the following modified properties: \'members\'.');
  }
  return target;
}

async function insertOwner(trx: Db, groupId: string, ownerId: string): Promise<AuditTarget> {
  const { kind, target } = await objectTarget(trx, ownerId);
  if (kind !== 'user') throw directoryError('INVALID_VALUE', 'Only users can own a group');
  const inserted = await trx.insertInto('group_owners').values({ group_id: groupId, owner_id: ownerId }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    throw directoryError('ALREADY_MEMBER', 'One or more added object references already exist for the following modified properties: \'owners\'.');
  }
  return target;
}

export async function addMember(deps: DirectoryDeps, actor: Actor, groupId: string, memberId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const group = await getGroupRow(trx, groupId);
    const target = await insertMember(trx, group, memberId);
    await appendAudit(trx, deps.clock, { event: 'group.memberAdded', actor, targets: [groupTarget(group), target] });
  });
}

export async function removeMember(deps: DirectoryDeps, actor: Actor, groupId: string, memberId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const group = await getGroupRow(trx, groupId);
    const { target } = await objectTarget(trx, memberId);
    const deleted = await trx.deleteFrom('group_members').where('group_id', '=', group.id).where('member_id', '=', memberId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw directoryError('OBJECT_NOT_FOUND', `'${memberId}' is not a direct member of group '${group.id}'`);
    await appendAudit(trx, deps.clock, { event: 'group.memberRemoved', actor, targets: [groupTarget(group), target] });
  });
}

export async function addOwner(deps: DirectoryDeps, actor: Actor, groupId: string, ownerId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const group = await getGroupRow(trx, groupId);
    const target = await insertOwner(trx, group.id, ownerId);
    await appendAudit(trx, deps.clock, { event: 'group.ownerAdded', actor, targets: [groupTarget(group), target] });
  });
}

export async function removeOwner(deps: DirectoryDeps, actor: Actor, groupId: string, ownerId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const group = await getGroupRow(trx, groupId);
    const { target } = await objectTarget(trx, ownerId);
    const deleted = await trx.deleteFrom('group_owners').where('group_id', '=', group.id).where('owner_id', '=', ownerId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw directoryError('OBJECT_NOT_FOUND', `'${ownerId}' is not an owner of group '${group.id}'`);
    await appendAudit(trx, deps.clock, { event: 'group.ownerRemoved', actor, targets: [groupTarget(group), target] });
  });
}

async function objectsByIds(db: Db, userIds: string[], groupIds: string[]): Promise<DirectoryObject[]> {
  const users = userIds.length ? ((await db.selectFrom('users').selectAll().where('id', 'in', userIds).orderBy('display_name').orderBy('id').execute()) as UserRow[]) : [];
  const groups = groupIds.length ? await db.selectFrom('groups').selectAll().where('id', 'in', groupIds).orderBy('display_name').orderBy('id').execute() : [];
  return [
    ...users.map((u) => ({ '@odata.type': '#microsoft.graph.user' as const, ...toGraphUser(u) })),
    ...groups.map((g) => ({ '@odata.type': '#microsoft.graph.group' as const, ...toGraphGroup(g) })),
  ];
}

/** Direct members, or with `transitive` every user and group reachable through nested groups. */
export async function listMembers(db: Db, groupId: string, options: { transitive?: boolean } = {}): Promise<DirectoryObject[]> {
  const group = await getGroupRow(db, groupId);
  const { rows } = options.transitive
    ? await sql<{ member_id: string; member_kind: string }>`
        WITH RECURSIVE m(member_id, member_kind) AS (
          SELECT member_id, member_kind FROM group_members WHERE group_id = ${group.id}
          UNION
          SELECT gm.member_id, gm.member_kind FROM group_members gm JOIN m ON gm.group_id = m.member_id WHERE m.member_kind = 'group'
        ) SELECT DISTINCT member_id, member_kind FROM m`.execute(db)
    : await sql<{ member_id: string; member_kind: string }>`SELECT member_id, member_kind FROM group_members WHERE group_id = ${group.id}`.execute(db);
  return objectsByIds(
    db,
    rows.filter((r) => r.member_kind === 'user').map((r) => r.member_id),
    rows.filter((r) => r.member_kind === 'group').map((r) => r.member_id),
  );
}

export async function listOwners(db: Db, groupId: string): Promise<DirectoryObject[]> {
  const group = await getGroupRow(db, groupId);
  const rows = await db.selectFrom('group_owners').select('owner_id').where('group_id', '=', group.id).execute();
  return objectsByIds(db, rows.map((r) => r.owner_id), []);
}

/** Groups an object (user or group) is a direct or, with `transitive`, nested member of. */
export async function listMemberOf(db: Db, objectId: string, options: { transitive?: boolean } = {}): Promise<DirectoryObject[]> {
  const { rows } = options.transitive
    ? await sql<{ id: string }>`
        WITH RECURSIVE g(id) AS (
          SELECT group_id FROM group_members WHERE member_id = ${objectId}::uuid
          UNION
          SELECT gm.group_id FROM group_members gm JOIN g ON gm.member_id = g.id
        ) SELECT id FROM g`.execute(db)
    : await sql<{ id: string }>`SELECT group_id AS id FROM group_members WHERE member_id = ${objectId}::uuid`.execute(db);
  return objectsByIds(db, [], rows.map((r) => r.id));
}
