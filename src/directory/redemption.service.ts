import { sha256Hex } from '#src/core/crypto.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import type { DirDb as Db, DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import type { Identity } from './directory.tables.ts';
import { domainVerdict, getExternalCollaboration, redirectAllowed, type ExternalCollaborationSettings } from './external-settings.service.ts';
import type { InvitationRow } from './invitations.service.ts';
import { getTenant, type Tenant } from './tenant.service.ts';
import type { UserRow } from './users.shape.ts';

/**
 * The directory's half of redeeming an invitation: find the invitation a redeem token belongs to and say whether
 * it can still be redeemed, then (in the caller's transaction, once the invitee proved who they are) bind the
 * identity to the guest. The browser flow itself (one-time passcodes, partner sign-in, consent) is the auth
 * module's.
 */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const INVALID_REDEEM_LINK = 'This invitation link is not valid. Open the link from your invitation email exactly as it was sent, or ask the person who invited you for a new invitation.';

export interface RedeemableInvitation {
  invitation: InvitationRow;
  user: UserRow;
  tenant: Tenant;
  settings: ExternalCollaborationSettings;
}

/** Why an invitation cannot be redeemed (any more), as the invitee should read it; undefined when it can. */
function redeemProblem(found: RedeemableInvitation, now: Date, publicUrl: string): { code: 'INVITATION_ALREADY_REDEEMED' | 'INVITATION_EXPIRED' | 'REDEMPTION_BLOCKED'; message: string } | undefined {
  const { invitation, user, settings } = found;
  if (invitation.status === 'Completed' || invitation.redeemed_at) {
    return { code: 'INVITATION_ALREADY_REDEEMED', message: 'This invitation was already accepted. Sign in to Gatehouse with the account you accepted it with.' };
  }
  if (invitation.status === 'Voided') {
    return { code: 'INVITATION_EXPIRED', message: 'This invitation was replaced by a newer one. Use the link in the most recent invitation email.' };
  }
  if (invitation.expires_at.getTime() <= now.getTime()) {
    return { code: 'INVITATION_EXPIRED', message: `This invitation expired on ${invitation.expires_at.toISOString().slice(0, 10)}. Ask the person who invited you to send a new one.` };
  }
  if (!user.account_enabled) return { code: 'REDEMPTION_BLOCKED', message: 'The account this invitation is for is disabled. Contact the person who invited you.' };
  if (user.external_user_state !== 'PendingAcceptance') return { code: 'INVITATION_ALREADY_REDEEMED', message: 'This invitation was already accepted.' };
  const verdict = domainVerdict(settings, invitation.email);
  if (!verdict.allowed) return { code: 'REDEMPTION_BLOCKED', message: `${found.tenant.displayName} no longer accepts invitations to this address: ${verdict.reason}.` };
  if (!redirectAllowed(settings, publicUrl, invitation.redirect_url)) {
    return { code: 'REDEMPTION_BLOCKED', message: 'The page this invitation leads to is no longer on the organization’s allowed list. Ask for a new invitation.' };
  }
  return undefined;
}

async function load(db: Db, where: { tokenHash: string } | { invitationId: string }, lock: boolean): Promise<RedeemableInvitation | undefined> {
  let query = db.selectFrom('invitations').selectAll();
  query = 'tokenHash' in where ? query.where('token_hash', '=', where.tokenHash) : query.where('id', '=', where.invitationId);
  const invitation = (await (lock ? query.forUpdate() : query).executeTakeFirst()) as InvitationRow | undefined;
  if (!invitation) return undefined;
  const userQuery = db.selectFrom('users').selectAll().where('id', '=', invitation.user_id);
  const user = (await (lock ? userQuery.forUpdate() : userQuery).executeTakeFirst()) as UserRow | undefined;
  const tenant = await getTenant(db);
  if (!user || !tenant) return undefined;
  return { invitation, user, tenant, settings: await getExternalCollaboration(db) };
}

/**
 * The invitation a redeem token opens, if it can still be redeemed. Unknown or altered tokens all get the same
 * answer; a token that was valid says why it no longer is (expired, replaced, accepted, blocked by policy), and
 * that refusal is audited.
 */
export async function openRedeemLink(deps: DirectoryDeps & { publicUrl: string }, token: string, actor: Actor): Promise<RedeemableInvitation> {
  if (typeof token !== 'string' || !TOKEN.test(token)) throw directoryError('REDEEM_LINK_INVALID', INVALID_REDEEM_LINK);
  const hash = sha256Hex(token);
  let found = await load(deps.db, { tokenHash: hash }, false);
  // A redeemed or replaced invitation no longer holds its token hash; find it through the redeemed ones' record.
  if (!found) found = await loadSpent(deps.db, hash);
  if (!found) throw directoryError('REDEEM_LINK_INVALID', INVALID_REDEEM_LINK);
  const problem = redeemProblem(found, deps.clock.now(), deps.publicUrl);
  if (problem) {
    const refused = found;
    await inTransaction(deps.db, (trx) => appendAudit(trx, deps.clock, { event: 'invitation.redemptionBlocked', actor, result: 'failure', resultReason: problem.message, targets: redemptionTargets(refused) }));
    throw directoryError(problem.code, problem.message);
  }
  return found;
}

