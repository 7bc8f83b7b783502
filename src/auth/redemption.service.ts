import { appendAudit, type Actor } from '#src/audit/index.ts';
import {
  effectiveCrossTenant,
  inboundVerdict,
  openRedeemLink,
  redeemableInvitation,
  redeemInvitation,
  redemptionTargets,
  type DirDb,
  type RedeemableInvitation,
} from '#src/directory/index.ts';
import { oneTimePasscodeMail, queueMail } from '#src/mail/index.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import type { FederatedClaims } from './auth.tables.ts';
import { OTP_LIFETIME_MINUTES } from './email-otp.ts';
import { checkOtp, createFlow, deleteFlow, flowOf, issueOtp, updateFlow, type ExternalFlow } from './external-flows.ts';
import { providerForEmail } from './identity-providers.service.ts';
import { partnerTrustOf, settleSignIn, signInWithin, type SignInOutcome, type SignInPipelineDeps, type SignInStep } from './sign-in-pipeline.ts';

/**
 * Redeeming an invitation in the browser: open the link (a flow starts) → prove the invited address (the partner
 * identity provider serving its domain, else an email one-time passcode) → accept the terms of use and privacy
 * statement (skipped when the partner's cross-tenant settings allow automatic consent) → the guest is bound to that
 * identity, signed in, and sent to the invitation's redirect URL. Every step is audited; the redeem token is spent
 * only at the end, and every policy is checked again then.
 */
export type RedemptionDeps = SignInPipelineDeps;

/** What the redemption page shows at each step. */
export interface RedemptionView {
  tenantDisplayName: string;
  invitedUserEmailAddress: string;
  invitedUserDisplayName: string;
  /** How the invitee proves the address: their organization's provider, or a code by email. */
  method: 'emailOtp' | 'oidc' | 'saml' | 'unavailable';
  providerDisplayName: string | null;
  step: 'verify' | 'consent';
  otpSentTo: string | null;
  /** Why the last partner sign-in was refused (shown on the page; the invitee can try again). */
  federationError: string | null;
  termsOfUseUrl: string | null;
  privacyStatementUrl: string | null;
}

export const anonymousInvitee = (ipAddress: string | null): Actor => ({ kind: 'user', id: '00000000-0000-0000-0000-000000000000', displayName: 'Invitee (not signed in)', ipAddress });
export const inviteeActor = (found: Pick<RedeemableInvitation, 'user'>, ipAddress: string | null): Actor => ({
  kind: 'user',
  id: found.user.id,
  displayName: found.user.display_name,
  userPrincipalName: found.user.user_principal_name,
  ipAddress,
});

async function view(db: Db, found: RedeemableInvitation, flow: ExternalFlow): Promise<RedemptionView> {
  const provider = await providerForEmail(db, found.invitation.email);
  return {
    tenantDisplayName: found.tenant.displayName,
    invitedUserEmailAddress: found.invitation.email,
    invitedUserDisplayName: found.user.display_name,
    method: provider ? provider.kind : found.settings.emailOneTimePasscode === 'enabled' ? 'emailOtp' : 'unavailable',
    providerDisplayName: provider?.display_name ?? null,
    step: flow.verified_subject ? 'consent' : 'verify',
    otpSentTo: flow.otp_hash ? found.invitation.email : null,
    federationError: flow.federation_error,
    termsOfUseUrl: found.settings.termsOfUseUrl,
    privacyStatementUrl: found.settings.privacyStatementUrl,
  };
}

const invitationOf = (db: Db, flow: ExternalFlow) => redeemableInvitation(db as DirDb, flow.invitation_id as string);

/** Open a redeem link: checks it, starts a flow, and returns the cookie value that carries the flow. */
export async function startRedemption(deps: RedemptionDeps, token: string, ctx: { ipAddress: string | null }): Promise<{ cookieValue: string; view: RedemptionView }> {
  const found = await openRedeemLink({ db: deps.db as DirDb, clock: deps.clock, publicUrl: deps.config.publicUrl }, token, anonymousInvitee(ctx.ipAddress));
  const { cookieValue, flow } = await inTransaction(deps.db, async (trx) => {
    const created = await createFlow(trx, deps.clock.now(), { purpose: 'redeem', invitationId: found.invitation.id });
    await appendAudit(trx, deps.clock, { event: 'invitation.redemptionStarted', actor: inviteeActor(found, ctx.ipAddress), targets: redemptionTargets(found) });
    return created;
  });
  return { cookieValue, view: await view(deps.db, found, flow) };
}

