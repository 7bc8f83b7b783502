import { AppError } from '#src/core/errors.ts';
import { isUuid, newId, randomToken, sha256Hex } from '#src/core/crypto.ts';
import { appendAudit, type Actor, type AuditTarget } from '#src/audit/index.ts';
import { invitationMail, queueMail, sponsorNoticeMail, type QueuedMail } from '#src/mail/index.ts';
import type { ODataQuery } from '#src/core/odata/index.ts';
import { inTransaction, listPage, type FieldMap } from '#src/store/index.ts';
import type { DirDb as Db, DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import type { Selectable } from 'kysely';
import type { InvitationTable, InvitedUserMessageInfo } from './directory.tables.ts';

export type InvitationRow = Selectable<InvitationTable>;
import { domainVerdict, getExternalCollaboration, redirectAllowed, type ExternalCollaborationSettings } from './external-settings.service.ts';
import { getTenant } from './tenant.service.ts';
import { DELETED_RETENTION_DAYS } from './deleted-users.service.ts';
import { newUserRow, type UserRow } from './users.shape.ts';

/** Invitations need, besides the directory, where links point and the key that seals mail secrets. */
export interface InvitationDeps extends DirectoryDeps {
  publicUrl: string;
  masterKey: Buffer;
}

/** Who is inviting: the audit actor plus what the invite policy looks at. */
export interface Inviter {
  actor: Actor;
  permissions: ReadonlySet<string>;
}

export interface CreateInvitationInput {
  invitedUserEmailAddress: string;
  inviteRedirectUrl: string;
  invitedUserDisplayName?: string | null;
  invitedUserType?: 'Guest' | 'Member';
  sendInvitationMessage?: boolean;
  invitedUserMessageInfo?: Partial<InvitedUserMessageInfo> | null;
  resetRedemption?: boolean;
  invitedUser?: { id?: string } | null;
  invitedUserSponsors?: { id: string }[] | null;
}

/** Graph's invitation resource. */
export interface GraphInvitation {
  id: string;
  invitedUserDisplayName: string | null;
  invitedUserEmailAddress: string;
  invitedUserType: 'Guest' | 'Member';
  inviteRedeemUrl: string;
  inviteRedirectUrl: string;
  sendInvitationMessage: boolean;
  invitedUserMessageInfo: InvitedUserMessageInfo;
  resetRedemption: boolean;
  status: 'PendingAcceptance' | 'Completed' | 'Voided';
  invitedUser: { id: string };
}

/** Path of the browser page that reads the redeem token from the URL fragment (never sent in requests or logs). */
export const REDEEM_PATH = '/redeem';
/**
 * Characters Graph refuses in an invited address, plus the structural rules of an address. Quoted local parts and
 * IP-literal domains are refused too: no partner identity provider issues them.
 */
const EMAIL = /^(?!\.)(?!.*\.\.)[A-Za-z0-9._'-]{1,64}(?<!\.)@(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function emailProblem(property: string, value: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `${property} is required`;
  if (value.length > 254) return `${property} is longer than 254 characters`;
  if (!EMAIL.test(value)) return `${property} '${value}' is not a valid email address: use letters, digits and . _ ' - before the @ and a domain name after it`;
  return undefined;
}

const guestUpn = (email: string, domain: string): string => `${email.replace('@', '_')}#EXT#@${domain}`;
const userTarget = (row: Pick<UserRow, 'id' | 'display_name' | 'user_principal_name'>): AuditTarget => ({ id: row.id, type: 'User', displayName: row.display_name, userPrincipalName: row.user_principal_name });
const actorName = (actor: Actor): string => (actor.kind === 'system' ? 'Gatehouse' : (actor.displayName ?? (actor.kind === 'user' ? (actor.userPrincipalName ?? 'An administrator') : 'An application')));

/** The invite policy (allowInvitesFrom): which callers may invite at all. */
export async function assertMayInvite(db: Db, inviter: Inviter, settings: ExternalCollaborationSettings): Promise<string | undefined> {
  const privileged = inviter.permissions.has('User.Invite.All');
  switch (settings.allowInvitesFrom) {
    case 'none':
      return 'the invite policy (allowInvitesFrom) is none: nobody in the organization can invite, administrators included';
    case 'adminsAndGuestInviters':
      return privileged ? undefined : 'the invite policy allows administrators and Guest Inviters only; the caller needs the Guest Inviter role or the permission User.Invite.All';
    case 'adminsGuestInvitersAndAllMembers':
    case 'everyone': {
      if (privileged) return undefined;
      if (inviter.actor.kind !== 'user') return 'an application needs the permission User.Invite.All';
      const row = await db.selectFrom('users').select('user_type').where('id', '=', inviter.actor.id).executeTakeFirst();
      if (row?.user_type === 'Member') return undefined;
      if (row?.user_type === 'Guest' && settings.allowInvitesFrom === 'everyone') return undefined;
      return 'the invite policy does not let guests invite (allowInvitesFrom must be everyone)';
    }
  }
}

/** Record a refusal in the audit log (its own transaction, as nothing else happens) and throw the error. */
async function refuse(deps: DirectoryDeps, inviter: Inviter, email: string, error: AppError): Promise<never> {
  await inTransaction(deps.db, (trx) =>
    appendAudit(trx, deps.clock, { event: 'invitation.refused', actor: inviter.actor, result: 'failure', resultReason: error.message, targets: [{ id: email, type: 'Invitation', displayName: email }] }),
  );
  throw error;
}

function messageInfo(input: CreateInvitationInput): InvitedUserMessageInfo {
  const info = input.invitedUserMessageInfo ?? {};
  const cc = info.ccRecipients ?? [];
  // Graph accepts one cc recipient; Gatehouse allows a few (sponsors are notified separately).
  if (cc.length > 5) throw directoryError('INVALID_VALUE', 'invitedUserMessageInfo.ccRecipients: at most 5 recipients');
  for (const [i, r] of cc.entries()) {
    const problem = emailProblem(`invitedUserMessageInfo.ccRecipients[${i}].emailAddress.address`, r?.emailAddress?.address);
    if (problem) throw directoryError('INVALID_VALUE', problem);
  }
  const body = info.customizedMessageBody ?? null;
  if (body !== null && body.length > 4000) throw directoryError('INVALID_VALUE', 'invitedUserMessageInfo.customizedMessageBody: at most 4000 characters');
  return { customizedMessageBody: body, messageLanguage: info.messageLanguage ?? null, ccRecipients: cc.map((r) => ({ emailAddress: { address: r.emailAddress.address, name: r.emailAddress.name ?? null } })) };
}

export const toGraphInvitation = (row: InvitationRow, redeemUrl: string): GraphInvitation => ({
  id: row.id,
  invitedUserDisplayName: row.display_name,
  invitedUserEmailAddress: row.email,
  invitedUserType: row.user_type,
  inviteRedeemUrl: redeemUrl,
  inviteRedirectUrl: row.redirect_url,
  sendInvitationMessage: row.send_message,
  invitedUserMessageInfo: row.message_info,
  resetRedemption: row.reset_redemption,
  status: row.status,
  invitedUser: { id: row.user_id },
});

export interface CreatedInvitation {
  invitation: GraphInvitation;
  /** Outbox messages to deliver once the caller has the response (delivery happens after commit). */
  mailIds: string[];
}

/**
 * Graph's POST /invitations. Checks the invite policy, the address, the domain lists and the redirect list, then in
 * one transaction creates (or re-invites, or resets) the guest, the invitation with a fresh single-use redeem
 * token (only its hash is kept), the sponsors, the audit events and the outgoing mail.
 */
export async function createInvitation(deps: InvitationDeps, inviter: Inviter, input: CreateInvitationInput): Promise<CreatedInvitation> {
  const emailIssue = emailProblem('invitedUserEmailAddress', input.invitedUserEmailAddress);
  if (emailIssue) throw directoryError('INVALID_VALUE', emailIssue);
  const email = input.invitedUserEmailAddress.trim();
  const settings = await getExternalCollaboration(deps.db);
  const policyProblem = await assertMayInvite(deps.db, inviter, settings);
  if (policyProblem) await refuse(deps, inviter, email, new AppError('FORBIDDEN', 403, `Insufficient privileges to invite: ${policyProblem}.`));
  const verdict = domainVerdict(settings, email);
  if (!verdict.allowed) await refuse(deps, inviter, email, directoryError('DOMAIN_NOT_ALLOWED', `Cannot invite ${email}: ${verdict.reason}.`));
  if (!redirectAllowed(settings, deps.publicUrl, input.inviteRedirectUrl)) {
    throw directoryError('INVALID_VALUE', `inviteRedirectUrl '${input.inviteRedirectUrl}' is not allowed: it must be this Gatehouse (${deps.publicUrl}) or match an entry of allowedRedirectUrls in the external collaboration settings.`);
  }
  const reset = input.resetRedemption === true;
  const resetUserId = input.invitedUser?.id;
  if (reset && (!resetUserId || !isUuid(resetUserId))) throw directoryError('INVALID_VALUE', 'resetRedemption needs invitedUser.id: the id of the user whose redemption is reset');
  if (!reset && resetUserId !== undefined) throw directoryError('INVALID_VALUE', 'invitedUser.id is only used with resetRedemption: true');
  const info = messageInfo(input);
  const sponsorIds = [...new Set((input.invitedUserSponsors ?? []).map((s) => s.id))];
  for (const id of sponsorIds) if (!isUuid(id)) throw directoryError('INVALID_VALUE', `invitedUserSponsors: '${id}' is not a user id`);

  const tenant = await getTenant(deps.db);
  if (!tenant) throw new Error('the tenant does not exist yet');
  const now = deps.clock.now();
  const token = randomToken(32);
  const redeemUrl = `${deps.publicUrl}${REDEEM_PATH}#rd=${token}`;

  return inTransaction(deps.db, async (trx) => {
    let user = reset
      ? ((await trx.selectFrom('users').selectAll().where('id', '=', resetUserId as string).forUpdate().executeTakeFirst()) as UserRow | undefined)
      : ((await trx.selectFrom('users').selectAll().where((eb) => eb(eb.fn('lower', ['mail']), '=', email.toLowerCase())).orderBy('created_at').forUpdate().executeTakeFirst()) as UserRow | undefined);
    if (user?.deleted_at) {
      throw directoryError('DUPLICATE_VALUE', `The user with the address ${user.mail ?? email} was deleted and is kept in deleted items for ${DELETED_RETENTION_DAYS} days: restore it (POST /v1.0/directory/deletedItems/${user.id}/restore) or delete it permanently first.`);
    }
    if (reset && !user) throw directoryError('USER_NOT_FOUND', `Resource '${resetUserId}' does not exist or one of its queried reference-property objects are not present.`);
    if (user && user.creation_type !== 'Invitation') {
      throw directoryError(
        reset ? 'INVALID_VALUE' : 'DUPLICATE_VALUE',
        reset ? `${user.user_principal_name} is not an invited (external) user; only their redemption can be reset` : `A user who was not invited (${user.user_principal_name}) already has the address ${email}.`,
      );
    }
    const redeemed = !reset && user?.external_user_state === 'Accepted';
    const events: Parameters<typeof appendAudit>[2] = [];
    let created = false;
    if (!user) {
      created = true;
      const upn = guestUpn(email, tenant.initialDomain);
      user = newUserRow(now, {
        id: newId(),
        display_name: input.invitedUserDisplayName?.trim() || email.slice(0, email.indexOf('@')),
        mail: email,
        mail_nickname: email.slice(0, email.indexOf('@')).replace(/[^A-Za-z0-9._-]/g, '_'),
        user_principal_name: upn,
        user_type: input.invitedUserType ?? 'Guest',
        external_user_state: 'PendingAcceptance',
        external_user_state_changed_at: now,
        creation_type: 'Invitation',
        other_mails: [email],
      });
      await trx.insertInto('users').values({ ...user, identities: JSON.stringify(user.identities) }).execute();
      events.push({ event: 'user.created', actor: inviter.actor, targets: [userTarget(user)] });
    } else if (reset) {
      // The old binding (issuer + subject, or the OTP address) stops working now, and so do the guest's sessions.
      await trx
        .updateTable('users')
        .set({ mail: email, other_mails: [email], external_user_state: 'PendingAcceptance', external_user_state_changed_at: now, identities: JSON.stringify([]), sign_in_sessions_valid_from: now })
        .where('id', '=', user.id)
        .execute();
      events.push({
        event: 'invitation.reset',
        actor: inviter.actor,
        targets: [{ ...userTarget(user), modifiedProperties: [{ displayName: 'externalUserState', oldValue: JSON.stringify(user.external_user_state), newValue: '"PendingAcceptance"' }, ...(user.mail !== email ? [{ displayName: 'mail', oldValue: JSON.stringify(user.mail), newValue: JSON.stringify(email) }] : [])] }],
      });
    }
    // A new invitation replaces any earlier link of the same user that was not redeemed.
    await trx.updateTable('invitations').set((eb) => ({ status: 'Voided', voided_at: now, spent_token_hash: eb.ref('token_hash'), token_hash: null })).where('user_id', '=', user.id).where('status', '=', 'PendingAcceptance').execute();

    const row: InvitationRow = {
      id: newId(),
      user_id: user.id,
      email,
      display_name: input.invitedUserDisplayName?.trim() || null,
      user_type: user.user_type,
      redirect_url: input.inviteRedirectUrl,
      send_message: input.sendInvitationMessage === true,
      message_info: info,
      reset_redemption: reset,
      status: redeemed ? 'Completed' : 'PendingAcceptance',
      token_hash: redeemed ? null : sha256Hex(token),
      spent_token_hash: null,
      invited_by: inviter.actor,
      created_at: now,
      expires_at: new Date(now.getTime() + settings.invitationLifetimeInDays * 86_400_000),
      redeemed_at: null,
      voided_at: null,
    };
    await trx.insertInto('invitations').values({ ...row, message_info: JSON.stringify(row.message_info), invited_by: JSON.stringify(row.invited_by) }).execute();
    const link = redeemed ? row.redirect_url : redeemUrl;

    // Sponsors: those named, or else the inviting user (as Entra does).
    const sponsors = sponsorIds.length > 0 ? sponsorIds : created && inviter.actor.kind === 'user' ? [inviter.actor.id] : [];
    const sponsorRows = sponsors.length === 0 ? [] : ((await trx.selectFrom('users').selectAll().where('id', 'in', sponsors).execute()) as UserRow[]);
    for (const id of sponsors) {
      const sponsor = sponsorRows.find((s) => s.id === id);
      if (!sponsor) throw directoryError('USER_NOT_FOUND', `invitedUserSponsors: no user has the id ${id}`);
      if (sponsor.user_type !== 'Member') throw directoryError('INVALID_VALUE', `invitedUserSponsors: ${sponsor.user_principal_name} is a guest; only member users can be sponsors`);
      if (sponsor.id === user.id) throw directoryError('INVALID_VALUE', 'invitedUserSponsors: a user cannot sponsor themselves');
    }
    if (sponsorRows.length > 0) {
      await trx.insertInto('user_sponsors').values(sponsorRows.map((s) => ({ user_id: (user as UserRow).id, sponsor_id: s.id }))).onConflict((oc) => oc.doNothing()).execute();
      for (const s of sponsorRows) events.push({ event: 'user.sponsorAdded', actor: inviter.actor, targets: [userTarget(user), userTarget(s)] });
    }

    const mails: QueuedMail[] = [];
    const inviterName = actorName(inviter.actor);
    if (row.send_message) {
      mails.push({
        kind: 'invitation',
        relatedId: row.id,
        to: [email],
        cc: info.ccRecipients.map((r) => r.emailAddress.address),
        message: invitationMail({ tenantName: tenant.displayName, inviterName, inviteeName: row.display_name, redeemUrl: link, customMessage: info.customizedMessageBody }),
      });
    }
    for (const sponsor of sponsorRows) {
      if (!sponsor.mail) continue;
      mails.push({
        kind: 'sponsorNotice',
        relatedId: user.id,
        to: [sponsor.mail],
        message: sponsorNoticeMail({ tenantName: tenant.displayName, sponsorName: sponsor.display_name, guestName: user.display_name, guestEmail: email, inviterName, portalUrl: `${deps.publicUrl}/users/${user.id}` }),
      });
    }
    const mailIds = await queueMail(trx, deps.clock, deps.masterKey, mails);
    events.push({
      event: 'invitation.created',
      actor: inviter.actor,
      targets: [userTarget(user), { id: row.id, type: 'Invitation', displayName: email }],
      details: { invitationId: row.id, status: row.status, sendInvitationMessage: row.send_message, resetRedemption: reset, expiresAt: row.expires_at.toISOString() },
    });
    await appendAudit(trx, deps.clock, events);
    return { invitation: toGraphInvitation(row, link), mailIds };
  });
}

/** Invitations (a Gatehouse extension: Graph has no list), newest first; $filter on status, email, user and date. */
export const invitationFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  status: { column: 'status', type: 'enum', values: ['PendingAcceptance', 'Completed', 'Voided'] },
  invitedUserEmailAddress: { column: 'email', type: 'string', sortable: true, operators: ['eq', 'startsWith'] },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true },
  invitedUser: {
    type: 'custom',
    filter: (_predicate, context) => {
      if (context.subPath === 'id') return context.translateAs({ column: 'user_id', type: 'guid' });
      throw context.unsupported('only invitedUser/id can be filtered');
    },
  },
};

