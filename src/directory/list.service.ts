import type { ODataQuery } from '#src/core/odata/index.ts';
import { listPage, validateSelect, type ListResult } from '#src/store/index.ts';
import type { DirDb as Db } from './directory.deps.ts';
import { applicationFields, groupFields, roleAssignmentFields, servicePrincipalFields, userFields } from './directory.fields.ts';
import { credentialsOf } from './applications.service.ts';
import { toGraphApplication, toGraphServicePrincipal, type GraphApplication, type GraphServicePrincipal } from './applications.shape.ts';
import { toGraphGroup, groupSelectable, type GraphGroup } from './groups.shape.ts';
import { toGraphUser, userSelectable, type GraphUser, type UserRow } from './users.shape.ts';
import type { GraphRoleAssignment } from './roles.service.ts';

/** A page of Graph objects plus what the route needs for @odata.nextLink and @odata.count. */
export interface ListPage<T> extends Omit<ListResult<T>, 'rows'> {
  value: T[];
  select: string[] | undefined;
}

export async function listUsers(db: Db, odata: ODataQuery): Promise<ListPage<GraphUser>> {
  const select = validateSelect(odata.select, userSelectable, 'users');
  const page = await listPage(db, db.selectFrom('users').selectAll().where('deleted_at', 'is', null), odata, userFields, 'users');
  const withActivity = select?.includes('signInActivity') ?? false;
  return { ...page, select, value: (page.rows as UserRow[]).map((row) => toGraphUser(row, { signInActivity: withActivity })) };
}

export async function listGroups(db: Db, odata: ODataQuery): Promise<ListPage<GraphGroup>> {
  const select = validateSelect(odata.select, groupSelectable, 'groups');
  const page = await listPage(db, db.selectFrom('groups').selectAll(), odata, groupFields, 'groups');
  return { ...page, select, value: page.rows.map(toGraphGroup) };
}

export async function listApplications(db: Db, odata: ODataQuery): Promise<ListPage<GraphApplication>> {
  const page = await listPage(db, db.selectFrom('applications').selectAll(), odata, applicationFields, 'applications');
  const creds = await credentialsOf(db, page.rows.map((r) => r.id));
  return { ...page, select: undefined, value: page.rows.map((row) => toGraphApplication(row, creds.filter((c) => c.application_id === row.id))) };
}

export async function listServicePrincipals(db: Db, odata: ODataQuery): Promise<ListPage<GraphServicePrincipal>> {
  const page = await listPage(db, db.selectFrom('service_principals').selectAll(), odata, servicePrincipalFields, 'servicePrincipals');
  return { ...page, select: undefined, value: page.rows.map(toGraphServicePrincipal) };
}

export async function listRoleAssignments(db: Db, odata: ODataQuery): Promise<ListPage<GraphRoleAssignment>> {
  const page = await listPage(db, db.selectFrom('role_assignments').selectAll(), odata, roleAssignmentFields, 'roleAssignments');
  return {
    ...page,
    select: undefined,
    value: page.rows.map((r) => ({ id: r.id, principalId: r.principal_id, roleDefinitionId: r.role_definition_id, directoryScopeId: r.directory_scope_id })),
  };
}
