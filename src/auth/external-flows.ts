import type { Selectable } from 'kysely';
import { lockPasscodeSubject, type DirDb } from '#src/directory/index.ts';
import { randomToken, sha256Hex } from '#src/core/crypto.ts';
import type { Db } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import type { AuthDb, RedemptionFlowTable } from './auth.tables.ts';
import { newOtp, OTP_LIFETIME_MINUTES, OTP_MAX_SENDS_PER_HOUR, OTP_MAX_TRIES, OTP_RESEND_SECONDS, otpHash, otpMatches } from './email-otp.ts';

/**
 * Browser flows of people without a Gatehouse password: redeeming an invitation, and a guest signing in. A flow is
 * a row keyed by the hash of a random cookie value; it collects the proof of identity (a one-time passcode or a
 * partner sign-in) before anything is granted, and expires after an hour.
 */
export type ExternalFlow = Selectable<RedemptionFlowTable>;
export type FlowPurpose = 'redeem' | 'signIn';

/** The flow cookie: sent on the partner IdP's redirect back (SameSite=Lax), to the portal API only. */
export const FLOW_COOKIE = 'gatehouse_flow';
export const FLOW_COOKIE_PATH = '/portal/api/';
const FLOW_MINUTES = 60;
const COOKIE = /^[A-Za-z0-9_-]{43}$/;
export const FLOW_EXPIRED_MESSAGE = 'This page expired or was opened in another browser. Start again from the link in your email or from the sign-in page.';

export async function createFlow(trx: Db, now: Date, subject: { purpose: 'redeem'; invitationId: string } | { purpose: 'signIn'; userId: string }): Promise<{ cookieValue: string; flow: ExternalFlow }> {
  const cookieValue = randomToken(32);
  const flow: ExternalFlow = {
    id_hash: sha256Hex(cookieValue),
    purpose: subject.purpose,
    invitation_id: subject.purpose === 'redeem' ? subject.invitationId : null,
    user_id: subject.purpose === 'signIn' ? subject.userId : null,
    method: null,
    verified_issuer: null,
    verified_subject: null,
    verified_email: null,
    verified_claims: null,
    federation_state: null,
    federation_error: null,
    otp_hash: null,
    otp_expires_at: null,
    otp_attempts: 0,
    otp_sends: 0,
    otp_last_sent_at: null,
    consented_at: null,
    created_at: now,
    expires_at: new Date(now.getTime() + FLOW_MINUTES * 60_000),
  };
  const { purpose, verified_claims, ...rest } = flow;
  await (trx as AuthDb).insertInto('redemption_flows').values({ ...rest, purpose, verified_claims: null }).execute();
  return { cookieValue, flow };
}

/** The flow a cookie holds (locked for update inside a transaction that changes it), of the expected purpose. */
export async function flowOf(db: Db, cookieValue: string | undefined, purpose: FlowPurpose | null, now: Date, lock: boolean): Promise<ExternalFlow> {
  if (typeof cookieValue !== 'string' || !COOKIE.test(cookieValue)) throw authError('REDEMPTION_NOT_FOUND', FLOW_EXPIRED_MESSAGE);
  const query = (db as AuthDb).selectFrom('redemption_flows').selectAll().where('id_hash', '=', sha256Hex(cookieValue));
  const flow = await (lock ? query.forUpdate() : query).executeTakeFirst();
  if (!flow || flow.expires_at.getTime() <= now.getTime() || (purpose !== null && flow.purpose !== purpose)) throw authError('REDEMPTION_NOT_FOUND', FLOW_EXPIRED_MESSAGE);
  return flow;
}

export async function updateFlow(trx: Db, flow: Pick<ExternalFlow, 'id_hash'>, values: Partial<Omit<ExternalFlow, 'id_hash' | 'purpose' | 'verified_claims'>> & { verified_claims?: string | null }): Promise<void> {
  await (trx as AuthDb).updateTable('redemption_flows').set(values).where('id_hash', '=', flow.id_hash).execute();
}

