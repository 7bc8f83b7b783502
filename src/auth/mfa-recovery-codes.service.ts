import { createHmac, hkdfSync, randomInt } from 'node:crypto';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { newId } from '#src/core/crypto.ts';
import { inTransaction } from '#src/store/index.ts';
import { mfaUser, userTarget, type MfaDeps } from './mfa-deps.ts';
import type { MfaDb } from './mfa-methods.tables.ts';
import { throttledCheck } from './mfa-throttle.ts';

/**
 * Recovery codes: 10 one-time codes of 12 characters (Crockford base32, 60 bits each), shown once. Only an HMAC of
 * each is stored, keyed by a key derived from the master key, so a copy of the database alone does not allow
 * guessing them offline. A new set replaces the old one.
 */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const LENGTH = 12;

function newCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/** How people type a code back: any case, with or without dashes and spaces, I/L for 1 and O for 0. */
function normalize(code: string): string | undefined {
  const plain = code.toLowerCase().replace(/[\s-]+/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  return plain.length === LENGTH && [...plain].every((c) => ALPHABET.includes(c)) ? plain : undefined;
}

function codeHash(masterKey: Buffer, userId: string, code: string): string {
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'gatehouse mfa recovery codes', 32));
  return createHmac('sha256', key).update(`${userId}:${code}`).digest('base64url');
}

/** A new set of recovery codes for the user (the old set stops working); audited without the codes. */
export async function generateRecoveryCodes(deps: MfaDeps, actor: Actor, userId: string): Promise<string[]> {
  const user = await mfaUser(deps.db, userId);
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  const now = deps.clock.now();
  const setId = newId();
  await inTransaction(deps.db, async (trx) => {
    const db = trx as MfaDb;
    const replaced = await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', user.id).executeTakeFirst();
    await db
      .insertInto('mfa_recovery_codes')
      .values(codes.map((code) => ({ user_id: user.id, set_id: setId, code_hash: codeHash(deps.masterKey, user.id, normalize(code) as string), created_at: now, used_at: null })))
      .execute();
    await appendAudit(trx, deps.clock, {
      event: 'mfa.recoveryCodesGenerated',
      actor,
      targets: [userTarget(user)],
      details: { methodId: setId, count: RECOVERY_CODE_COUNT, replacedSet: Number(replaced.numDeletedRows) > 0 },
    });
  });
  return codes;
}

/**
 * Use a recovery code as the second factor: true spends it (audited with the codes left); false for an unknown or
 * spent code, audited and counted toward the MFA lockout (throws SIGN_IN_LOCKED while locked).
 */
export async function verifyRecoveryCode(deps: MfaDeps, userId: string, code: string): Promise<boolean> {
  const user = await mfaUser(deps.db, userId);
  const now = deps.clock.now();
  return throttledCheck(deps, user, 'recoveryCode', async (trx) => {
    const db = trx as MfaDb;
    const plain = typeof code === 'string' ? normalize(code) : undefined;
    const spent = plain
      ? await db.updateTable('mfa_recovery_codes').set({ used_at: now }).where('user_id', '=', user.id).where('code_hash', '=', codeHash(deps.masterKey, user.id, plain)).where('used_at', 'is', null).returning('set_id').executeTakeFirst()
      : undefined;
    if (!spent) return { ok: false, reason: 'The recovery code is unknown or was already used.' };
    const { n } = await db.selectFrom('mfa_recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', user.id).where('used_at', 'is', null).executeTakeFirstOrThrow();
    return {
      ok: true,
      events: [{ event: 'mfa.recoveryCodeUsed', actor: { kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name }, targets: [userTarget(user)], details: { methodId: spent.set_id, codesLeft: Number(n) } }],
    };
  });
}
