import { sql } from 'kysely';
import { newId } from '#src/core/crypto.ts';
import { appendAudit } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import type { DirectoryDeps } from './directory.deps.ts';
import { createServicePrincipal } from './service-principals.service.ts';
import { createRoleAssignment } from './roles.service.ts';
import { GRAPH_APP_ID } from './permissions.ts';
import { GLOBAL_ADMINISTRATOR_ID } from './roles.ts';
import { getTenant, type Tenant } from './tenant.service.ts';

export interface BootstrapInput {
  tenantDisplayName: string;
  initialDomain: string;
  adminUserName: string;
}

export interface BootstrapResult {
  tenant: Tenant;
  /** True only on the start that created the tenant. */
  created: boolean;
  /** The initial Global Administrator (created now or earlier; '' if that account was deleted). */
  adminUserId: string;
  adminUserPrincipalName: string;
  /** Whether that administrator never set a password nor signed in (the set-password link is still needed). */
  adminNeedsPassword: boolean;
}

const DOMAIN = /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^[a-z0-9-]+\.local$/i;

/**
 * First start: the tenant, the Graph-compatible API's service principal, and the initial Global Administrator,
 * in one transaction. Nodes starting together against one database serialise on an advisory lock, and the one
 * that finds the tenant already there only reads it: bootstrap happens once.
 */
export async function bootstrapDirectory(deps: DirectoryDeps, input: BootstrapInput): Promise<BootstrapResult> {
  if (!DOMAIN.test(input.initialDomain)) throw new Error(`tenantInitialDomain '${input.initialDomain}' is not a domain name`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.adminUserName)) throw new Error(`bootstrapAdminUserName '${input.adminUserName}' is not a valid user name`);
  const actor = { kind: 'system' } as const;
  return inTransaction(deps.db, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('gatehouse:bootstrap'))`.execute(trx);
    const existing = await getTenant(trx);
    if (existing) {
      // Only the account bootstrap created, still holding Global Administrator and never used, gets a new link:
      // never some other administrator who merely has no local password.
      const upn = `${input.adminUserName}@${existing.initialDomain}`;
      const admin = await trx
        .selectFrom('users as u')
        .innerJoin('role_assignments as ra', 'ra.principal_id', 'u.id')
        .select(['u.id', 'u.password_hash', 'u.last_sign_in_at'])
        .where((eb) => eb(eb.fn('lower', ['u.user_principal_name']), '=', upn.toLowerCase()))
        .where('ra.role_definition_id', '=', GLOBAL_ADMINISTRATOR_ID)
        .executeTakeFirst();
      return {
        tenant: existing,
        created: false,
        adminUserId: admin?.id ?? '',
        adminUserPrincipalName: upn,
        adminNeedsPassword: admin !== undefined && admin.password_hash === null && admin.last_sign_in_at === null,
      };
    }
    const now = deps.clock.now();
    const tenant = { id: newId(), display_name: input.tenantDisplayName, initial_domain: input.initialDomain.toLowerCase(), created_at: now };
    await trx.insertInto('tenant').values(tenant).execute();
    await appendAudit(trx, deps.clock, { event: 'tenant.created', actor, targets: [{ id: tenant.id, type: 'Directory', displayName: tenant.display_name }] });
    await createServicePrincipal(deps, actor, GRAPH_APP_ID, trx);
    const upn = `${input.adminUserName}@${tenant.initial_domain}`;
    const adminId = newId();
    await trx
      .insertInto('users')
      .values({
        id: adminId,
        display_name: 'Administrator',
        user_principal_name: upn,
        mail_nickname: input.adminUserName,
        user_type: 'Member',
        creation_type: null,
        identities: JSON.stringify([{ signInType: 'userPrincipalName', issuer: tenant.initial_domain, issuerAssignedId: upn }]),
        other_mails: [],
        account_enabled: true,
        password_hash: null,
        password_change_required: false,
        sign_in_sessions_valid_from: now,
        created_at: now,
      } as never)
      .execute();
    await appendAudit(trx, deps.clock, { event: 'user.created', actor, targets: [{ id: adminId, type: 'User', displayName: 'Administrator', userPrincipalName: upn }] });
    await createRoleAssignment(deps, actor, { principalId: adminId, roleDefinitionId: GLOBAL_ADMINISTRATOR_ID }, trx);
    return {
      tenant: { id: tenant.id, displayName: tenant.display_name, initialDomain: tenant.initial_domain, createdDateTime: now.toISOString() },
      created: true,
      adminUserId: adminId,
      adminUserPrincipalName: upn,
      adminNeedsPassword: true,
    };
  });
}