/** An invitation as listed: the Graph shape without the redeem link (it is shown once, when created). */
export type ListedInvitation = Omit<GraphInvitation, 'inviteRedeemUrl'> & { createdDateTime: string; expirationDateTime: string; redeemedDateTime: string | null };

const toListed = (row: InvitationRow): ListedInvitation => {
  const { inviteRedeemUrl: _hidden, ...rest } = toGraphInvitation(row, '');
  return { ...rest, createdDateTime: row.created_at.toISOString(), expirationDateTime: row.expires_at.toISOString(), redeemedDateTime: row.redeemed_at?.toISOString() ?? null };
};

export async function listInvitations(db: Db, odata: ODataQuery) {
  const page = await listPage(db, db.selectFrom('invitations').selectAll(), { ...odata, orderBy: odata.orderBy ?? [{ property: 'createdDateTime', direction: 'desc' }] }, invitationFields, 'invitations');
  return { ...page, select: undefined, value: (page.rows as InvitationRow[]).map(toListed) };
}

export async function getInvitation(db: Db, id: string): Promise<ListedInvitation> {
  const row = isUuid(id) ? ((await db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst()) as InvitationRow | undefined) : undefined;
  if (!row) throw directoryError('INVITATION_NOT_FOUND', `Invitation '${id}' does not exist.`);
  return toListed(row);
}