export async function deleteFlow(trx: Db, flow: Pick<ExternalFlow, 'id_hash'>): Promise<void> {
  await (trx as AuthDb).deleteFrom('redemption_flows').where('id_hash', '=', flow.id_hash).execute();
}

/**
 * Start a one-time passcode for the flow: enforces 30 s between codes and 5 codes an hour for the same invitation or
 * guest (across browsers). Returns the code for the caller to queue in the outbox (sealed, never stored in clear).
 */
export async function issueOtp(trx: Db, flow: ExternalFlow, now: Date): Promise<string> {
  if (flow.otp_last_sent_at && now.getTime() - flow.otp_last_sent_at.getTime() < OTP_RESEND_SECONDS * 1000) {
    throw authError('OTP_RATE_LIMITED', `A code was sent less than ${OTP_RESEND_SECONDS} seconds ago. Check your mailbox (and spam folder) before asking for another.`);
  }
  // One code at a time per invitation or guest, across browsers: the count below is made under this row lock.
  await lockPasscodeSubject(trx as DirDb, flow.invitation_id ? { invitationId: flow.invitation_id } : { userId: flow.user_id as string });
  const hourAgo = new Date(now.getTime() - 3_600_000);
  let recent = (trx as AuthDb)
    .selectFrom('redemption_flows')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('otp_sends'), eb.lit(0)).as('sends'))
    .where('otp_last_sent_at', '>', hourAgo);
  recent = flow.invitation_id ? recent.where('invitation_id', '=', flow.invitation_id) : recent.where('user_id', '=', flow.user_id);
  if (Number((await recent.executeTakeFirstOrThrow()).sends) >= OTP_MAX_SENDS_PER_HOUR) {
    throw authError('OTP_RATE_LIMITED', `${OTP_MAX_SENDS_PER_HOUR} codes were sent to this address in the last hour. Wait an hour and try again.`);
  }
  const code = newOtp();
  await updateFlow(trx, flow, { otp_hash: otpHash(flow.id_hash, code), otp_expires_at: new Date(now.getTime() + OTP_LIFETIME_MINUTES * 60_000), otp_attempts: 0, otp_sends: flow.otp_sends + 1, otp_last_sent_at: now });
  return code;
}

export type OtpOutcome = { ok: true } | { ok: false; locked: boolean; message: string };

/** Check a code; a wrong one is counted (the fifth voids the code). The caller commits before reporting. */
export async function checkOtp(trx: Db, flow: ExternalFlow, code: string, now: Date): Promise<OtpOutcome> {
  if (!flow.otp_hash || !flow.otp_expires_at || flow.otp_expires_at.getTime() <= now.getTime()) {
    return { ok: false, locked: false, message: 'This code expired or was never sent. Ask for a new code.' };
  }
  if (otpMatches(flow.id_hash, String(code).trim(), flow.otp_hash)) {
    await updateFlow(trx, flow, { otp_hash: null, otp_expires_at: null });
    return { ok: true };
  }
  const attempts = flow.otp_attempts + 1;
  const locked = attempts >= OTP_MAX_TRIES;
  await updateFlow(trx, flow, locked ? { otp_attempts: attempts, otp_hash: null, otp_expires_at: null } : { otp_attempts: attempts });
  if (locked) return { ok: false, locked, message: `That was the ${OTP_MAX_TRIES}th wrong code, so this code no longer works. Ask for a new code.` };
  const left = OTP_MAX_TRIES - attempts;
  return { ok: false, locked, message: `Wrong code. ${left} ${left === 1 ? 'try' : 'tries'} left for this code.` };
}

/** Delete flows past their expiry. Idempotent; part of the auth sweep. */
export async function sweepExternalFlows(deps: { db: Db; clock: { now(): Date } }): Promise<number> {
  const result = await (deps.db as AuthDb).deleteFrom('redemption_flows').where('expires_at', '<', deps.clock.now()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
