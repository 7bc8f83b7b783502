import { appendAudit, type Actor } from '#src/audit/index.ts';
import { effectiveCrossTenant, findInvitedGuest, findUserRow, getTenant, inboundVerdict, recordSignIn, type DirDb, type UserRow } from '#src/directory/index.ts';
import { oneTimePasscodeMail, queueMail } from '#src/mail/index.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import type { FederatedClaims } from './auth.tables.ts';
import { OTP_LIFETIME_MINUTES } from './email-otp.ts';
import { checkOtp, createFlow, deleteFlow, flowOf, issueOtp, updateFlow, type ExternalFlow } from './external-flows.ts';
import { providerForEmail, providerForIssuer } from './identity-providers.service.ts';
import { randomToken } from '#src/core/crypto.ts';
import type { RedemptionDeps } from './redemption.service.ts';
import { partnerTrustOf, settleSignIn, signInWithin, type SignInOutcome, type SignInStep } from './sign-in-pipeline.ts';

/**
 * A guest signing in after redemption. The guest never has a password here: they prove again the identity that
 * redeemed — the same partner issuer and subject, or (for guests who redeemed by one-time passcode) a code sent to
 * the same address — and nothing else is accepted until an administrator resets their redemption. The cross-tenant
 * inbound settings are checked at every sign-in, with Gatehouse's own portal as the application. Starting a sign-in
 * answers the same for an address without an account (no mail is sent), so the page does not reveal who is a guest.
 */
export { PORTAL_APP_ID as GATEHOUSE_PORTAL_APP_ID } from './conditional-access.applications.ts';
import { PORTAL_APP_ID as GATEHOUSE_PORTAL_APP_ID } from './conditional-access.applications.ts';
const GENERIC = 'No guest account that accepted its invitation uses this address. If you were invited, open the link in your invitation email first.';

export async function guestOf(deps: { db: Db }, flow: ExternalFlow): Promise<UserRow> {
  const user = await findUserRow(deps.db as DirDb, flow.user_id as string);
  if (!user) throw authError('REDEMPTION_NOT_FOUND', GENERIC);
  return user;
}

const guestActor = (user: Pick<UserRow, 'id' | 'display_name' | 'user_principal_name'>, ipAddress: string | null): Actor => ({ kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, ipAddress });

export interface GuestSignInStart {
  cookieValue: string;
  method: 'emailOtp' | 'federated';
  /** For federated guests: the provider they sign in with. */
  providerDisplayName: string | null;
  mailIds: string[];
}

/** Begin: find the guest by address and start the one way they may sign in (a code by mail, or their provider). */
export async function startGuestSignIn(deps: RedemptionDeps, email: string, ctx: { ipAddress: string | null }): Promise<GuestSignInStart> {
  const address = String(email ?? '').trim().toLowerCase();
  const user = await findInvitedGuest(deps.db as DirDb, address);
  const bound = user?.identities[0];
  if (!user || user.external_user_state !== 'Accepted' || !user.account_enabled || !bound) {
    // The answer must not tell who has an account: the same shape as for a guest of that domain, and no mail.
    const provider = /@/.test(address) ? await providerForEmail(deps.db, address) : undefined;
    return { cookieValue: randomToken(32), method: provider ? 'federated' : 'emailOtp', providerDisplayName: provider?.display_name ?? null, mailIds: [] };
  }
  return inTransaction(deps.db, async (trx) => {
    const { cookieValue, flow } = await createFlow(trx, deps.clock.now(), { purpose: 'signIn', userId: user.id });
    if (bound.signInType === 'federated') {
      const provider = await providerForIssuer(trx, bound.issuer);
      if (!provider) throw authError('FEDERATION_FAILED', 'The identity provider you accepted the invitation with is no longer set up here. Ask your sponsor to reset your redemption.');
      return { cookieValue, method: 'federated' as const, providerDisplayName: provider.display_name, mailIds: [] };
    }
    const code = await issueOtp(trx, flow, deps.clock.now());
    const tenant = await getTenant(trx as DirDb);
    const mailIds = await queueMail(trx, deps.clock, deps.masterKey, [
      { kind: 'oneTimePasscode', relatedId: user.id, to: [user.mail as string], message: oneTimePasscodeMail({ tenantName: tenant?.displayName ?? 'Gatehouse', minutes: OTP_LIFETIME_MINUTES }), secret: code },
    ]);
    await appendAudit(trx, deps.clock, { event: 'auth.otpSent', actor: guestActor(user, ctx.ipAddress), targets: [{ id: user.id, type: 'User', displayName: user.display_name, userPrincipalName: user.user_principal_name }] });
    return { cookieValue, method: 'emailOtp' as const, providerDisplayName: null, mailIds };
  });
}