export async function currentRedemption(deps: RedemptionDeps, cookieValue: string | undefined): Promise<RedemptionView> {
  const flow = await flowOf(deps.db, cookieValue, 'redeem', deps.clock.now(), false);
  return view(deps.db, await invitationOf(deps.db, flow), flow);
}

/** Send a one-time passcode to the invited address (when no partner provider serves its domain). */
export async function sendRedemptionOtp(deps: RedemptionDeps, cookieValue: string | undefined, ctx: { ipAddress: string | null }): Promise<{ mailIds: string[]; view: RedemptionView }> {
  return inTransaction(deps.db, async (trx) => {
    const flow = await flowOf(trx, cookieValue, 'redeem', deps.clock.now(), true);
    const found = await invitationOf(trx, flow);
    const current = await view(trx, found, flow);
    if (current.method !== 'emailOtp') {
      throw authError('OTP_UNAVAILABLE', current.providerDisplayName
        ? `Addresses at this domain sign in with ${current.providerDisplayName}; one-time passcodes are not used for them.`
        : `${found.tenant.displayName} does not offer one-time passcodes by email, and no identity provider is set up for your domain. Contact the person who invited you.`);
    }
    if (flow.verified_subject) throw authError('OTP_UNAVAILABLE', 'Your address is already verified; accept the terms to continue.');
    const code = await issueOtp(trx, flow, deps.clock.now());
    const mailIds = await queueMail(trx, deps.clock, deps.masterKey, [
      { kind: 'oneTimePasscode', relatedId: found.invitation.id, to: [found.invitation.email], message: oneTimePasscodeMail({ tenantName: found.tenant.displayName, minutes: OTP_LIFETIME_MINUTES }), secret: code },
    ]);
    await appendAudit(trx, deps.clock, { event: 'invitation.otpSent', actor: inviteeActor(found, ctx.ipAddress), targets: redemptionTargets(found) });
    return { mailIds, view: { ...current, otpSentTo: found.invitation.email } };
  });
}

/** Check a passcode; a right one proves the address, five wrong ones void the code (audited as a lock-out). */
export async function verifyRedemptionOtp(deps: RedemptionDeps, cookieValue: string | undefined, code: string, ctx: { ipAddress: string | null }): Promise<RedemptionView> {
  const outcome = await inTransaction(deps.db, async (trx) => {
    const flow = await flowOf(trx, cookieValue, 'redeem', deps.clock.now(), true);
    const found = await invitationOf(trx, flow);
    const result = await checkOtp(trx, flow, code, deps.clock.now());
    if (result.ok) {
      const verified = { method: 'emailOtp' as const, verified_issuer: 'mail', verified_subject: found.invitation.email.toLowerCase(), verified_email: found.invitation.email };
      await updateFlow(trx, flow, verified);
      return { view: await view(trx, found, { ...flow, ...verified, otp_hash: null }) };
    }
    if (result.locked) {
      await appendAudit(trx, deps.clock, { event: 'invitation.redemptionBlocked', actor: inviteeActor(found, ctx.ipAddress), result: 'failure', resultReason: 'one-time passcode locked after 5 wrong codes', targets: redemptionTargets(found) });
    }
    return { error: authError(result.locked ? 'OTP_LOCKED' : 'OTP_INVALID', result.message) };
  });
  // Thrown after commit, so the counted try (or the lock-out) is kept.
  if ('error' in outcome) throw outcome.error;
  return outcome.view;
}

/**
 * Record consent (unless automatic), redeem (every check made again, including the cross-tenant inbound settings),
 * end the flow and sign the guest in — all in the caller's transaction.
 */
