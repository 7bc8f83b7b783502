import { randomToken, sha256Hex } from '#src/core/crypto.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import {
  openRedeemLink,
  redeemableInvitation,
  redeemInvitation,
  redemptionTargets,
  type DirDb,
  type RedeemableInvitation,
} from '#src/directory/index.ts';
import { oneTimePasscodeMail, queueMail } from '#src/mail/index.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import type { AuthDeps } from './auth.deps.ts';
import { authError } from './auth.errors.ts';
import type { AuthDb, RedemptionFlowTable } from './auth.tables.ts';
import { newOtp, OTP_LIFETIME_MINUTES, OTP_MAX_SENDS_PER_HOUR, OTP_MAX_TRIES, OTP_RESEND_SECONDS, otpHash, otpMatches } from './email-otp.ts';
import { createSession, type NewSession } from './sessions.service.ts';

/**
 * The browser flow that redeems an invitation: open the link (a flow starts, held by an HttpOnly cookie) → prove
 * the invited address (a partner identity provider for the domain, else an email one-time passcode) → accept the
 * terms of use and privacy statement → the guest is bound to that identity, signed in, and sent to the
 * invitation's redirect URL. Each step is audited; the redeem token is spent only at the end.
 */
export interface RedemptionDeps extends AuthDeps {
  masterKey: Buffer;
}

/** What the redemption page shows at each step. */
export interface RedemptionView {
  tenantDisplayName: string;
  invitedUserEmailAddress: string;
  invitedUserDisplayName: string;
  /** How the invitee proves the address. */
  method: 'emailOtp' | 'unavailable';
  /** The next thing to do. */
  step: 'verify' | 'consent';
  otpSentTo: string | null;
  termsOfUseUrl: string | null;
  privacyStatementUrl: string | null;
}

const FLOW_MINUTES = 60;
const COOKIE = /^[A-Za-z0-9_-]{43}$/;
export const REDEMPTION_EXPIRED_MESSAGE = 'This invitation page expired or was opened in another browser. Open the link from your invitation email again.';

const anonymous = (ipAddress: string | null): Actor => ({ kind: 'user', id: '00000000-0000-0000-0000-000000000000', displayName: 'Invitee (not signed in)', ipAddress });
const inviteeActor = (found: Pick<RedeemableInvitation, 'user'>, ipAddress: string | null): Actor => ({
  kind: 'user',
  id: found.user.id,
  displayName: found.user.display_name,
  userPrincipalName: found.user.user_principal_name,
  ipAddress,
});

function view(found: RedeemableInvitation, flow: Pick<RedemptionFlowTable, 'verified_subject' | 'otp_hash'>): RedemptionView {
  return {
    tenantDisplayName: found.tenant.displayName,
    invitedUserEmailAddress: found.invitation.email,
    invitedUserDisplayName: found.user.display_name,
    method: found.settings.emailOneTimePasscode === 'enabled' ? 'emailOtp' : 'unavailable',
    step: flow.verified_subject ? 'consent' : 'verify',
    otpSentTo: flow.otp_hash ? found.invitation.email : null,
    termsOfUseUrl: found.settings.termsOfUseUrl,
    privacyStatementUrl: found.settings.privacyStatementUrl,
  };
}

/** Open a redeem link: checks it, starts a flow, and returns the cookie value that carries the flow. */
export async function startRedemption(deps: RedemptionDeps, token: string, ctx: { ipAddress: string | null }): Promise<{ cookieValue: string; view: RedemptionView }> {
  const found = await openRedeemLink({ db: deps.db as DirDb, clock: deps.clock, publicUrl: deps.config.publicUrl }, token, anonymous(ctx.ipAddress));
  const cookieValue = randomToken(32);
  const now = deps.clock.now();
  const flow = {
    id_hash: sha256Hex(cookieValue),
    invitation_id: found.invitation.id,
    method: null,
    verified_issuer: null,
    verified_subject: null,
    verified_email: null,
    federation_state: null,
    otp_hash: null,
    otp_expires_at: null,
    otp_attempts: 0,
    otp_sends: 0,
    otp_last_sent_at: null,
    consented_at: null,
    created_at: now,
    expires_at: new Date(now.getTime() + FLOW_MINUTES * 60_000),
  };
  await inTransaction(deps.db, async (trx) => {
    await (trx as AuthDb).insertInto('redemption_flows').values(flow).execute();
    await appendAudit(trx, deps.clock, { event: 'invitation.redemptionStarted', actor: inviteeActor(found, ctx.ipAddress), targets: redemptionTargets(found) });
  });
  return { cookieValue, view: view(found, flow) };
}

