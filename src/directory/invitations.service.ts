import { AppError } from '#src/core/errors.ts';
import { isUuid, newId, randomToken, sha256Hex } from '#src/core/crypto.ts';
import { appendAudit, type Actor, type AuditTarget } from '#src/audit/index.ts';
import { invitationMail, queueMail, SECRET_PLACEHOLDER, sponsorNoticeMail, type QueuedMail } from '#src/mail/index.ts';
import type { ODataQuery } from '#src/core/odata/index.ts';
import { inTransaction, listPage, type FieldMap } from '#src/store/index.ts';
import { isUniqueViolation, type DirDb as Db, type DirectoryDeps } from './directory.deps.ts';
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

/** One invitation's outcome in a batch: created, or refused with the error the single call would throw. */
export type InvitationOutcome = ({ ok: true } & CreatedInvitation) | { ok: false; error: AppError };

/** What a valid input becomes before the database is consulted. */
interface Prepared {
  index: number;
  input: CreateInvitationInput;
  email: string;
  reset: boolean;
  resetUserId: string | undefined;
  info: InvitedUserMessageInfo;
  sponsorIds: string[];
}

/** The checks that need nothing but the input (and the settings): each failure is that row's own 400. */
function prepare(deps: InvitationDeps, settings: ExternalCollaborationSettings, input: CreateInvitationInput, index: number): Prepared | AppError {
  try {
    const emailIssue = emailProblem('invitedUserEmailAddress', input.invitedUserEmailAddress);
    if (emailIssue) return directoryError('INVALID_VALUE', emailIssue);
    if (!redirectAllowed(settings, deps.publicUrl, input.inviteRedirectUrl)) {
      return directoryError('INVALID_VALUE', `inviteRedirectUrl '${input.inviteRedirectUrl}' is not allowed: it must be this Gatehouse (${deps.publicUrl}) or match an entry of allowedRedirectUrls in the external collaboration settings.`);
    }
    const reset = input.resetRedemption === true;
    const resetUserId = input.invitedUser?.id;
    if (reset && (!resetUserId || !isUuid(resetUserId))) return directoryError('INVALID_VALUE', 'resetRedemption needs invitedUser.id: the id of the user whose redemption is reset');
    if (!reset && resetUserId !== undefined) return directoryError('INVALID_VALUE', 'invitedUser.id is only used with resetRedemption: true');
    const sponsorIds = [...new Set((input.invitedUserSponsors ?? []).map((sp) => sp.id))];
    for (const id of sponsorIds) if (!isUuid(id)) return directoryError('INVALID_VALUE', `invitedUserSponsors: '${id}' is not a user id`);
    return { index, input, email: input.invitedUserEmailAddress.trim(), reset, resetUserId, info: messageInfo(input), sponsorIds };
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

/**
 * What inviting does not cover: resetting someone's redemption re-binds an existing account (Entra requires a User
 * Administrator), an external *member* is more than a guest, and adding sponsors to an existing user changes that
 * user. Those need User.ReadWrite.All, as changing a user does.
 */
function extraRightsProblem(inviter: Inviter, p: Prepared): string | undefined {
  if (inviter.permissions.has('User.ReadWrite.All')) return undefined;
  if (p.reset) return 'resetting a redemption needs the permission User.ReadWrite.All (User Administrator)';
  if (p.input.invitedUserType === 'Member') return 'inviting an external member needs the permission User.ReadWrite.All (User Administrator)';
  return undefined;
}

/**
 * Graph's POST /invitations. Checks the invite policy, the address, the domain lists and the redirect list, then in
 * one transaction creates (or re-invites, or resets) the guest, the invitation with a fresh single-use redeem
 * token (only its hash is kept), the sponsors, the audit events and the outgoing mail.
 */
export async function createInvitation(deps: InvitationDeps, inviter: Inviter, input: CreateInvitationInput): Promise<CreatedInvitation> {
  const [outcome] = await createInvitations(deps, inviter, [input]);
  if (!outcome) throw new Error('no outcome for the invitation');
  if (!outcome.ok) throw outcome.error;
  return { invitation: outcome.invitation, mailIds: outcome.mailIds };
}

/**
 * Many invitations with the checks of one (bulk invitation uses it; POST /invitations is the batch of one). A bad
 * input fails alone; the good ones are written together in one transaction — multi-row statements, one audit
 * append — so a batch costs a handful of round trips, not a dozen per row. Should that transaction fail (another
 * request created one of the guests meanwhile), each input is retried on its own.
 */
export async function createInvitations(deps: InvitationDeps, inviter: Inviter, inputs: CreateInvitationInput[], retried = false): Promise<InvitationOutcome[]> {
  const outcomes: (InvitationOutcome | undefined)[] = new Array(inputs.length);
  const settings = await getExternalCollaboration(deps.db);
  const refusals: { email: string; error: AppError }[] = [];
  const policyProblem = await assertMayInvite(deps.db, inviter, settings);
  const ready: Prepared[] = [];
  for (const [index, input] of inputs.entries()) {
    const prepared = prepare(deps, settings, input, index);
    if (prepared instanceof AppError) {
      outcomes[index] = { ok: false, error: prepared };
      continue;
    }
    const rightsProblem = policyProblem ?? extraRightsProblem(inviter, prepared);
    if (rightsProblem) {
      const error = new AppError('FORBIDDEN', 403, `Insufficient privileges to invite: ${rightsProblem}.`);
      refusals.push({ email: prepared.email, error });
      outcomes[index] = { ok: false, error };
      continue;
    }
    const verdict = domainVerdict(settings, prepared.email);
    if (!verdict.allowed) {
      const error = directoryError('DOMAIN_NOT_ALLOWED', `Cannot invite ${prepared.email}: ${verdict.reason}.`);
      refusals.push({ email: prepared.email, error });
      outcomes[index] = { ok: false, error };
      continue;
    }
    ready.push(prepared);
  }
  if (refusals.length > 0) {
    // Refused by policy: nothing else happens, but the attempt is on record.
    await inTransaction(deps.db, (trx) =>
      appendAudit(trx, deps.clock, refusals.map((r) => ({ event: 'invitation.refused' as const, actor: inviter.actor, result: 'failure' as const, resultReason: r.error.message, targets: [{ id: r.email, type: 'Invitation', displayName: r.email }] }))),
    );
  }
  if (ready.length > 0) {
    const tenant = await getTenant(deps.db);
    if (!tenant) throw new Error('the tenant does not exist yet');
    try {
      const written = await inTransaction(deps.db, (trx) => writeInvitations(trx, deps, inviter, settings, tenant, ready));
      for (const [index, outcome] of written) outcomes[index] = outcome;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Another request created one of these guests meanwhile: once more, each on its own, now finding that guest.
      for (const prepared of ready) {
        outcomes[prepared.index] = retried
          ? { ok: false, error: directoryError('DUPLICATE_VALUE', `Another object with the same address (${prepared.email}) was created at the same time; try again.`) }
          : (await createInvitations(deps, inviter, [prepared.input], true))[0];
      }
    }
  }
  return outcomes.map((o) => o ?? { ok: false as const, error: new AppError('INTERNAL', 500, 'not processed') });
}

type Tenant = NonNullable<Awaited<ReturnType<typeof getTenant>>>;

/** Write a batch of checked invitations inside one transaction; row problems found here fail only their row. */
async function writeInvitations(trx: Db, deps: InvitationDeps, inviter: Inviter, settings: ExternalCollaborationSettings, tenant: Tenant, batch: Prepared[]): Promise<Map<number, InvitationOutcome>> {
  const now = deps.clock.now();
  const results = new Map<number, InvitationOutcome>();
  const fail = (p: Prepared, error: AppError) => results.set(p.index, { ok: false, error });

  // Everything the batch reads, read once and locked: the guests by address or id, and the named sponsors.
  const emails = batch.filter((p) => !p.reset).map((p) => p.email.toLowerCase());
  const resetIds = batch.filter((p) => p.reset).map((p) => p.resetUserId as string);
  const existing = (await trx
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb(eb.fn('lower', ['mail']), 'in', emails.length ? emails : ['']), eb('id', 'in', resetIds.length ? resetIds : ['00000000-0000-0000-0000-000000000000'])]))
    .orderBy('created_at')
    .forUpdate()
    .execute()) as UserRow[];
  // The inviting user is read with them: they become the sponsor of every guest the batch creates without one named.
  const sponsorIds = [...new Set([...batch.flatMap((p) => p.sponsorIds), ...(inviter.actor.kind === 'user' ? [inviter.actor.id] : [])])];
  const sponsors = sponsorIds.length ? ((await trx.selectFrom('users').selectAll().where('id', 'in', sponsorIds).where('deleted_at', 'is', null).execute()) as UserRow[]) : [];

  const events: Parameters<typeof appendAudit>[2] = [];
  const newUsers: UserRow[] = [];
  const rows: InvitationRow[] = [];
  const sponsorLinks: { user_id: string; sponsor_id: string }[] = [];
  const mails: QueuedMail[] = [];
  const redeemUrls = new Map<string, string>();
  const inviterName = actorName(inviter.actor);
  const seen = new Set<string>();

  for (const p of batch) {
    const key = p.reset ? `id:${p.resetUserId}` : `mail:${p.email.toLowerCase()}`;
    if (seen.has(key)) {
      fail(p, directoryError('DUPLICATE_VALUE', `${p.email} is invited twice in the same request; once is enough.`));
      continue;
    }
    seen.add(key);
    let user = p.reset ? existing.find((u) => u.id === p.resetUserId) : existing.find((u) => u.mail?.toLowerCase() === p.email.toLowerCase());
    if (user?.deleted_at) {
      fail(p, directoryError('DUPLICATE_VALUE', `The user with the address ${user.mail ?? p.email} was deleted and is kept in deleted items for ${DELETED_RETENTION_DAYS} days: restore it (POST /v1.0/directory/deletedItems/${user.id}/restore) or delete it permanently first.`));
      continue;
    }
    if (p.reset && !user) {
      fail(p, directoryError('USER_NOT_FOUND', `Resource '${p.resetUserId}' does not exist or one of its queried reference-property objects are not present.`));
      continue;
    }
    if (user && user.creation_type !== 'Invitation') {
      fail(p, p.reset
        ? directoryError('INVALID_VALUE', `${user.user_principal_name} is not an invited (external) user; only their redemption can be reset`)
        : directoryError('DUPLICATE_VALUE', `A user who was not invited (${user.user_principal_name}) already has the address ${p.email}.`));
      continue;
    }
    if (p.reset && user) {
      const problem = await resetProblem(trx, inviter, user, p.email);
      if (problem) {
        fail(p, problem);
        continue;
      }
    }
    const created = !user;
    if (!created && p.sponsorIds.length > 0 && !inviter.permissions.has('User.ReadWrite.All')) {
      fail(p, new AppError('FORBIDDEN', 403, `Insufficient privileges: ${user?.user_principal_name ?? p.email} already exists; adding sponsors to an existing user needs the permission User.ReadWrite.All.`));
      continue;
    }
    if (!user) {
      user = newUserRow(now, {
        id: newId(),
        display_name: p.input.invitedUserDisplayName?.trim() || p.email.slice(0, p.email.indexOf('@')),
        mail: p.email,
        mail_nickname: p.email.slice(0, p.email.indexOf('@')).replace(/[^A-Za-z0-9._-]/g, '_'),
        user_principal_name: guestUpn(p.email, tenant.initialDomain),
        user_type: p.input.invitedUserType ?? 'Guest',
        external_user_state: 'PendingAcceptance',
        external_user_state_changed_at: now,
        creation_type: 'Invitation',
        other_mails: [p.email],
      });
    }
    // Sponsors: those named, or else the inviting user (as Entra does).
    const wanted = p.sponsorIds.length > 0 ? p.sponsorIds : created && inviter.actor.kind === 'user' ? [inviter.actor.id] : [];
    const chosen: UserRow[] = [];
    let sponsorProblem: AppError | undefined;
    for (const id of wanted) {
      const sponsor = sponsors.find((sp) => sp.id === id);
      if (!sponsor) sponsorProblem ??= directoryError('USER_NOT_FOUND', `invitedUserSponsors: no user has the id ${id}`);
      else if (sponsor.user_type !== 'Member') sponsorProblem ??= p.sponsorIds.length ? directoryError('INVALID_VALUE', `invitedUserSponsors: ${sponsor.user_principal_name} is a guest; only member users can be sponsors`) : undefined;
      else if (sponsor.id === user.id) sponsorProblem ??= directoryError('INVALID_VALUE', 'invitedUserSponsors: a user cannot sponsor themselves');
      else chosen.push(sponsor);
    }
    if (sponsorProblem) {
      fail(p, sponsorProblem);
      continue;
    }

    if (created) {
      newUsers.push(user);
      events.push({ event: 'user.created', actor: inviter.actor, targets: [userTarget(user)] });
    } else if (p.reset) {
      // The old binding (issuer + subject, or the OTP address) stops working now, and so do the guest's sessions.
      await trx
        .updateTable('users')
        .set({ mail: p.email, other_mails: [p.email], external_user_state: 'PendingAcceptance', external_user_state_changed_at: now, identities: JSON.stringify([]), sign_in_sessions_valid_from: now })
        .where('id', '=', user.id)
        .execute();
      events.push({
        event: 'invitation.reset',
        actor: inviter.actor,
        targets: [{ ...userTarget(user), modifiedProperties: [{ displayName: 'externalUserState', oldValue: JSON.stringify(user.external_user_state), newValue: '"PendingAcceptance"' }, ...(user.mail !== p.email ? [{ displayName: 'mail', oldValue: JSON.stringify(user.mail), newValue: JSON.stringify(p.email) }] : [])] }],
      });
    }
    const redeemed = !p.reset && user.external_user_state === 'Accepted';
    const token = randomToken(32);
    const row: InvitationRow = {
      id: newId(),
      user_id: user.id,
      email: p.email,
      display_name: p.input.invitedUserDisplayName?.trim() || null,
      user_type: user.user_type,
      redirect_url: p.input.inviteRedirectUrl,
      send_message: p.input.sendInvitationMessage === true,
      message_info: p.info,
      reset_redemption: p.reset,
      status: redeemed ? 'Completed' : 'PendingAcceptance',
      token_hash: redeemed ? null : sha256Hex(token),
      spent_token_hash: null,
      invited_by: inviter.actor,
      created_at: now,
      expires_at: new Date(now.getTime() + settings.invitationLifetimeInDays * 86_400_000),
      redeemed_at: null,
      voided_at: null,
    };
    rows.push(row);
    const link = redeemed ? row.redirect_url : `${deps.publicUrl}${REDEEM_PATH}#rd=${token}`;
    redeemUrls.set(row.id, link);
    for (const sponsor of chosen) {
      sponsorLinks.push({ user_id: user.id, sponsor_id: sponsor.id });
      events.push({ event: 'user.sponsorAdded', actor: inviter.actor, targets: [userTarget(user), userTarget(sponsor)] });
      if (sponsor.mail) {
        mails.push({ kind: 'sponsorNotice', relatedId: user.id, to: [sponsor.mail], message: sponsorNoticeMail({ tenantName: tenant.displayName, sponsorName: sponsor.display_name, guestName: user.display_name, guestEmail: p.email, inviterName, portalUrl: `${deps.publicUrl}/users/${user.id}` }) });
      }
    }
    if (row.send_message) {
      // The link goes into the mail at delivery (sealed until then): the outbox keeps no redeem link in clear.
      mails.push({ kind: 'invitation', relatedId: row.id, to: [p.email], cc: p.info.ccRecipients.map((r) => r.emailAddress.address), message: invitationMail({ tenantName: tenant.displayName, inviterName, inviteeName: row.display_name, redeemUrl: SECRET_PLACEHOLDER, customMessage: p.info.customizedMessageBody }), secret: link });
    }
    events.push({
      event: 'invitation.created',
      actor: inviter.actor,
      targets: [userTarget(user), { id: row.id, type: 'Invitation', displayName: p.email }],
      details: { invitationId: row.id, status: row.status, sendInvitationMessage: row.send_message, resetRedemption: p.reset, expiresAt: row.expires_at.toISOString() },
    });
    results.set(p.index, { ok: true, invitation: toGraphInvitation(row, link), mailIds: [] });
  }

  if (newUsers.length) await trx.insertInto('users').values(newUsers.map((u) => ({ ...u, identities: JSON.stringify(u.identities) }))).execute();
  const reinvited = rows.map((r) => r.user_id).filter((id) => !newUsers.some((u) => u.id === id));
  // A new invitation replaces any earlier link of the same user that was not redeemed.
  if (reinvited.length) {
    await trx.updateTable('invitations').set((eb) => ({ status: 'Voided', voided_at: now, spent_token_hash: eb.ref('token_hash'), token_hash: null })).where('user_id', 'in', reinvited).where('status', '=', 'PendingAcceptance').execute();
  }
  if (rows.length) await trx.insertInto('invitations').values(rows.map((r) => ({ ...r, message_info: JSON.stringify(r.message_info), invited_by: JSON.stringify(r.invited_by) }))).execute();
  if (sponsorLinks.length) await trx.insertInto('user_sponsors').values(sponsorLinks).onConflict((oc) => oc.doNothing()).execute();
  const mailIds = await queueMail(trx, deps.clock, deps.masterKey, mails);
  // Each outcome carries the ids of the mails about its invitation or its guest.
  const mailOwner = mails.map((m) => (m.kind === 'invitation' ? rows.find((r) => r.id === m.relatedId)?.id : rows.find((r) => r.user_id === m.relatedId)?.id));
  for (const [i, id] of mailIds.entries()) {
    const outcome = [...results.values()].find((o) => o.ok && o.invitation.id === mailOwner[i]);
    if (outcome?.ok) outcome.mailIds.push(id);
  }
  await appendAudit(trx, deps.clock, events);
  return results;
}

/**
 * A reset re-binds an account to whoever proves the new address, so: never an administrator's account unless the
 * caller may manage roles, and never to an address another user already has.
 */
async function resetProblem(trx: Db, inviter: Inviter, user: UserRow, email: string): Promise<AppError | undefined> {
  const role = await trx.selectFrom('role_assignments').select('id').where('principal_id', '=', user.id).executeTakeFirst();
  if (role && !inviter.permissions.has('RoleManagement.ReadWrite.Directory')) {
    return new AppError('FORBIDDEN', 403, `${user.user_principal_name} holds a directory role: resetting their redemption needs the permission RoleManagement.ReadWrite.Directory.`);
  }
  const other = await trx.selectFrom('users').select('user_principal_name').where((eb) => eb(eb.fn('lower', ['mail']), '=', email.toLowerCase())).where('id', '<>', user.id).executeTakeFirst();
  if (other) return directoryError('DUPLICATE_VALUE', `Another user (${other.user_principal_name}) already has the address ${email}.`);
  return undefined;
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