export async function completeRedemption(
  trx: Db,
  deps: RedemptionDeps,
  flow: ExternalFlow,
  consent: 'accepted' | 'automatic',
  ctx: { ipAddress: string | null; userAgent: string | null },
): Promise<{ redirectUrl: string; step: SignInStep }> {
  if (!flow.verified_subject || !flow.verified_issuer || !flow.method) throw authError('REDEMPTION_NOT_FOUND', 'Verify your email address first.');
  const found = await invitationOf(trx, flow);
  const actor = inviteeActor(found, ctx.ipAddress);
  const claims = flow.verified_claims as FederatedClaims | null;
  const settings = await effectiveCrossTenant(trx as DirDb, [claims?.partner]);
  const verdict = inboundVerdict(settings, { subject: claims ? flow.verified_subject : null, groups: claims?.groups ?? [], applicationId: null });
  if (!verdict.allowed) {
    throw authError('FEDERATION_FAILED', `${found.tenant.displayName} does not accept this sign-in: ${verdict.reason}.`);
  }
  await deleteFlow(trx, flow);
  await appendAudit(trx, deps.clock, {
    event: 'invitation.consented',
    actor,
    targets: redemptionTargets(found),
    details: { consent, termsOfUseUrl: found.settings.termsOfUseUrl, privacyStatementUrl: found.settings.privacyStatementUrl },
  });
  const identity = flow.method === 'emailOtp'
    ? { signInType: 'emailAddress', issuer: 'mail', issuerAssignedId: flow.verified_subject }
    : { signInType: 'federated', issuer: flow.verified_issuer, issuerAssignedId: flow.verified_subject };
  const result = await redeemInvitation(trx as DirDb, { clock: deps.clock, publicUrl: deps.config.publicUrl }, { invitationId: found.invitation.id, identity, method: flow.method, actor });
  // The invitation is redeemed whatever happens next; signing in goes through Conditional Access like any other.
  const step = await signInWithin(trx, deps, {
    userId: result.userId,
    method: flow.method === 'emailOtp' ? 'emailOtp' : 'federated',
    partner: await partnerTrustOf(trx, claims),
    ipAddress: ctx.ipAddress,
    userAgent: ctx.userAgent,
    returnTo: result.redirectUrl,
  });
  return { redirectUrl: result.redirectUrl, step };
}

/** Accept the terms and finish, or decline (the flow ends; the invitation stays open). */
export async function finishRedemption(
  deps: RedemptionDeps,
  cookieValue: string | undefined,
  accept: boolean,
  ctx: { ipAddress: string | null; userAgent: string | null },
): Promise<{ redirectUrl: string; outcome: SignInOutcome } | { declined: true }> {
  let done: { redirectUrl: string; step: SignInStep } | { declined: true };
  try {
    done = await inTransaction(deps.db, async (trx) => {
      const flow = await flowOf(trx, cookieValue, 'redeem', deps.clock.now(), true);
      if (!flow.verified_subject) throw authError('REDEMPTION_NOT_FOUND', 'Verify your email address first.');
      if (!accept) {
        await deleteFlow(trx, flow);
        return { declined: true as const };
      }
      return completeRedemption(trx, deps, flow, 'accepted', ctx);
    });
  } catch (error) {
    // Everything the attempt changed rolled back; the refusal itself is recorded.
    if ((error as { code?: string }).code !== 'REDEMPTION_NOT_FOUND') await auditRefusal(deps, cookieValue, error, ctx);
    throw error;
  }
  if ('declined' in done) return done;
  // Redeemed and committed; a Conditional Access block is recorded and thrown here.
  return { redirectUrl: done.redirectUrl, outcome: await settleSignIn(deps, done.step) };
}

/** A refused redemption is audited in its own transaction (the refused change itself rolled back). */
export async function auditRefusal(deps: RedemptionDeps, cookieValue: string | undefined, error: unknown, ctx: { ipAddress: string | null }): Promise<void> {
  const flow = await flowOf(deps.db, cookieValue, 'redeem', deps.clock.now(), false).catch(() => undefined);
  if (!flow?.invitation_id) return;
  const found = await invitationOf(deps.db, flow);
  await inTransaction(deps.db, (trx) =>
    appendAudit(trx, deps.clock, { event: 'invitation.redemptionBlocked', actor: inviteeActor(found, ctx.ipAddress), result: 'failure', resultReason: (error as Error).message, targets: redemptionTargets(found) }),
  );
}