/** The flow a cookie holds, locked when `trx` is a transaction that will change it. */
async function flowOf(db: Db, cookieValue: string | undefined, lock: boolean, now: Date): Promise<RedemptionFlowTable> {
  if (typeof cookieValue !== 'string' || !COOKIE.test(cookieValue)) throw authError('REDEMPTION_NOT_FOUND', REDEMPTION_EXPIRED_MESSAGE);
  const query = (db as AuthDb).selectFrom('redemption_flows').selectAll().where('id_hash', '=', sha256Hex(cookieValue));
  const flow = await (lock ? query.forUpdate() : query).executeTakeFirst();
  if (!flow || flow.expires_at.getTime() <= now.getTime()) throw authError('REDEMPTION_NOT_FOUND', REDEMPTION_EXPIRED_MESSAGE);
  return flow;
}

export async function currentRedemption(deps: RedemptionDeps, cookieValue: string | undefined): Promise<RedemptionView> {
  const flow = await flowOf(deps.db, cookieValue, false, deps.clock.now());
  return view(await redeemableInvitation(deps.db as DirDb, flow.invitation_id), flow);
}

/**
 * Send a one-time passcode to the invited address. Limits: 30 s between codes, 5 codes per hour per invitation
 * (across browsers). Returns the outbox ids to deliver after commit.
 */
export async function sendRedemptionOtp(deps: RedemptionDeps, cookieValue: string | undefined, ctx: { ipAddress: string | null }): Promise<{ mailIds: string[]; view: RedemptionView }> {
  return inTransaction(deps.db, async (trx) => {
    const flow = await flowOf(trx, cookieValue, true, deps.clock.now());
    const found = await redeemableInvitation(trx as DirDb, flow.invitation_id);
    if (found.settings.emailOneTimePasscode !== 'enabled') {
      throw authError('OTP_UNAVAILABLE', `${found.tenant.displayName} does not offer one-time passcodes by email, and no identity provider is set up for your domain. Contact the person who invited you.`);
    }
    if (flow.verified_subject) throw authError('OTP_UNAVAILABLE', 'Your address is already verified; accept the terms to continue.');
    const now = deps.clock.now();
    if (flow.otp_last_sent_at && now.getTime() - flow.otp_last_sent_at.getTime() < OTP_RESEND_SECONDS * 1000) {
      throw authError('OTP_RATE_LIMITED', `A code was sent less than ${OTP_RESEND_SECONDS} seconds ago. Check your mailbox (and spam folder) before asking for another.`);
    }
    const hourAgo = new Date(now.getTime() - 3_600_000);
    const recent = await (trx as AuthDb)
      .selectFrom('redemption_flows')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('otp_sends'), eb.lit(0)).as('sends'))
      .where('invitation_id', '=', flow.invitation_id)
      .where('otp_last_sent_at', '>', hourAgo)
      .executeTakeFirstOrThrow();
    if (Number(recent.sends) >= OTP_MAX_SENDS_PER_HOUR) {
      throw authError('OTP_RATE_LIMITED', `${OTP_MAX_SENDS_PER_HOUR} codes were sent for this invitation in the last hour. Wait an hour and try again.`);
    }
    const code = newOtp();
    await (trx as AuthDb)
      .updateTable('redemption_flows')
      .set({ otp_hash: otpHash(flow.id_hash, code), otp_expires_at: new Date(now.getTime() + OTP_LIFETIME_MINUTES * 60_000), otp_attempts: 0, otp_sends: flow.otp_sends + 1, otp_last_sent_at: now })
      .where('id_hash', '=', flow.id_hash)
      .execute();
    const mailIds = await queueMail(trx, deps.clock, deps.masterKey, [
      { kind: 'oneTimePasscode', relatedId: found.invitation.id, to: [found.invitation.email], message: oneTimePasscodeMail({ tenantName: found.tenant.displayName, minutes: OTP_LIFETIME_MINUTES }), secret: code },
    ]);
    await appendAudit(trx, deps.clock, { event: 'invitation.otpSent', actor: inviteeActor(found, ctx.ipAddress), targets: redemptionTargets(found) });
    return { mailIds, view: view(found, { verified_subject: null, otp_hash: 'sent' }) };
  });
}

/**
 * Check a passcode. A wrong code counts against the code's 5 tries; the fifth wrong one voids it (audited as a
 * lock-out) and a new code must be requested. A right code proves the address: the flow moves on to consent.
 */
