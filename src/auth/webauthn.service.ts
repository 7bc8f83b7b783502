import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { newId } from '#src/core/crypto.ts';
import { getTenant, type UserRow } from '#src/directory/index.ts';
import { inTransaction } from '#src/store/index.ts';
import type { AuthConfig } from './auth.deps.ts';
import { authError } from './auth.errors.ts';
import { putChallenge, takeChallenge } from './mfa-challenges.ts';
import { methodDisplayName, mfaUser, selfActor, userTarget, type MfaDeps } from './mfa-deps.ts';
import type { MfaDb } from './mfa-methods.tables.ts';
import type { RegisteredMethod } from './mfa-totp.service.ts';
import { throttledCheck } from './mfa-throttle.ts';

/**
 * Passkeys and security keys (WebAuthn, @simplewebauthn/server). The relying party is Gatehouse's public URL: its
 * host name is the RP ID and its origin the only accepted origin. Credentials must be discoverable and verify the
 * user (PIN or biometrics), which makes them phishing-resistant MFA on their own. Each ceremony's challenge is kept
 * server-side (one per user and purpose, 5 minutes) and consumed by the first response, right or wrong.
 */
const CEREMONY_TTL_MS = 5 * 60_000;
const TIMEOUT_MS = 120_000;
/** EdDSA, ES256, RS256. */
const ALGORITHMS = [-8, -7, -257];
export const MAX_PASSKEYS = 10;

/** The RP ID (host name) and origin every ceremony is bound to. */
export function relyingParty(config: Pick<AuthConfig, 'publicUrl'>): { rpID: string; origin: string } {
  const url = new URL(config.publicUrl);
  return { rpID: url.hostname, origin: url.origin };
}

/** The WebAuthn user handle: the 16 bytes of the user id (no personal data). */
const userHandle = (user: UserRow): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(user.id.replace(/-/g, ''), 'hex'));

const passkeysOf = (db: MfaDb, userId: string) =>
  db.selectFrom('mfa_methods').select(['id', 'credential_id', 'transports']).where('user_id', '=', userId).where('kind', '=', 'fido2').orderBy('created_at').execute();

/** Options for navigator.credentials.create(): a discoverable credential with user verification, none of the user's own again. */
export async function webauthnRegistrationOptions(deps: MfaDeps, userId: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await mfaUser(deps.db, userId);
  const existing = await passkeysOf(deps.db as MfaDb, user.id);
  if (existing.length >= MAX_PASSKEYS) throw authError('MFA_METHOD_LIMIT', `At most ${MAX_PASSKEYS} passkeys can be registered; remove one first.`);
  const { rpID } = relyingParty(deps.config);
  const options = await generateRegistrationOptions({
    rpName: (await getTenant(deps.db))?.displayName || 'Gatehouse',
    rpID,
    userName: user.user_principal_name,
    userID: userHandle(user),
    userDisplayName: user.display_name,
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.credential_id as string, transports: c.transports })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  await inTransaction(deps.db, (trx) => putChallenge(trx, user.id, 'webauthnRegistration', options.challenge, deps.clock.now(), CEREMONY_TTL_MS));
  return options;
}

const isResponse = (value: unknown): value is { id: string; response: Record<string, unknown> } =>
  typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' && typeof (value as { response?: unknown }).response === 'object' && (value as { response?: unknown }).response !== null;

/** The library's reasons are precise ("Unexpected registration response origin …"); keep them short for the log. */
const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/**
 * Register the passkey the browser created for the outstanding registration options. Refused (WEBAUTHN_REFUSED,
 * audited as a failure) for a wrong origin or RP ID, no user verification, an expired or missing ceremony, or a
 * credential already registered (to anyone). Returns the new method; audited.
 */
