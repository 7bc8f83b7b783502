import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { manualClock } from '#src/core/clock.ts';
import {
  listAuthenticationMethods,
  mfaMethodSummary,
  verifyWebAuthnAuthentication,
  verifyWebAuthnRegistration,
  webauthnAuthenticationOptions,
  webauthnRegistrationOptions,
  type MfaDeps,
} from '#src/auth/index.ts';
import { describeEachBackend, defaultBackend } from '../helpers/database.ts';
import { authConfig, createTenant, createTestUser } from './fixtures.ts';
import { assertCredential, createCredential, type SoftCredential } from './mfa-soft-authenticator.ts';

const ORIGIN = 'https://gatehouse.contoso.test';
const RP_ID = 'gatehouse.contoso.test';
const RIGHT = { origin: ORIGIN, rpId: RP_ID };

/** Passkeys against a software authenticator: both ceremonies, and every refusal the issue asks for. */
describeEachBackend(
  'passkeys (WebAuthn)',
  (ctx) => {
    const clock = manualClock(new Date('2026-03-02T09:00:00Z'));
    let deps: MfaDeps;
    let n = 0;
    const newUser = async () => createTestUser(ctx.db, `pk${++n}`, undefined, clock);
    const failures = async (userId: string): Promise<string[]> => {
      const { rows } = await sql<{ data: string }>`SELECT data FROM audit_entries WHERE code IN ('GH2106W', 'GH2107W') AND ${userId}::uuid = ANY(target_ids) ORDER BY activity_at, seq`.execute(ctx.db);
      return rows.map((r) => (JSON.parse(r.data) as { resultReason: string }).resultReason);
    };
    /** A user with one registered passkey. */
    const registered = async (): Promise<{ userId: string; credential: SoftCredential }> => {
      const user = await newUser();
      const options = await webauthnRegistrationOptions(deps, user.id);
      const { credential, response } = createCredential(options, RIGHT);
      await verifyWebAuthnRegistration(deps, user.id, response, 'Laptop');
      return { userId: user.id, credential };
    };
    const signIn = async (userId: string, credential: SoftCredential, ceremony: Partial<typeof RIGHT> & { counter?: number; userVerified?: boolean } = {}) => {
      const options = await webauthnAuthenticationOptions(deps, userId);
      return verifyWebAuthnAuthentication(deps, userId, assertCredential(credential, options, { ...RIGHT, ...ceremony }));
    };

    before(async () => {
      await createTenant(ctx.db, clock);
      deps = { db: ctx.db, clock, config: authConfig(`${ORIGIN}/`), masterKey: randomBytes(32) };
    });

    describe('registration', () => {
      it('offers a discoverable credential with user verification for this RP, and registers the response', async () => {
        const user = await newUser();
        const options = await webauthnRegistrationOptions(deps, user.id);
        assert.equal(options.rp.id, RP_ID);
        assert.equal(options.rp.name, 'Contoso');
        assert.equal(options.user.name, user.userPrincipalName);
        assert.equal(Buffer.from(options.user.id, 'base64url').toString('hex'), user.id.replace(/-/g, ''), 'the user handle is the user id, nothing personal');
        assert.equal(options.authenticatorSelection?.residentKey, 'required');
        assert.equal(options.authenticatorSelection?.userVerification, 'required');
        assert.equal(options.attestation, 'none');
        const { response } = createCredential(options, RIGHT);
        const method = await verifyWebAuthnRegistration(deps, user.id, response, 'YubiKey 5');
        assert.equal(method.displayName, 'YubiKey 5');
        assert.equal((await mfaMethodSummary(ctx.db, user.id)).webauthn, true);
        const listed = (await listAuthenticationMethods(ctx.db, user.id)).find((m) => m.id === method.id);
        assert.equal(listed?.['@odata.type'], '#microsoft.graph.fido2AuthenticationMethod');
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_entries WHERE code = 'GH2101I' AND ${user.id}::uuid = ANY(target_ids)`.execute(ctx.db);
        assert.equal(rows[0]?.n, 1);
        const again = await webauthnRegistrationOptions(deps, user.id);
        assert.deepEqual(again.excludeCredentials?.map((c) => c.id), [response.id], 'the same authenticator is not registered twice');
      });

      const refusals: [string, (options: { challenge: string; user: { id: string } }) => Record<string, unknown>, RegExp][] = [
        ['a wrong origin', (o) => createCredential(o, { origin: 'https://gatehouse.contoso.test.evil.example', rpId: RP_ID }).response, /origin/i],
        ['a wrong RP ID', (o) => createCredential(o, { origin: ORIGIN, rpId: 'evil.example' }).response, /RP ID/i],
        ['no user verification', (o) => createCredential(o, { ...RIGHT, userVerified: false }).response, /verif/i],
        ['a response to another challenge', (o) => createCredential({ ...o, challenge: randomBytes(32).toString('base64url') }, RIGHT).response, /challenge/i],
        ['a malformed response', () => ({ hello: 'world' }), /not a WebAuthn registration response/],
      ];
      for (const [name, respond, reason] of refusals) {
        it(`refuses ${name}, audited as a failure, and the ceremony is spent`, async () => {
          const user = await newUser();
          const options = await webauthnRegistrationOptions(deps, user.id);
          await assert.rejects(verifyWebAuthnRegistration(deps, user.id, respond(options)), (error: Error & { code: string; status: number }) => {
            assert.equal(error.code, 'WEBAUTHN_REFUSED');
            assert.equal(error.status, 400);
            assert.match(error.message, reason);
            return true;
          });
          assert.equal((await mfaMethodSummary(ctx.db, user.id)).webauthn, false);
          assert.match((await failures(user.id))[0] ?? '', reason);
          await assert.rejects(verifyWebAuthnRegistration(deps, user.id, createCredential(options, RIGHT).response), /no passkey registration is in progress/);
        });
      }

      it('refuses an expired ceremony and a credential already registered to another user', async () => {
        const first = await registered();
        const user = await newUser();
        const options = await webauthnRegistrationOptions(deps, user.id);
        clock.advance(5 * 60_000 + 1000);
        await assert.rejects(verifyWebAuthnRegistration(deps, user.id, createCredential(options, RIGHT).response), { code: 'WEBAUTHN_REFUSED' });

        // The same authenticator credential registered again, here by another account (the unique credential id).
        const again = await webauthnRegistrationOptions(deps, user.id);
        await assert.rejects(verifyWebAuthnRegistration(deps, user.id, createCredential(again, RIGHT, first.credential).response), { code: 'WEBAUTHN_REFUSED', message: /already registered/ });
        assert.equal((await mfaMethodSummary(ctx.db, user.id)).webauthn, false);
      });
    });

    describe('authentication', () => {
      it('accepts an assertion of the registered passkey and stores the new counter', async () => {
        const { userId, credential } = await registered();
        const options = await webauthnAuthenticationOptions(deps, userId);
        assert.equal(options.rpId, RP_ID);
        assert.equal(options.userVerification, 'required');
        assert.deepEqual(options.allowCredentials?.map((c) => c.id), [credential.id.toString('base64url')]);
        assert.equal(await verifyWebAuthnAuthentication(deps, userId, assertCredential(credential, options, RIGHT)), true);
        const { rows } = await sql<{ sign_count: number; last_used_at: Date }>`SELECT sign_count, last_used_at FROM mfa_methods WHERE user_id = ${userId}`.execute(ctx.db);
        assert.equal(Number(rows[0]?.sign_count), 1);
        assert.ok(rows[0]?.last_used_at);
        assert.equal(await signIn(userId, credential), true, 'again with the counter at 2');
      });

      it('refuses a replayed assertion: its challenge is spent', async () => {
        const { userId, credential } = await registered();
        const options = await webauthnAuthenticationOptions(deps, userId);
        const assertion = assertCredential(credential, options, RIGHT);
        assert.equal(await verifyWebAuthnAuthentication(deps, userId, assertion), true);
        assert.equal(await verifyWebAuthnAuthentication(deps, userId, assertion), false);
        await webauthnAuthenticationOptions(deps, userId);
        assert.equal(await verifyWebAuthnAuthentication(deps, userId, assertion), false, 'nor with a new ceremony outstanding');
        assert.match((await failures(userId)).join('\n'), /No passkey sign-in is in progress[\s\S]*challenge/);
      });

      const refusals: [string, Partial<typeof RIGHT> & { counter?: number; userVerified?: boolean }, RegExp][] = [
        ['a wrong origin', { origin: 'https://phish.example' }, /origin/i],
        ['a wrong RP ID', { rpId: 'phish.example' }, /RP ID/i],
        ['no user verification', { userVerified: false }, /verif/i],
      ];
      for (const [name, ceremony, reason] of refusals) {
        it(`refuses an assertion with ${name}, audited`, async () => {
          const { userId, credential } = await registered();
          assert.equal(await signIn(userId, credential, ceremony), false);
          assert.match((await failures(userId)).at(-1) ?? '', reason);
          assert.equal(await signIn(userId, credential), true, 'the right assertion still works');
        });
      }

      it('refuses a counter that does not increase (a cloned authenticator)', async () => {
        const { userId, credential } = await registered();
        assert.equal(await signIn(userId, credential, { counter: 7 }), true);
        assert.equal(await signIn(userId, credential, { counter: 7 }), false, 'the same counter again');
        assert.equal(await signIn(userId, credential, { counter: 3 }), false, 'an older counter');
        assert.match((await failures(userId)).at(-1) ?? '', /counter/i);
        assert.equal(await signIn(userId, credential, { counter: 8 }), true);
      });

      it('accepts authenticators that keep no counter (always 0), as synced passkeys do', async () => {
        const { userId, credential } = await registered();
        assert.equal(await signIn(userId, credential, { counter: 0 }), true);
        assert.equal(await signIn(userId, credential, { counter: 0 }), true);
      });

      it("refuses an unknown credential and another user's credential", async () => {
        const alice = await registered();
        const bob = await registered();
        const stranger = createCredential({ challenge: 'x', user: { id: 'x' } }, RIGHT).credential;
        assert.equal(await signIn(alice.userId, stranger), false);
        assert.equal(await signIn(alice.userId, bob.credential), false);
        const reasons = await failures(alice.userId);
        assert.match(reasons[0] ?? '', /Unknown passkey/);
        assert.match(reasons[1] ?? '', /another user/);
        assert.equal(await signIn(bob.userId, bob.credential), true, "bob's counter was not touched");
      });

      it('refuses without a ceremony, and locks after 5 failures like the other factors', async () => {
        const { userId, credential } = await registered();
        assert.equal(await verifyWebAuthnAuthentication(deps, userId, assertCredential(credential, { challenge: 'none' }, RIGHT)), false);
        for (let i = 0; i < 4; i++) assert.equal(await signIn(userId, credential, { origin: 'https://phish.example' }), false);
        await assert.rejects(signIn(userId, credential), { code: 'SIGN_IN_LOCKED' });
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_entries WHERE code = 'GH1504W' AND ${userId}::uuid = ANY(target_ids)`.execute(ctx.db);
        assert.equal(rows[0]?.n, 1);
      });

      it('has nothing to offer a user without passkeys', async () => {
        const user = await newUser();
        await assert.rejects(webauthnAuthenticationOptions(deps, user.id), { code: 'NO_PASSKEY', status: 400 });
        assert.equal(await verifyWebAuthnAuthentication(deps, user.id, {}), false);
      });
    });
  },
  [defaultBackend()],
);