export async function verifyRedemptionOtp(deps: RedemptionDeps, cookieValue: string | undefined, code: string, ctx: { ipAddress: string | null }): Promise<RedemptionView> {
  const outcome = await inTransaction(deps.db, async (trx) => {
    const flow = await flowOf(trx, cookieValue, true, deps.clock.now());
    const found = await redeemableInvitation(trx as DirDb, flow.invitation_id);
    const now = deps.clock.now();
    if (!flow.otp_hash || !flow.otp_expires_at || flow.otp_expires_at.getTime() <= now.getTime()) {
      return { error: authError('OTP_INVALID', 'This code expired or was never sent. Ask for a new code.') };
    }
    if (otpMatches(flow.id_hash, String(code).trim(), flow.otp_hash)) {
      const verified = { method: 'emailOtp' as const, verified_issuer: 'mail', verified_subject: found.invitation.email.toLowerCase(), verified_email: found.invitation.email, otp_hash: null, otp_expires_at: null };
      await (trx as AuthDb).updateTable('redemption_flows').set(verified).where('id_hash', '=', flow.id_hash).execute();
      return { view: view(found, { ...flow, ...verified }) };
    }
    const attempts = flow.otp_attempts + 1;
    const locked = attempts >= OTP_MAX_TRIES;
    await (trx as AuthDb)
      .updateTable('redemption_flows')
      .set(locked ? { otp_attempts: attempts, otp_hash: null, otp_expires_at: null } : { otp_attempts: attempts })
      .where('id_hash', '=', flow.id_hash)
      .execute();
    if (locked) {
      await appendAudit(trx, deps.clock, {
        event: 'invitation.redemptionBlocked',
        actor: inviteeActor(found, ctx.ipAddress),
        result: 'failure',
        resultReason: `one-time passcode locked after ${OTP_MAX_TRIES} wrong codes`,
        targets: redemptionTargets(found),
      });
      return { error: authError('OTP_LOCKED', `That was the ${OTP_MAX_TRIES}th wrong code, so this code no longer works. Ask for a new code.`) };
    }
    return { error: authError('OTP_INVALID', `Wrong code. ${OTP_MAX_TRIES - attempts} ${OTP_MAX_TRIES - attempts === 1 ? 'try' : 'tries'} left for this code.`) };
  });
  // Thrown after commit, so the counted try (or the lock-out) is kept.
  if ('error' in outcome) throw outcome.error;
  return outcome.view;
}

/**
 * Accept the terms and finish: in one transaction the consent is recorded, the invitation redeemed (every check
 * made again), the flow ended and a portal session created for the guest. Declining ends the flow only.
 */
export async function finishRedemption(
  deps: RedemptionDeps,
  cookieValue: string | undefined,
  accept: boolean,
  ctx: { ipAddress: string | null; userAgent: string | null },
): Promise<{ redirectUrl: string; session: NewSession } | { declined: true }> {
  return inTransaction(deps.db, async (trx) => {
    const flow = await flowOf(trx, cookieValue, true, deps.clock.now());
    if (!flow.verified_subject || !flow.verified_issuer || !flow.method) throw authError('REDEMPTION_NOT_FOUND', 'Verify your email address first.');
    await (trx as AuthDb).deleteFrom('redemption_flows').where('id_hash', '=', flow.id_hash).execute();
    if (!accept) return { declined: true as const };
    const found = await redeemableInvitation(trx as DirDb, flow.invitation_id);
    const actor = inviteeActor(found, ctx.ipAddress);
    await appendAudit(trx, deps.clock, {
      event: 'invitation.consented',
      actor,
      targets: redemptionTargets(found),
      details: { termsOfUseUrl: found.settings.termsOfUseUrl, privacyStatementUrl: found.settings.privacyStatementUrl },
    });
    const identity = flow.method === 'emailOtp'
      ? { signInType: 'emailAddress', issuer: 'mail', issuerAssignedId: flow.verified_subject }
      : { signInType: 'federated', issuer: flow.verified_issuer, issuerAssignedId: flow.verified_subject };
    const result = await redeemInvitation(trx as DirDb, { clock: deps.clock, publicUrl: deps.config.publicUrl }, { invitationId: flow.invitation_id, identity, method: flow.method, actor });
    const session = await createSession(trx, deps, result.userId, ctx);
    return { redirectUrl: result.redirectUrl, session };
  });
}

/** Delete flows past their expiry. Idempotent; part of the auth sweep. */
export async function sweepRedemptionFlows(deps: Pick<AuthDeps, 'db' | 'clock'>): Promise<number> {
  const result = await (deps.db as AuthDb).deleteFrom('redemption_flows').where('expires_at', '<', deps.clock.now()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
