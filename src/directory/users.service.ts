import { changedProperties } from '#src/core/diff.ts';
import { AppError } from '#src/core/errors.ts';
import { isUuid, newId } from '#src/core/crypto.ts';
import { hashPassword, passwordProblem } from '#src/core/password.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import { isUniqueViolation, type DirDb as Db, type DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import { verifiedDomains } from './tenant.service.ts';
import { newUserRow, toGraphUser, userWritable, type GraphUser, type UserPatch, type UserRow } from './users.shape.ts';
import { assertNotLastGlobalAdmin, lockGlobalAdmins, removeRoleAssignmentsOf } from './roles.service.ts';

export interface CreateUserInput {
  displayName: string;
  userPrincipalName: string;
  mailNickname?: string;
  accountEnabled?: boolean;
  password?: string;
  forceChangePasswordNextSignIn?: boolean;
  userType?: 'Member' | 'Guest';
  mail?: string | null;
  givenName?: string | null;
  surname?: string | null;
  companyName?: string | null;
  employeeType?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  usageLocation?: string | null;
  otherMails?: string[];
  creationType?: string | null;
}

const UPN = /^[A-Za-z0-9._%+'#-]{1,64}@[A-Za-z0-9.-]{1,253}$/;

/** Check the form and domain of a userPrincipalName; returns the (lower-case) domain. */
async function checkUpn(db: Db, upn: string): Promise<string> {
  if (!UPN.test(upn)) throw directoryError('INVALID_VALUE', `userPrincipalName '${upn}' is not of the form alias@domain`);
  const domain = upn.slice(upn.lastIndexOf('@') + 1).toLowerCase();
  const domains = await verifiedDomains(db);
  if (!domains.includes(domain)) {
    throw directoryError('INVALID_VALUE', `The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization: ${domains.join(', ')}`);
  }
  return domain;
}

const userTarget = (row: Pick<UserRow, 'id' | 'display_name' | 'user_principal_name'>) => ({
  id: row.id,
  type: 'User',
  displayName: row.display_name,
  userPrincipalName: row.user_principal_name,
});

/** Create a user; a member's userPrincipalName must be in a verified domain of the tenant. */
export async function createUser(deps: DirectoryDeps, actor: Actor, input: CreateUserInput): Promise<GraphUser> {
  const domain = await checkUpn(deps.db, input.userPrincipalName);
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password);
    if (problem) throw directoryError('INVALID_VALUE', `passwordProfile.password: ${problem}`);
  }
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const now = deps.clock.now();
  const row = newUserRow(now, {
    id: newId(),
    display_name: input.displayName,
    given_name: input.givenName ?? null,
    surname: input.surname ?? null,
    mail: input.mail ?? null,
    mail_nickname: input.mailNickname ?? input.userPrincipalName.split('@')[0] ?? null,
    user_principal_name: input.userPrincipalName,
    user_type: input.userType ?? 'Member',
    creation_type: input.creationType ?? null,
    identities: [{ signInType: 'userPrincipalName', issuer: domain, issuerAssignedId: input.userPrincipalName }],
    other_mails: input.otherMails ?? [],
    account_enabled: input.accountEnabled ?? true,
    company_name: input.companyName ?? null,
    employee_type: input.employeeType ?? null,
    department: input.department ?? null,
    job_title: input.jobTitle ?? null,
    usage_location: input.usageLocation ?? null,
    password_hash: passwordHash,
    password_change_required: input.forceChangePasswordNextSignIn ?? false,
  });
  try {
    await inTransaction(deps.db, async (trx) => {
      await trx.insertInto('users').values({ ...row, identities: JSON.stringify(row.identities) }).execute();
      await appendAudit(trx, deps.clock, { event: 'user.created', actor, targets: [userTarget(row)] });
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw directoryError('DUPLICATE_VALUE', `Another object with the same value for property userPrincipalName already exists: ${input.userPrincipalName}`);
    }
    throw error;
  }
  return toGraphUser(row);
}

/** A user row by id or userPrincipalName (case-insensitive), or undefined. */
export async function findUserRow(db: Db, idOrUpn: string): Promise<UserRow | undefined> {
  const isId = isUuid(idOrUpn);
  const query = db.selectFrom('users').selectAll().where('deleted_at', 'is', null);
  const row = isId
    ? await query.where('id', '=', idOrUpn).executeTakeFirst()
    : await query.where((eb) => eb(eb.fn('lower', ['user_principal_name']), '=', idOrUpn.toLowerCase())).executeTakeFirst();
  return row as UserRow | undefined;
}

export async function getUserRow(db: Db, idOrUpn: string): Promise<UserRow> {
  const row = await findUserRow(db, idOrUpn);
  if (!row) throw directoryError('USER_NOT_FOUND', `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`);
  return row;
}

/**
 * Whether the caller may change users who hold a directory role. Like Entra, a User Administrator (or an app with
 * User.ReadWrite.All) cannot disable, delete, rename or sign out an administrator; that takes the right to manage
 * roles. System callers (bootstrap, sign-in) may.
 */
