import { appendAudit, type Actor } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import type { DirDb as Db, DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import { getUserRow } from './users.service.ts';
import { toGraphUser, type GraphUser, type UserRow } from './users.shape.ts';

/** Sponsors: the internal users who vouch for a (typically guest) user, as Graph's user.sponsors. */
export async function listSponsors(db: Db, userIdOrUpn: string): Promise<({ '@odata.type': '#microsoft.graph.user' } & GraphUser)[]> {
  const user = await getUserRow(db, userIdOrUpn);
  const rows = (await db
    .selectFrom('user_sponsors as s')
    .innerJoin('users as u', 'u.id', 's.sponsor_id')
    .selectAll('u')
    .where('s.user_id', '=', user.id)
    .orderBy('u.display_name')
    .execute()) as UserRow[];
  return rows.map((row) => ({ '@odata.type': '#microsoft.graph.user' as const, ...toGraphUser(row) }));
}

export async function addSponsor(deps: DirectoryDeps, actor: Actor, userIdOrUpn: string, sponsorId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const user = await getUserRow(trx, userIdOrUpn);
    const sponsor = await getUserRow(trx, sponsorId);
    if (sponsor.id === user.id) throw directoryError('INVALID_VALUE', 'A user cannot sponsor themselves');
    if (sponsor.user_type !== 'Member') throw directoryError('INVALID_VALUE', 'Only member users can be sponsors');
    const inserted = await trx.insertInto('user_sponsors').values({ user_id: user.id, sponsor_id: sponsor.id }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw directoryError('ALREADY_MEMBER', "One or more added object references already exist for the following modified properties: 'sponsors'.");
    }
    await appendAudit(trx, deps.clock, {
      event: 'user.sponsorAdded',
      actor,
      targets: [
        { id: user.id, type: 'User', displayName: user.display_name, userPrincipalName: user.user_principal_name },
        { id: sponsor.id, type: 'User', displayName: sponsor.display_name, userPrincipalName: sponsor.user_principal_name },
      ],
    });
  });
}

export async function removeSponsor(deps: DirectoryDeps, actor: Actor, userIdOrUpn: string, sponsorId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const user = await getUserRow(trx, userIdOrUpn);
    const deleted = await trx.deleteFrom('user_sponsors').where('user_id', '=', user.id).where('sponsor_id', '=', sponsorId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw directoryError('OBJECT_NOT_FOUND', `'${sponsorId}' is not a sponsor of '${user.id}'`);
    await appendAudit(trx, deps.clock, {
      event: 'user.sponsorRemoved',
      actor,
      targets: [{ id: user.id, type: 'User', displayName: user.display_name, userPrincipalName: user.user_principal_name }, { id: sponsorId, type: 'User' }],
    });
  });
}