/** Spent tokens are remembered by hash in spent_token_hash so that reuse gets a precise answer. */
async function loadSpent(db: Db, hash: string): Promise<RedeemableInvitation | undefined> {
  const row = await db.selectFrom('invitations').select('id').where('spent_token_hash', '=', hash).executeTakeFirst();
  return row ? load(db, { invitationId: row.id }, false) : undefined;
}

export const redemptionTargets = (found: Pick<RedeemableInvitation, 'invitation' | 'user'>) => [
  { id: found.user.id, type: 'User', displayName: found.user.display_name, userPrincipalName: found.user.user_principal_name },
  { id: found.invitation.id, type: 'Invitation', displayName: found.invitation.email },
];

/** An invitation by id with its guest, for a redemption already under way (no state checks). */
export async function redeemableInvitation(db: Db, invitationId: string): Promise<RedeemableInvitation> {
  const found = await load(db, { invitationId }, false);
  if (!found) throw directoryError('REDEEM_LINK_INVALID', INVALID_REDEEM_LINK);
  return found;
}

/**
 * Redeem, inside the caller's transaction: the invitation and guest are locked and every check is made again (the
 * link may have been replaced, the domain blocked, the account disabled while the invitee was signing in). The
 * identity that proved the invited address becomes the guest's only sign-in identity; the token is spent.
 */
export async function redeemInvitation(
  trx: Db,
  deps: Pick<DirectoryDeps, 'clock'> & { publicUrl: string },
  input: { invitationId: string; identity: Identity; method: 'emailOtp' | 'oidc' | 'saml'; actor: Actor },
): Promise<{ userId: string; redirectUrl: string }> {
  const found = await load(trx, { invitationId: input.invitationId }, true);
  if (!found) throw directoryError('REDEEM_LINK_INVALID', INVALID_REDEEM_LINK);
  const now = deps.clock.now();
  const problem = redeemProblem(found, now, deps.publicUrl);
  if (problem) throw directoryError(problem.code, problem.message);
  const { invitation, user } = found;
  await trx
    .updateTable('invitations')
    .set({ status: 'Completed', redeemed_at: now, spent_token_hash: invitation.token_hash, token_hash: null })
    .where('id', '=', invitation.id)
    .execute();
  // Other open links of the same guest die with this redemption.
  await trx.updateTable('invitations').set((eb) => ({ status: 'Voided', voided_at: now, spent_token_hash: eb.ref('token_hash'), token_hash: null })).where('user_id', '=', user.id).where('status', '=', 'PendingAcceptance').execute();
  await trx
    .updateTable('users')
    .set({ external_user_state: 'Accepted', external_user_state_changed_at: now, identities: JSON.stringify([input.identity]) })
    .where('id', '=', user.id)
    .execute();
  await appendAudit(trx, deps.clock, {
    event: 'invitation.redeemed',
    actor: input.actor,
    targets: [
      {
        ...redemptionTargets(found)[0]!,
        modifiedProperties: [
          { displayName: 'externalUserState', oldValue: '"PendingAcceptance"', newValue: '"Accepted"' },
          { displayName: 'identities', oldValue: JSON.stringify(user.identities), newValue: JSON.stringify([input.identity]) },
        ],
      },
      redemptionTargets(found)[1]!,
    ],
    details: { method: input.method, issuer: input.identity.issuer, invitationId: invitation.id },
  });
  return { userId: user.id, redirectUrl: invitation.redirect_url };
}

/** The invited user (not deleted) who has this address, for a guest signing in again. */
export async function findInvitedGuest(db: Db, email: string): Promise<UserRow | undefined> {
  return (await db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['mail']), '=', email.trim().toLowerCase()))
    .where('creation_type', '=', 'Invitation')
    .where('deleted_at', 'is', null)
    .executeTakeFirst()) as UserRow | undefined;
}

/**
 * Hold the invitation (redemption) or the guest (sign-in) until the caller's transaction ends: one-time passcodes
 * for the same person are counted and issued one at a time, across browsers.
 */
export async function lockPasscodeSubject(trx: Db, subject: { invitationId: string } | { userId: string }): Promise<void> {
  if ('invitationId' in subject) await trx.selectFrom('invitations').select('id').where('id', '=', subject.invitationId).forUpdate().execute();
  else await trx.selectFrom('users').select('id').where('id', '=', subject.userId).forUpdate().execute();
}