export interface ManageOptions {
  mayManagePrivileged?: boolean;
}

async function assertMayManage(db: Db, user: UserRow, options: ManageOptions): Promise<void> {
  if (options.mayManagePrivileged !== false) return;
  const held = await db.selectFrom('role_assignments').select('role_definition_id').where('principal_id', '=', user.id).executeTakeFirst();
  if (held) {
    throw new AppError('FORBIDDEN', 403, `${user.user_principal_name} holds a directory role: changing this user requires the permission RoleManagement.ReadWrite.Directory.`);
  }
}

/** Apply a partial update; modifiedProperties in the audit event name each change. */
export async function updateUser(deps: DirectoryDeps, actor: Actor, idOrUpn: string, patch: UserPatch, options: ManageOptions = {}): Promise<void> {
  if (patch.userPrincipalName !== undefined) await checkUpn(deps.db, patch.userPrincipalName);
  try {
    await inTransaction(deps.db, async (trx) => {
      const before = await trx.selectFrom('users').selectAll().where('id', '=', (await getUserRow(trx, idOrUpn)).id).forUpdate().executeTakeFirstOrThrow() as UserRow;
      await assertMayManage(trx, before, options);
      const changes = changedProperties(toGraphUser(before) as unknown as Record<string, unknown>, patch);
      if (changes.length === 0) return;
      const values: Record<string, unknown> = {};
      for (const [prop, column] of Object.entries(userWritable)) {
        const value = (patch as Record<string, unknown>)[prop];
        if (value !== undefined) values[column] = value;
      }
      if (patch.userPrincipalName !== undefined) {
        // The local sign-in identity follows the userPrincipalName.
        const identities = before.identities.map((i) => (i.signInType === 'userPrincipalName' ? { ...i, issuerAssignedId: patch.userPrincipalName as string } : i));
        values.identities = JSON.stringify(identities);
      }
      if (patch.accountEnabled === false && before.account_enabled) {
        await lockGlobalAdmins(trx);
        await assertNotLastGlobalAdmin(trx, before.id);
      }
      await trx.updateTable('users').set(values).where('id', '=', before.id).execute();
      await appendAudit(trx, deps.clock, { event: 'user.updated', actor, targets: [{ ...userTarget(before), modifiedProperties: changes }] });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw directoryError('DUPLICATE_VALUE', `Another object with the same value for property userPrincipalName already exists.`);
    throw error;
  }
}

/** Delete a user with their memberships, ownerships, sponsorships and role assignments. */
export async function deleteUser(deps: DirectoryDeps, actor: Actor, idOrUpn: string, options: ManageOptions = {}): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    await lockGlobalAdmins(trx);
    const row = await getUserRow(trx, idOrUpn);
    await assertMayManage(trx, row, options);
    await assertNotLastGlobalAdmin(trx, row.id);
    await trx.deleteFrom('group_members').where('member_id', '=', row.id).execute();
    await removeRoleAssignmentsOf(trx, deps.clock, actor, { id: row.id, type: 'User', displayName: row.display_name });
    await trx.deleteFrom('users').where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, { event: 'user.deleted', actor, targets: [userTarget(row)] });
  });
}

/**
 * Set a user's password (already checked for strength by the caller), clear "change at next sign-in", and end
 * every session and delegated token issued before now.
 */
export async function setPasswordHash(deps: DirectoryDeps, actor: Actor, userId: string, passwordHash: string, trx?: Db): Promise<void> {
  const work = async (tx: Db): Promise<void> => {
    const row = await getUserRow(tx, userId);
    await tx.updateTable('users').set({ password_hash: passwordHash, password_change_required: false, sign_in_sessions_valid_from: deps.clock.now() }).where('id', '=', row.id).execute();
    await appendAudit(tx, deps.clock, { event: 'user.passwordSet', actor, targets: [userTarget(row)] });
  };
  await (trx ? work(trx) : inTransaction(deps.db, work));
}

/** Record a sign-in on the user (signInActivity). */
export async function recordSignIn(db: Db, userId: string, at: Date, interactive: boolean): Promise<void> {
  await db
    .updateTable('users')
    .set(interactive ? { last_sign_in_at: at, last_successful_sign_in_at: at } : { last_non_interactive_sign_in_at: at, last_successful_sign_in_at: at })
    .where('id', '=', userId)
    .execute();
}

/** Graph's revokeSignInSessions: every session and refresh token issued before now stops working. */
export async function revokeSignInSessions(deps: DirectoryDeps, actor: Actor, idOrUpn: string, options: ManageOptions = {}): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await getUserRow(trx, idOrUpn);
    await assertMayManage(trx, row, options);
    await trx.updateTable('users').set({ sign_in_sessions_valid_from: deps.clock.now() }).where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, { event: 'user.sessionsRevoked', actor, targets: [userTarget(row)] });
  });
}
