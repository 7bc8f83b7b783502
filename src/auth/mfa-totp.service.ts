import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { newId } from '#src/core/crypto.ts';
import { seal, unseal } from '#src/core/seal.ts';
import { getTenant } from '#src/directory/index.ts';
import { inTransaction } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import { deleteChallenge, findChallenge, putChallenge } from './mfa-challenges.ts';
import { methodDisplayName, mfaUser, selfActor, userTarget, type MfaDeps } from './mfa-deps.ts';
import type { MfaDb } from './mfa-methods.tables.ts';
import { throttledCheck } from './mfa-throttle.ts';

/**
 * Authenticator apps (TOTP, RFC 6238: SHA-1, 6 digits, 30 seconds — what every app supports). The secret is sealed
 * with the master key, bound to the user; a code is accepted one step either side of now (clock skew), and a time
 * step once accepted — or any earlier one — is refused afterwards (replay).
 */
const PERIOD = 30;
const DIGITS = 6;
const ALGORITHM = 'SHA1';
/** Steps accepted either side of the current one. */
const WINDOW = 1;
const ENROLMENT_TTL_MS = 10 * 60_000;
/** Like Entra, a handful of authenticator apps per user. */
export const MAX_AUTHENTICATOR_APPS = 5;

const secretContext = (userId: string): string => `mfa-totp-secret:${userId}`;

/** The time step a code belongs to (within the window around `now`), or undefined when it matches none. */
export function totpStep(secretBase32: string, code: string, now: Date): number | undefined {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const delta = TOTP.validate({ token, secret: Secret.fromBase32(secretBase32), algorithm: ALGORITHM, digits: DIGITS, period: PERIOD, timestamp: now.getTime(), window: WINDOW });
  return delta === null ? undefined : TOTP.counter({ period: PERIOD, timestamp: now.getTime() }) + delta;
}

export interface TotpEnrolment {
  enrolmentId: string;
  /** Base32, shown once for manual entry; never stored in clear. */
  secret: string;
  otpauthUri: string;
  /** The otpauth URI as a PNG data URL, for the app to scan. */
  qrCodeDataUrl: string;
  expiresDateTime: string;
}

async function assertRoomForApp(db: MfaDb, userId: string): Promise<void> {
  const { n } = await db.selectFrom('mfa_methods').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('kind', '=', 'softwareOath').executeTakeFirstOrThrow();
  if (Number(n) >= MAX_AUTHENTICATOR_APPS) throw authError('MFA_METHOD_LIMIT', `At most ${MAX_AUTHENTICATOR_APPS} authenticator apps can be registered; remove one first.`);
}

/**
 * Start adding an authenticator app: a fresh 160-bit secret, its otpauth URI (issuer = tenant name, label = UPN)
 * and QR code. Nothing is registered until finishTotpEnrolment proves the app shows the right codes; an enrolment
 * expires after 10 minutes and a new one replaces it.
 */
export async function beginTotpEnrolment(deps: MfaDeps, userId: string): Promise<TotpEnrolment> {
  const user = await mfaUser(deps.db, userId);
  await assertRoomForApp(deps.db as MfaDb, user.id);
  const issuer = (await getTenant(deps.db))?.displayName || 'Gatehouse';
  const secret = new Secret({ size: 20 });
  const totp = new TOTP({ issuer, label: user.user_principal_name, algorithm: ALGORITHM, digits: DIGITS, period: PERIOD, secret });
  const otpauthUri = totp.toString();
  const qrCodeDataUrl = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 1, width: 240 });
  const now = deps.clock.now();
  const { id, expiresAt } = await inTransaction(deps.db, (trx) => putChallenge(trx, user.id, 'totpEnrolment', seal(deps.masterKey, secret.base32, secretContext(user.id)), now, ENROLMENT_TTL_MS));
  return { enrolmentId: id, secret: secret.base32, otpauthUri, qrCodeDataUrl, expiresDateTime: expiresAt.toISOString() };
}

export interface RegisteredMethod {
  id: string;
  displayName: string;
  createdDateTime: string;
}

/**
 * Finish adding an authenticator app: the code must come from the enrolment's secret (else MFA_CODE_INVALID, the
 * enrolment stays open). The step of that code counts as used, so it cannot also sign in. Audited.
 */
export async function finishTotpEnrolment(deps: MfaDeps, userId: string, enrolmentId: string, code: string, displayName?: string, actor?: Actor): Promise<RegisteredMethod> {
  const user = await mfaUser(deps.db, userId);
  const name = methodDisplayName(displayName, 'Authenticator app');
  const now = deps.clock.now();
  return inTransaction(deps.db, async (trx) => {
    const enrolment = /^[0-9a-f-]{36}$/i.test(enrolmentId) ? await findChallenge(trx, user.id, 'totpEnrolment', now, enrolmentId) : undefined;
    if (!enrolment) throw authError('MFA_ENROLMENT_NOT_FOUND', 'This authenticator app enrolment expired or was already finished; start again.');
    const sealed = enrolment.value;
    const step = totpStep(unseal(deps.masterKey, sealed, secretContext(user.id)).toString('utf8'), String(code ?? ''), now);
    if (step === undefined) throw authError('MFA_CODE_INVALID', 'The code is not right. Enter the 6-digit code your authenticator app shows now (check the time on the device).');
    await assertRoomForApp(trx as MfaDb, user.id);
    const id = newId();
    await (trx as MfaDb)
      .insertInto('mfa_methods')
      .values({ id, user_id: user.id, kind: 'softwareOath', display_name: name, created_at: now, last_used_at: null, sealed_secret: sealed, last_time_step: step, credential_id: null, public_key: null, sign_count: null, aaguid: null, backed_up: null })
      .execute();
    await deleteChallenge(trx, user.id, 'totpEnrolment');
    await appendAudit(trx, deps.clock, { event: 'mfa.methodRegistered', actor: actor ?? selfActor(user), targets: [userTarget(user)], details: { method: 'softwareOath', methodId: id, displayName: name } });
    return { id, displayName: name, createdDateTime: now.toISOString() };
  });
}

/**
 * Check a code from any of the user's authenticator apps, for sign-in. False for a wrong code, a code of a step
 * already used (replay), or when the user has no app; each false is audited and counts toward the MFA lockout
 * (throws SIGN_IN_LOCKED while locked). The code is never logged.
 */
export async function verifyTotp(deps: MfaDeps, userId: string, code: string): Promise<boolean> {
  const user = await mfaUser(deps.db, userId);
  const now = deps.clock.now();
  return throttledCheck(deps, user, 'softwareOath', async (trx) => {
    const apps = await (trx as MfaDb).selectFrom('mfa_methods').select(['id', 'sealed_secret', 'last_time_step']).where('user_id', '=', user.id).where('kind', '=', 'softwareOath').forUpdate().execute();
    if (apps.length === 0) return { ok: false, reason: 'The user has no authenticator app registered.' };
    let replayed = false;
    for (const app of apps) {
      const step = totpStep(unseal(deps.masterKey, app.sealed_secret as string, secretContext(user.id)).toString('utf8'), typeof code === 'string' ? code : '', now);
      if (step === undefined) continue;
      if (app.last_time_step !== null && step <= app.last_time_step) {
        replayed = true;
        continue;
      }
      await (trx as MfaDb).updateTable('mfa_methods').set({ last_time_step: step, last_used_at: now }).where('id', '=', app.id).execute();
      return { ok: true };
    }
    return { ok: false, reason: replayed ? 'The authenticator code was already used (replay refused).' : 'The authenticator code is wrong.' };
  });
}
