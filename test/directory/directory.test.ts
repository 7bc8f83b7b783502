import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { manualClock } from '#src/core/clock.ts';
import { verifyAuditChain } from '#src/audit/index.ts';
import {
  addMember,
  addOwner,
  bootstrapDirectory,
  createGroup,
  createUser,
  deleteUser,
  GLOBAL_ADMINISTRATOR_ID,
  createRoleAssignment,
  listMemberOf,
  listMembers,
  permissionsForUser,
  removeMember,
  updateUser,
  type DirectoryDeps,
} from '#src/directory/index.ts';
import { describeEachBackend, defaultBackend } from '../helpers/database.ts';

const system = { kind: 'system' } as const;

describeEachBackend(
  'directory services',
  (ctx) => {
    const clock = manualClock(new Date('2026-11-21T10:00:00Z'));
    let deps: DirectoryDeps;
    let adminId = '';
    before(async () => {
      deps = { db: ctx.db, clock };
      adminId = (await bootstrapDirectory(deps, { tenantDisplayName: 'Contoso', initialDomain: 'contoso.test', adminUserName: 'admin' })).adminUserId;
    });

    const auditCount = async (activity: string): Promise<number> =>
      (await sql<{ n: number }>`SELECT count(*) AS n FROM audit_entries WHERE activity_display_name = ${activity}`.execute(ctx.db)).rows[0]?.n ?? 0;

    it('bootstraps once, even when nodes race', async () => {
      const results = await Promise.all([1, 2, 3].map(() => bootstrapDirectory(deps, { tenantDisplayName: 'X', initialDomain: 'x.test', adminUserName: 'admin' })));
      assert.ok(results.every((r) => !r.created && r.tenant.initialDomain === 'contoso.test' && r.adminUserId === adminId));
      const tenants = await sql<{ n: number }>`SELECT count(*) AS n FROM tenant`.execute(ctx.db);
      assert.equal(tenants.rows[0]?.n, 1);
    });

    it('creates a user with its audit event in the same transaction, and refuses a duplicate UPN', async () => {
      const before = await auditCount('Add user');
      const user = await createUser(deps, system, { displayName: 'Ada Lovelace', userPrincipalName: 'ada@contoso.test', password: 'correct horse battery' });
      assert.equal(user.userType, 'Member');
      assert.equal(await auditCount('Add user'), before + 1);
      await assert.rejects(createUser(deps, system, { displayName: 'Ada 2', userPrincipalName: 'ADA@contoso.test' }), /already exists/);
      assert.equal(await auditCount('Add user'), before + 1, 'a refused change writes no audit event');
    });

    it('refuses a member UPN outside the verified domains and a weak password', async () => {
      await assert.rejects(createUser(deps, system, { displayName: 'Eve', userPrincipalName: 'eve@evil.test' }), /verified domain/);
      await assert.rejects(createUser(deps, system, { displayName: 'Bob', userPrincipalName: 'bob@contoso.test', password: 'short' }), /at least 12/);
    });

    it('records modified properties on update', async () => {
      const user = await createUser(deps, system, { displayName: 'Grace', userPrincipalName: 'grace@contoso.test' });
      await updateUser(deps, system, user.id, { jobTitle: 'Admiral', department: null });
      const { rows } = await sql<{ data: string }>`SELECT data FROM audit_entries WHERE activity_display_name = 'Update user' ORDER BY activity_at DESC, chain DESC, seq DESC LIMIT 1`.execute(ctx.db);
      const audit = JSON.parse(rows[0]?.data ?? '{}');
      assert.deepEqual(audit.targetResources[0].modifiedProperties, [{ displayName: 'jobTitle', oldValue: null, newValue: '"Admiral"' }]);
    });

    it('resolves nested membership transitively and refuses a cycle', async () => {
      const alice = await createUser(deps, system, { displayName: 'Alice', userPrincipalName: 'alice@contoso.test' });
      const outer = await createGroup(deps, system, { displayName: 'Outer', mailNickname: 'outer', mailEnabled: false, securityEnabled: true });
      const inner = await createGroup(deps, system, { displayName: 'Inner', mailNickname: 'inner', mailEnabled: false, securityEnabled: true, memberIds: [alice.id] });
      await addMember(deps, system, outer.id, inner.id);
      const transitive = await listMembers(ctx.db, outer.id, { transitive: true });
      assert.deepEqual(transitive.map((m) => m.displayName).sort(), ['Alice', 'Inner']);
      assert.deepEqual((await listMemberOf(ctx.db, alice.id, { transitive: true })).map((g) => g.displayName).sort(), ['Inner', 'Outer']);
      await assert.rejects(addMember(deps, system, inner.id, outer.id), /circular/);
      await assert.rejects(addMember(deps, system, inner.id, alice.id), /already exist/);
      await removeMember(deps, system, inner.id, alice.id);
      assert.deepEqual(await listMemberOf(ctx.db, alice.id), []);
    });

    it('grants a role\'s permissions to the user it is assigned to, and refuses roles for groups', async () => {
      const bob = await createUser(deps, system, { displayName: 'Bob', userPrincipalName: 'bob@contoso.test' });
      assert.equal((await permissionsForUser(ctx.db, bob.id)).size, 0);
      const admins = await createGroup(deps, system, { displayName: 'Helpdesk', mailNickname: 'helpdesk', mailEnabled: false, securityEnabled: true, memberIds: [bob.id] });
      // A group holding a role would let whoever manages its members hand out that role.
      await assert.rejects(createRoleAssignment(deps, system, { principalId: admins.id, roleDefinitionId: 'fe930be7-5e62-47db-91af-98c3a49a38b1' }), /not a user/);
      await createRoleAssignment(deps, system, { principalId: bob.id, roleDefinitionId: 'fe930be7-5e62-47db-91af-98c3a49a38b1' });
      const granted = await permissionsForUser(ctx.db, bob.id);
      assert.ok(granted.has('User.ReadWrite.All') && granted.has('User.Read.All'));
      assert.ok(!granted.has('RoleManagement.ReadWrite.Directory'));
    });

    it('refuses a User Administrator changing an administrator, but not a Global Administrator', async () => {
      await assert.rejects(updateUser(deps, system, adminId, { jobTitle: 'x' }, { mayManagePrivileged: false }), /holds a directory role/);
      await assert.rejects(deleteUser(deps, system, adminId, { mayManagePrivileged: false }), /RoleManagement\.ReadWrite\.Directory/);
      await updateUser(deps, system, adminId, { jobTitle: 'Owner' }, { mayManagePrivileged: true });
    });

    it('audits role assignments removed with a deleted user', async () => {
      const temp = await createUser(deps, system, { displayName: 'Temp admin', userPrincipalName: 'temp@contoso.test' });
      await createRoleAssignment(deps, system, { principalId: temp.id, roleDefinitionId: '5d6b6bb7-de71-4623-b4af-96380a352509' });
      const before = await auditCount('Remove member from role');
      await deleteUser(deps, system, temp.id);
      assert.equal(await auditCount('Remove member from role'), before + 1);
    });

    it('never leaves the tenant without an enabled Global Administrator', async () => {
      await assert.rejects(updateUser(deps, system, adminId, { accountEnabled: false }), /last enabled Global Administrator/);
      await assert.rejects(deleteUser(deps, system, adminId), /last enabled Global Administrator/);
      const second = await createUser(deps, system, { displayName: 'Second admin', userPrincipalName: 'admin2@contoso.test' });
      await createRoleAssignment(deps, system, { principalId: second.id, roleDefinitionId: GLOBAL_ADMINISTRATOR_ID });
      await updateUser(deps, system, adminId, { accountEnabled: false });
      await updateUser(deps, system, adminId, { accountEnabled: true });
    });

    it('keeps the audit chain intact across all of it', async () => {
      const owner = await createUser(deps, system, { displayName: 'Owner', userPrincipalName: 'owner@contoso.test' });
      const group = await createGroup(deps, system, { displayName: 'Owned', mailNickname: 'owned', mailEnabled: false, securityEnabled: true });
      await addOwner(deps, system, group.id, owner.id);
      const result = await verifyAuditChain(ctx.db);
      assert.equal(result.ok, true, JSON.stringify(result.broken));
      assert.ok(result.checked > 10);
    });
  },
  [defaultBackend()],
);
