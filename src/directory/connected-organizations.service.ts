import { changedProperties } from '#src/core/diff.ts';
import { isUuid, newId } from '#src/core/crypto.ts';
import type { ODataQuery } from '#src/core/odata/index.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { inTransaction, listPage, type FieldMap } from '#src/store/index.ts';
import type { DirDb as Db, DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import type { ConnectedOrganizationTable, IdentitySource } from './directory.tables.ts';
import type { Selectable, Updateable } from 'kysely';
import { getUserRow } from './users.service.ts';
import { toGraphUser, type GraphUser, type UserRow } from './users.shape.ts';

/**
 * Partner organizations in Graph's connectedOrganization shape: who a supplier is (its domains, identity provider
 * issuer or tenant id), whether it is configured or only proposed, and its internal and external sponsors.
 */
type Row = Selectable<ConnectedOrganizationTable>;

export interface GraphConnectedOrganization {
  id: string;
  displayName: string;
  description: string | null;
  state: 'configured' | 'proposed';
  identitySources: IdentitySource[];
  createdDateTime: string;
  modifiedDateTime: string;
}

const toGraph = (row: Row): GraphConnectedOrganization => ({
  id: row.id,
  displayName: row.display_name,
  description: row.description,
  state: row.state,
  identitySources: row.identity_sources,
  createdDateTime: row.created_at.toISOString(),
  modifiedDateTime: row.modified_at.toISOString(),
});

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function normalizeSources(raw: unknown): IdentitySource[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 50) throw directoryError('INVALID_VALUE', 'identitySources must list 1 to 50 identity sources');
  return raw.map((source: Record<string, unknown>, i): IdentitySource => {
    const type = source?.['@odata.type'];
    const displayName = typeof source.displayName === 'string' && source.displayName.trim() ? source.displayName.trim() : null;
    const domain = typeof source.domainName === 'string' ? source.domainName.trim().toLowerCase() : null;
    if (domain !== null && !DOMAIN.test(domain)) throw directoryError('INVALID_VALUE', `identitySources[${i}].domainName '${String(source.domainName)}' is not a domain name`);
    switch (type) {
      case '#microsoft.graph.domainIdentitySource':
        if (!domain) throw directoryError('INVALID_VALUE', `identitySources[${i}]: a domainIdentitySource needs domainName`);
        return { '@odata.type': type, domainName: domain, displayName: displayName ?? domain };
      case '#microsoft.graph.externalDomainFederation': {
        const issuer = source.issuerUri;
        if (typeof issuer !== 'string' || !/^https?:\/\/\S+$/.test(issuer) || issuer.length > 2048) throw directoryError('INVALID_VALUE', `identitySources[${i}]: an externalDomainFederation needs issuerUri (the identity provider's issuer or SAML entity id)`);
        return { '@odata.type': type, issuerUri: issuer, domainName: domain, displayName: displayName ?? issuer };
      }
      case '#microsoft.graph.azureActiveDirectoryTenant': {
        const tenantId = source.tenantId;
        if (typeof tenantId !== 'string' || !isUuid(tenantId)) throw directoryError('INVALID_VALUE', `identitySources[${i}]: an azureActiveDirectoryTenant needs tenantId (a GUID)`);
        return { '@odata.type': type, tenantId: tenantId.toLowerCase(), displayName: displayName ?? tenantId };
      }
      default:
        throw directoryError('INVALID_VALUE', `identitySources[${i}]['@odata.type'] must be #microsoft.graph.domainIdentitySource, #microsoft.graph.externalDomainFederation or #microsoft.graph.azureActiveDirectoryTenant`);
    }
  });
}

const orgTarget = (row: Pick<Row, 'id' | 'display_name'>) => ({ id: row.id, type: 'ConnectedOrganization', displayName: row.display_name });

export interface ConnectedOrganizationInput {
  displayName: string;
  description?: string | null;
  identitySources: unknown;
  state?: 'configured' | 'proposed';
}

export async function createConnectedOrganization(deps: DirectoryDeps, actor: Actor, input: ConnectedOrganizationInput): Promise<GraphConnectedOrganization> {
  const now = deps.clock.now();
  const row: Row = { id: newId(), display_name: input.displayName.trim(), description: input.description ?? null, state: input.state ?? 'configured', identity_sources: normalizeSources(input.identitySources), created_at: now, modified_at: now };
  if (!row.display_name) throw directoryError('INVALID_VALUE', 'displayName must not be empty');
  await inTransaction(deps.db, async (trx) => {
    await trx.insertInto('connected_organizations').values({ ...row, identity_sources: JSON.stringify(row.identity_sources) }).execute();
    await appendAudit(trx, deps.clock, { event: 'partner.created', actor, targets: [orgTarget(row)], details: { state: row.state } });
  });
  return toGraph(row);
}

async function getRow(db: Db, id: string, lock = false): Promise<Row> {
  const query = db.selectFrom('connected_organizations').selectAll().where('id', '=', isUuid(id) ? id : '00000000-0000-0000-0000-000000000000');
  const row = (await (lock ? query.forUpdate() : query).executeTakeFirst()) as Row | undefined;
  if (!row) throw directoryError('CONNECTED_ORGANIZATION_NOT_FOUND', `Connected organization '${id}' does not exist.`);
  return row;
}

export const getConnectedOrganization = async (db: Db, id: string): Promise<GraphConnectedOrganization> => toGraph(await getRow(db, id));

