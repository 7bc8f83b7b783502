import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Secret, TOTP, URI } from 'otpauth';
import { manualClock } from '#src/core/clock.ts';
import {
  beginTotpEnrolment,
  deleteAuthenticationMethod,
  finishTotpEnrolment,
  generateRecoveryCodes,
  listAuthenticationMethods,
  mfaMethodSummary,
  verifyRecoveryCode,
  verifyTotp,
  type MfaDeps,
} from '#src/auth/index.ts';
import { describeEachBackend, defaultBackend } from '../helpers/database.ts';
import { admin, authConfig, createTenant, createTestUser } from './fixtures.ts';

const MINUTE = 60_000;
const codeAt = (secret: string, at: Date): string => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at.getTime() });
const expectLocked = (error: Error & { code?: string; status?: number }) => error.code === 'SIGN_IN_LOCKED' && error.status === 429;

describeEachBackend(
  'authenticator apps (TOTP) and recovery codes',
  (ctx) => {
    // The middle of a 30-second step, so ±1 step is exactly ±30 s from here.
    const clock = manualClock(new Date('2026-03-02T09:00:15Z'));
    const masterKey = randomBytes(32);
    let deps: MfaDeps;
    let n = 0;
    const newUser = async () => createTestUser(ctx.db, `mfa${++n}`, undefined, clock);
    const auditCount = async (code: string, userId: string): Promise<number> => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_entries WHERE code = ${code} AND ${userId}::uuid = ANY(target_ids)`.execute(ctx.db);
      return rows[0]?.n ?? 0;
    };
    /** A user with one authenticator app; returns its secret. */
    const enrolled = async () => {
      const user = await newUser();
      const enrolment = await beginTotpEnrolment(deps, user.id);
      await finishTotpEnrolment(deps, user.id, enrolment.enrolmentId, codeAt(enrolment.secret, clock.now()));
      // The enrolment code's step is used: move to the next one.
      clock.advance(30_000);
      return { user, secret: enrolment.secret };
    };

    before(async () => {
      await createTenant(ctx.db, clock);
      deps = { db: ctx.db, clock, config: authConfig('https://gatehouse.contoso.test'), masterKey };
    });

    describe('enrolment', () => {
      it('hands out an otpauth URI and QR code for the tenant and UPN, and registers the app only after a right code', async () => {
        const user = await newUser();
        const enrolment = await beginTotpEnrolment(deps, user.id);
        assert.match(enrolment.secret, /^[A-Z2-7]{32}$/, '160-bit base32 secret');
        assert.match(enrolment.qrCodeDataUrl, /^data:image\/png;base64,/);
        const parsed = URI.parse(enrolment.otpauthUri) as TOTP;
        assert.equal(parsed.issuer, 'Contoso');
        assert.equal(parsed.label, user.userPrincipalName);
        assert.equal(parsed.secret.base32, enrolment.secret);
        assert.equal((await mfaMethodSummary(ctx.db, user.id)).totp, false, 'nothing registered before the code is checked');

        await assert.rejects(finishTotpEnrolment(deps, user.id, enrolment.enrolmentId, '000000'), { code: 'MFA_CODE_INVALID', status: 400 });
        await assert.rejects(finishTotpEnrolment(deps, user.id, enrolment.enrolmentId, 'abcdef'), { code: 'MFA_CODE_INVALID' });
        const method = await finishTotpEnrolment(deps, user.id, enrolment.enrolmentId, codeAt(enrolment.secret, clock.now()), 'Phone');
        assert.equal(method.displayName, 'Phone');
        assert.deepEqual(await mfaMethodSummary(ctx.db, user.id), { totp: true, webauthn: false, recoveryCodesLeft: 0, perUserMfaState: 'disabled' });
        assert.equal(await auditCount('GH2101I', user.id), 1);
        await assert.rejects(finishTotpEnrolment(deps, user.id, enrolment.enrolmentId, codeAt(enrolment.secret, clock.now())), { code: 'MFA_ENROLMENT_NOT_FOUND' }, 'an enrolment finishes once');
      });

      it('keeps the secret sealed at rest and out of the audit log', async () => {
        const user = await newUser();
        const enrolment = await beginTotpEnrolment(deps, user.id);
        const { rows: pending } = await sql<{ value: string }>`SELECT value FROM mfa_challenges WHERE user_id = ${user.id}`.execute(ctx.db);
        assert.ok(pending[0] && !pending[0].value.includes(enrolment.secret));
        await finishTotpEnrolment(deps, user.id, enrolment.enrolmentId, codeAt(enrolment.secret, clock.now()));
        const { rows } = await sql<{ text: string }>`SELECT row_to_json(m)::text AS text FROM mfa_methods m WHERE user_id = ${user.id}`.execute(ctx.db);
        assert.equal(rows.length, 1);
        assert.ok(!rows[0]?.text.includes(enrolment.secret), 'secret not stored in clear');
        assert.match(rows[0]?.text ?? '', /"sealed_secret":"v1\./);
        const { rows: audit } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events WHERE data LIKE ${`%${enrolment.secret}%`}`.execute(ctx.db);
        assert.equal(audit[0]?.n, 0);
      });

      it('expires an enrolment after 10 minutes, and a new one replaces the old', async () => {
        const user = await newUser();
        const first = await beginTotpEnrolment(deps, user.id);
        const second = await beginTotpEnrolment(deps, user.id);
        await assert.rejects(finishTotpEnrolment(deps, user.id, first.enrolmentId, codeAt(first.secret, clock.now())), { code: 'MFA_ENROLMENT_NOT_FOUND' });
        clock.advance(10 * MINUTE + 1000);
        await assert.rejects(finishTotpEnrolment(deps, user.id, second.enrolmentId, codeAt(second.secret, clock.now())), { code: 'MFA_ENROLMENT_NOT_FOUND' });
      });

      it("does not finish another user's enrolment", async () => {
        const owner = await newUser();
        const other = await newUser();
        const enrolment = await beginTotpEnrolment(deps, owner.id);
        await assert.rejects(finishTotpEnrolment(deps, other.id, enrolment.enrolmentId, codeAt(enrolment.secret, clock.now())), { code: 'MFA_ENROLMENT_NOT_FOUND' });
      });
    });

    describe('verification', () => {
      it('accepts the current code and codes one step either side, not two', async () => {
        const { user, secret } = await enrolled();
        const now = clock.now();
        assert.equal(await verifyTotp(deps, user.id, codeAt(secret, new Date(now.getTime() - 30_000))), false, 'the previous step was used by the enrolment');
        assert.equal(await verifyTotp(deps, user.id, codeAt(secret, now)), true, 'current step');
        clock.advance(30_000);
        assert.equal(await verifyTotp(deps, user.id, codeAt(secret, new Date(clock.now().getTime() + 30_000))), true, 'a device 30 s ahead');
        clock.advance(90_000);
        assert.equal(await verifyTotp(deps, user.id, codeAt(secret, new Date(clock.now().getTime() - 60_000))), false, 'two steps behind');
        assert.equal(await verifyTotp(deps, user.id, codeAt(secret, new Date(clock.now().getTime() + 60_000))), false, 'two steps ahead');
        assert.equal(await verifyTotp(deps, user.id, codeAt(secret, new Date(clock.now().getTime() - 30_000))), true, 'a device 30 s behind');
      });

      it('refuses a code whose time step was already used (replay), and audits the refusal', async () => {
        const { user, secret } = await enrolled();
        const code = codeAt(secret, clock.now());
        assert.equal(await verifyTotp(deps, user.id, code), true);
        assert.equal(await verifyTotp(deps, user.id, code), false, 'the same code again');
        clock.advance(20_000);
        assert.equal(await verifyTotp(deps, user.id, code), false, 'still refused later in the window');
        const { rows } = await sql<{ data: string }>`SELECT data FROM audit_entries WHERE code = 'GH2106W' AND ${user.id}::uuid = ANY(target_ids)`.execute(ctx.db);
        assert.equal(rows.length, 2);
        assert.match(rows[0]?.data ?? '', /already used/);
        assert.ok(!rows.some((r) => r.data.includes(code)), 'the code is never in the audit log');
      });

      it('refuses wrong codes, malformed input and users without an app', async () => {
        const { user, secret } = await enrolled();
        const right = codeAt(secret, clock.now());
        const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
        // Four at a time: the fifth failure in a row would lock the user.
        for (const bad of [wrong, '', '12345', '1234567']) assert.equal(await verifyTotp(deps, user.id, bad), false, bad);
        assert.equal(await verifyTotp(deps, user.id, ` ${right.slice(0, 3)} ${right.slice(3)} `), true, 'spaces are ignored');
        clock.advance(30_000);
        for (const bad of ['abcdef', `${codeAt(secret, clock.now())}0`]) assert.equal(await verifyTotp(deps, user.id, bad), false, bad);
        const bare = await newUser();
        assert.equal(await verifyTotp(deps, bare.id, right), false);
        await assert.rejects(verifyTotp(deps, 'not-a-user', right), { code: 'INVALID_VALUE' });
      });

      it('locks second factors after 5 failures for 15 minutes, audits the lockout once, and counts recovery codes too', async () => {
        const { user, secret } = await enrolled();
        for (let i = 0; i < 4; i++) assert.equal(await verifyTotp(deps, user.id, '000000'), false);
        assert.equal(await verifyRecoveryCode(deps, user.id, 'aaaa-bbbb-cccc'), false, 'the fifth failure is a recovery code');
        assert.equal(await auditCount('GH1504W', user.id), 1, 'lockout audited');
        await assert.rejects(verifyTotp(deps, user.id, codeAt(secret, clock.now())), expectLocked, 'even the right code while locked');
        await assert.rejects(verifyRecoveryCode(deps, user.id, 'aaaa-bbbb-cccc'), expectLocked);
        assert.equal(await auditCount('GH1504W', user.id), 1, 'refusals while locked are not counted again');
        assert.equal(await auditCount('GH2106W', user.id), 5);
        const { rows } = await sql<{ data: string }>`SELECT data FROM audit_entries WHERE code = 'GH1504W' AND ${user.id}::uuid = ANY(target_ids)`.execute(ctx.db);
        assert.match(rows[0]?.data ?? '', /"scope","value":"mfa"/);
        clock.advance(15 * MINUTE + 1000);
        assert.equal(await verifyTotp(deps, user.id, codeAt(secret, clock.now())), true, 'unlocked after 15 minutes');
      });

      it('gives the attempt back on success, so a user who mistypes now and then is never locked', async () => {
        const { user, secret } = await enrolled();
        for (let round = 0; round < 3; round++) {
          for (let i = 0; i < 4; i++) assert.equal(await verifyTotp(deps, user.id, '000000'), false);
          assert.equal(await verifyTotp(deps, user.id, codeAt(secret, clock.now())), true);
          clock.advance(30_000);
        }
        assert.equal(await auditCount('GH1504W', user.id), 0);
      });

      it('checks each of several apps, and a removed app stops working', async () => {
        const { user, secret } = await enrolled();
        const second = await beginTotpEnrolment(deps, user.id);
        const method = await finishTotpEnrolment(deps, user.id, second.enrolmentId, codeAt(second.secret, clock.now()), 'Tablet');
        clock.advance(30_000);
        assert.equal(await verifyTotp(deps, user.id, codeAt(second.secret, clock.now())), true);
        assert.equal(await verifyTotp(deps, user.id, codeAt(secret, clock.now())), true, 'the other app has its own used step');
        await deleteAuthenticationMethod(deps, admin, user.id, method.id);
        clock.advance(30_000);
        assert.equal(await verifyTotp(deps, user.id, codeAt(second.secret, clock.now())), false);
        assert.equal(await auditCount('GH2102I', user.id), 1);
      });
    });

    describe('recovery codes', () => {
      it('issues 10 distinct codes shown once, stores only keyed hashes, and each works once', async () => {
        const user = await newUser();
        const codes = await generateRecoveryCodes(deps, admin, user.id);
        assert.equal(codes.length, 10);
        assert.equal(new Set(codes).size, 10);
        for (const code of codes) assert.match(code, /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
        const { rows } = await sql<{ text: string }>`SELECT string_agg(row_to_json(c)::text, ' ') AS text FROM mfa_recovery_codes c WHERE user_id = ${user.id}`.execute(ctx.db);
        const { rows: audit } = await sql<{ text: string }>`SELECT string_agg(data, ' ') AS text FROM audit_entries WHERE ${user.id}::uuid = ANY(target_ids)`.execute(ctx.db);
        for (const code of codes) {
          for (const form of [code, code.replace(/-/g, '')]) {
            assert.ok(!rows[0]?.text.includes(form), 'not stored in clear');
            assert.ok(!audit[0]?.text.includes(form), 'not in the audit log');
          }
        }
        const [first, second] = codes as [string, string];
        assert.equal(await verifyRecoveryCode(deps, user.id, first), true);
        assert.equal(await verifyRecoveryCode(deps, user.id, first), false, 'a code works once');
        assert.equal(await verifyRecoveryCode(deps, user.id, ` ${second.toUpperCase().replace(/-/g, ' ')} `), true, 'typed in capitals with spaces');
        assert.equal((await mfaMethodSummary(ctx.db, user.id)).recoveryCodesLeft, 8);
        assert.equal(await auditCount('GH2104I', user.id), 2);
        const listed = (await listAuthenticationMethods(ctx.db, user.id)).find((m) => m['@odata.type'] === '#microsoft.graph.gatehouseRecoveryCodesAuthenticationMethod');
        assert.equal(listed && 'codesLeft' in listed ? listed.codesLeft : undefined, 8);
      });

      it("replaces the old set with a new one, and another user's code does not work", async () => {
        const user = await newUser();
        const other = await newUser();
        const old = await generateRecoveryCodes(deps, admin, user.id);
        const otherCodes = await generateRecoveryCodes(deps, admin, other.id);
        const fresh = await generateRecoveryCodes(deps, admin, user.id);
        assert.equal(await verifyRecoveryCode(deps, user.id, old[0] as string), false, 'the old set stopped working');
        assert.equal(await verifyRecoveryCode(deps, user.id, otherCodes[0] as string), false, "another user's code");
        assert.equal(await verifyRecoveryCode(deps, user.id, fresh[0] as string), true);
        assert.equal((await mfaMethodSummary(ctx.db, user.id)).recoveryCodesLeft, 9);
        assert.equal(await auditCount('GH2103I', user.id), 2);
      });

      it('removes the whole set by its method id', async () => {
        const user = await newUser();
        const codes = await generateRecoveryCodes(deps, admin, user.id);
        const set = (await listAuthenticationMethods(ctx.db, user.id)).find((m) => m['@odata.type'] === '#microsoft.graph.gatehouseRecoveryCodesAuthenticationMethod');
        assert.ok(set);
        await deleteAuthenticationMethod(deps, admin, user.id, set.id);
        assert.equal((await mfaMethodSummary(ctx.db, user.id)).recoveryCodesLeft, 0);
        assert.equal(await verifyRecoveryCode(deps, user.id, codes[1] as string), false);
      });
    });
  },
  [defaultBackend()],
);