/** Check the code of an OTP guest; a right code signs them in. */
export async function verifyGuestOtp(deps: RedemptionDeps, cookieValue: string | undefined, code: string, ctx: { ipAddress: string | null; userAgent: string | null }): Promise<SignInOutcome> {
  const outcome = await inTransaction(deps.db, async (trx) => {
    const flow = await flowOf(trx, cookieValue, 'signIn', deps.clock.now(), true);
    const user = await guestOf({ db: trx }, flow);
    const result = await checkOtp(trx, flow, code, deps.clock.now());
    if (!result.ok) {
      if (result.locked) {
        await appendAudit(trx, deps.clock, { event: 'auth.lockedOut', actor: guestActor(user, ctx.ipAddress), result: 'failure', resultReason: 'one-time passcode locked after 5 wrong codes', targets: [{ id: user.id, type: 'User' }] });
      }
      return { error: authError(result.locked ? 'OTP_LOCKED' : 'OTP_INVALID', result.message) };
    }
    const verified = { method: 'emailOtp' as const, verified_issuer: 'mail', verified_subject: (user.mail as string).toLowerCase(), verified_email: user.mail };
    await updateFlow(trx, flow, verified);
    return { step: await finishGuestSignIn(trx, deps, { ...flow, ...verified }, ctx) };
  });
  if ('error' in outcome) throw outcome.error;
  return settleSignIn(deps, outcome.step);
}

/**
 * Finish a guest sign-in inside the caller's transaction: the proven identity must be the bound one, the guest
 * still accepted and enabled, and the cross-tenant settings must let them into the portal.
 */
export async function finishGuestSignIn(trx: Db, deps: RedemptionDeps, flow: ExternalFlow, ctx: { ipAddress: string | null; userAgent: string | null }): Promise<SignInStep> {
  const user = await guestOf({ db: trx }, flow);
  if (user.external_user_state !== 'Accepted' || !user.account_enabled) throw authError('GUEST_NOT_FOUND', GENERIC);
  const matches = user.identities.some((i) => i.issuer === flow.verified_issuer && i.issuerAssignedId === flow.verified_subject);
  if (!matches) {
    throw authError('FEDERATION_FAILED', 'This is not the account that accepted the invitation: only that account can sign in as this guest. Ask your sponsor to reset your redemption if it changed.');
  }
  const claims = flow.verified_claims as FederatedClaims | null;
  const settings = await effectiveCrossTenant(trx as DirDb, [claims?.partner]);
  const verdict = inboundVerdict(settings, { subject: claims ? flow.verified_subject : null, groups: claims?.groups ?? [], applicationId: GATEHOUSE_PORTAL_APP_ID });
  if (!verdict.allowed) throw authError('FEDERATION_FAILED', `This organization does not accept your sign-in: ${verdict.reason}.`);
  await deleteFlow(trx, flow);
  // Conditional Access, a second factor if required, the session and the sign-in log: the one pipeline.
  return signInWithin(trx, deps, {
    userId: user.id,
    method: flow.method === 'emailOtp' ? 'emailOtp' : 'federated',
    partner: await partnerTrustOf(trx, claims),
    ipAddress: ctx.ipAddress,
    userAgent: ctx.userAgent,
    returnTo: '/my-account',
  });
}