export async function verifyWebAuthnRegistration(deps: MfaDeps, userId: string, response: unknown, displayName?: string, actor?: Actor): Promise<RegisteredMethod & { aaGuid: string }> {
  const user = await mfaUser(deps.db, userId);
  const name = methodDisplayName(displayName, 'Passkey');
  const who = actor ?? selfActor(user);
  const refuse = async (reason: string): Promise<never> => {
    await inTransaction(deps.db, (trx) =>
      appendAudit(trx, deps.clock, { event: 'mfa.registrationFailed', actor: who, targets: [userTarget(user)], result: 'failure', resultReason: reason, details: { method: 'fido2' } }),
    );
    throw authError('WEBAUTHN_REFUSED', `The passkey was not registered: ${reason}`);
  };
  const now = deps.clock.now();
  const challenge = await inTransaction(deps.db, (trx) => takeChallenge(trx, user.id, 'webauthnRegistration', now));
  if (!challenge) return refuse('no passkey registration is in progress, or it expired; start again.');
  if (!isResponse(response)) return refuse('the response is not a WebAuthn registration response.');
  const { rpID, origin } = relyingParty(deps.config);
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch (error) {
    return refuse(reasonOf(error));
  }
  if (!verified.verified) return refuse('the attestation could not be verified.');
  const { credential, aaguid, credentialBackedUp } = verified.registrationInfo;
  const id = newId();
  const stored = await inTransaction(deps.db, async (trx) => {
    const db = trx as MfaDb;
    const inserted = await db
      .insertInto('mfa_methods')
      .values({
        id,
        user_id: user.id,
        kind: 'fido2',
        display_name: name,
        created_at: now,
        last_used_at: null,
        sealed_secret: null,
        last_time_step: null,
        credential_id: credential.id,
        public_key: Buffer.from(credential.publicKey),
        sign_count: credential.counter,
        transports: (credential.transports ?? []).map(String),
        aaguid,
        backed_up: credentialBackedUp,
      })
      .onConflict((oc) => oc.column('credential_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return false;
    await appendAudit(trx, deps.clock, { event: 'mfa.methodRegistered', actor: who, targets: [userTarget(user)], details: { method: 'fido2', methodId: id, displayName: name, aaGuid: aaguid } });
    return true;
  });
  if (!stored) return refuse('this passkey is already registered.');
  return { id, displayName: name, createdDateTime: now.toISOString(), aaGuid: aaguid };
}

/** Options for navigator.credentials.get() with the user's passkeys; NO_PASSKEY when there are none. */
export async function webauthnAuthenticationOptions(deps: MfaDeps, userId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const user = await mfaUser(deps.db, userId);
  const passkeys = await passkeysOf(deps.db as MfaDb, user.id);
  if (passkeys.length === 0) throw authError('NO_PASSKEY', 'This account has no passkey registered.');
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(deps.config).rpID,
    allowCredentials: passkeys.map((c) => ({ id: c.credential_id as string, transports: c.transports })),
    userVerification: 'required',
    timeout: TIMEOUT_MS,
  });
  await inTransaction(deps.db, (trx) => putChallenge(trx, user.id, 'webauthnAuthentication', options.challenge, deps.clock.now(), CEREMONY_TTL_MS));
  return options;
}

/**
 * Check a passkey assertion for sign-in against the outstanding authentication options (consumed either way).
 * False — audited, and counted toward the MFA lockout — for an expired ceremony, an unknown credential or one of
 * another user, a wrong origin or RP ID, no user verification, a bad signature, or a signature counter that did
 * not increase (when the authenticator keeps one): a cloned authenticator. Throws SIGN_IN_LOCKED while locked.
 */
export async function verifyWebAuthnAuthentication(deps: MfaDeps, userId: string, response: unknown): Promise<boolean> {
  const user = await mfaUser(deps.db, userId);
  const now = deps.clock.now();
  const { rpID, origin } = relyingParty(deps.config);
  return throttledCheck(deps, user, 'fido2', async (trx) => {
    const db = trx as MfaDb;
    const challenge = await takeChallenge(trx, user.id, 'webauthnAuthentication', now);
    if (!challenge) return { ok: false, reason: 'No passkey sign-in is in progress, or it expired.' };
    if (!isResponse(response)) return { ok: false, reason: 'The response is not a WebAuthn assertion.' };
    const row = await db.selectFrom('mfa_methods').selectAll().where('credential_id', '=', response.id).where('kind', '=', 'fido2').forUpdate().executeTakeFirst();
    if (!row) return { ok: false, reason: 'Unknown passkey (credential id not registered).' };
    if (row.user_id !== user.id) return { ok: false, reason: 'The passkey belongs to another user.' };
    let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      result = await verifyAuthenticationResponse({
        response: response as unknown as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential: { id: row.credential_id as string, publicKey: new Uint8Array(row.public_key as Buffer), counter: Number(row.sign_count), transports: row.transports },
        requireUserVerification: true,
      });
    } catch (error) {
      return { ok: false, reason: reasonOf(error) };
    }
    if (!result.verified) return { ok: false, reason: 'The passkey signature is not valid.' };
    await db.updateTable('mfa_methods').set({ sign_count: result.authenticationInfo.newCounter, last_used_at: now, backed_up: result.authenticationInfo.credentialBackedUp }).where('id', '=', row.id).execute();
    return { ok: true };
  });
}