export async function updateConnectedOrganization(deps: DirectoryDeps, actor: Actor, id: string, patch: Partial<ConnectedOrganizationInput>): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const before = await getRow(trx, id, true);
    const values: Updateable<ConnectedOrganizationTable> = {};
    const shown: Record<string, unknown> = {};
    if (patch.displayName !== undefined) {
      if (!patch.displayName.trim()) throw directoryError('INVALID_VALUE', 'displayName must not be empty');
      values.display_name = patch.displayName.trim();
      shown.displayName = values.display_name;
    }
    if (patch.description !== undefined) {
      values.description = patch.description;
      shown.description = patch.description;
    }
    if (patch.state !== undefined) {
      values.state = patch.state;
      shown.state = patch.state;
    }
    if (patch.identitySources !== undefined) {
      shown.identitySources = normalizeSources(patch.identitySources);
      values.identity_sources = JSON.stringify(shown.identitySources);
    }
    const changes = changedProperties(toGraph(before) as unknown as Record<string, unknown>, shown);
    if (changes.length === 0) return;
    await trx.updateTable('connected_organizations').set({ ...values, modified_at: deps.clock.now() }).where('id', '=', before.id).execute();
    await appendAudit(trx, deps.clock, { event: 'partner.updated', actor, targets: [{ ...orgTarget(before), modifiedProperties: changes }] });
  });
}

export async function deleteConnectedOrganization(deps: DirectoryDeps, actor: Actor, id: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await getRow(trx, id, true);
    await trx.deleteFrom('connected_organizations').where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, { event: 'partner.deleted', actor, targets: [orgTarget(row)] });
  });
}

export const connectedOrganizationFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  displayName: { column: 'display_name', type: 'string', sortable: true },
  state: { column: 'state', type: 'enum', values: ['configured', 'proposed'] },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true },
};

export async function listConnectedOrganizations(db: Db, odata: ODataQuery) {
  const page = await listPage(db, db.selectFrom('connected_organizations').selectAll(), odata, connectedOrganizationFields, 'connectedOrganizations');
  return { ...page, select: undefined, value: (page.rows as Row[]).map(toGraph) };
}

export type SponsorKind = 'internal' | 'external';

export async function listOrganizationSponsors(db: Db, id: string, kind: SponsorKind): Promise<GraphUser[]> {
  const org = await getRow(db, id);
  const rows = (await db
    .selectFrom('connected_organization_sponsors as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('u')
    .where('s.organization_id', '=', org.id)
    .where('s.kind', '=', kind)
    .orderBy('u.display_name')
    .execute()) as UserRow[];
  return rows.map((r) => toGraphUser(r));
}

/** Internal sponsors are members of this tenant; external sponsors are guests (typically of that partner). */
export async function addOrganizationSponsor(deps: DirectoryDeps, actor: Actor, id: string, kind: SponsorKind, userId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const org = await getRow(trx, id, true);
    const user = await getUserRow(trx, userId);
    if (kind === 'internal' && user.user_type !== 'Member') throw directoryError('INVALID_VALUE', `${user.user_principal_name} is a guest; internal sponsors are members of this organization`);
    if (kind === 'external' && user.user_type !== 'Guest') throw directoryError('INVALID_VALUE', `${user.user_principal_name} is a member; external sponsors are guests from the partner`);
    const inserted = await trx.insertInto('connected_organization_sponsors').values({ organization_id: org.id, user_id: user.id, kind }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw directoryError('ALREADY_MEMBER', `${user.user_principal_name} is already an ${kind} sponsor of ${org.display_name}.`);
    await appendAudit(trx, deps.clock, { event: 'partner.sponsorAdded', actor, targets: [orgTarget(org), { id: user.id, type: 'User', displayName: user.display_name, userPrincipalName: user.user_principal_name }], details: { kind } });
  });
}

export async function removeOrganizationSponsor(deps: DirectoryDeps, actor: Actor, id: string, kind: SponsorKind, userId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const org = await getRow(trx, id, true);
    const removed = isUuid(userId)
      ? await trx.deleteFrom('connected_organization_sponsors').where('organization_id', '=', org.id).where('kind', '=', kind).where('user_id', '=', userId).executeTakeFirst()
      : { numDeletedRows: 0n };
    if (Number(removed.numDeletedRows) === 0) throw directoryError('OBJECT_NOT_FOUND', `User '${userId}' is not an ${kind} sponsor of ${org.display_name}.`);
    await appendAudit(trx, deps.clock, { event: 'partner.sponsorRemoved', actor, targets: [orgTarget(org), { id: userId, type: 'User' }], details: { kind } });
  });
}

/** The partner organizations a guest belongs to: by the domain of their address, their IdP issuer, or tenant. */
export async function organizationsOfGuest(db: Db, user: Pick<UserRow, 'mail' | 'identities'>): Promise<GraphConnectedOrganization[]> {
  const domain = user.mail?.slice(user.mail.lastIndexOf('@') + 1).toLowerCase() ?? null;
  const issuers = user.identities.filter((i) => i.signInType === 'federated').map((i) => i.issuer);
  const rows = (await db.selectFrom('connected_organizations').selectAll().where('state', '=', 'configured').execute()) as Row[];
  return rows
    .filter((row) =>
      row.identity_sources.some((s) =>
        s['@odata.type'] === '#microsoft.graph.domainIdentitySource' ? s.domainName === domain
        : s['@odata.type'] === '#microsoft.graph.externalDomainFederation' ? issuers.includes(s.issuerUri) || (s.domainName !== null && s.domainName === domain)
        : false,
      ),
    )
    .map(toGraph);
}
