import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { manualClock } from '#src/core/clock.ts';
import { sha256Hex } from '#src/core/crypto.ts';
import {
  INVALID_SETUP_LINK_MESSAGE,
  consumeSetPasswordToken,
  issueSetPasswordLink,
  signInWithPassword,
  validateSession,
  type AuthDeps,
} from '#src/auth/index.ts';
import { describeEachBackend, defaultBackend } from '../helpers/database.ts';
import { admin, authConfig, createTenant, createTestUser, sessionOf, TEST_MASTER_KEY } from './fixtures.ts';

const NEW_PASSWORD = 'a brand new passphrase 42';
const HOUR = 3_600_000;

describeEachBackend(
  'one-time set-password links',
  (ctx) => {
    const clock = manualClock(new Date('2026-04-01T09:00:00Z'));
    let deps: AuthDeps;
    let n = 0;
    const newUser = () => createTestUser(ctx.db, `setup${++n}`, undefined, clock);
    const invalidLink = { code: 'INVALID_SETUP_LINK', status: 400, message: INVALID_SETUP_LINK_MESSAGE };

    before(async () => {
      await createTenant(ctx.db, clock);
      deps = { db: ctx.db, clock, config: authConfig('https://gatehouse.contoso.test', { setupLinkLifetimeHours: 24 }) };
    });

    it('issues an audited link whose token is stored only as a hash, with the token in the URL fragment', async () => {
      const user = await newUser();
      const link = await issueSetPasswordLink(deps, admin, user.id);
      assert.match(link.token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(link.url, `https://gatehouse.contoso.test/set-password#token=${link.token}`);
      assert.equal(link.expiresAt.getTime(), clock.now().getTime() + 24 * HOUR);
      const rows = await ctx.db.selectFrom('one_time_tokens').selectAll().where('user_id', '=', user.id).execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.token_hash, sha256Hex(link.token));
      const { rows: audits } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_entries WHERE code = 'GH1505I' AND ${user.id}::uuid = ANY(target_ids)`.execute(ctx.db);
      assert.equal(audits[0]?.n, 1);
    });

    it('sets the password once; the same link then fails with the generic message', async () => {
      const user = await newUser();
      const link = await issueSetPasswordLink(deps, admin, user.id);
      assert.deepEqual(await consumeSetPasswordToken(deps, link.token, NEW_PASSWORD), { userId: user.id });
      const signedIn = await signInWithPassword({ ...deps, masterKey: TEST_MASTER_KEY }, { userName: user.userPrincipalName, password: NEW_PASSWORD });
      assert.equal(signedIn.user.id, user.id);
      await assert.rejects(consumeSetPasswordToken(deps, link.token, 'another passphrase 99'), invalidLink);
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_entries WHERE code = 'GH1104I' AND ${user.id}::uuid = ANY(target_ids)`.execute(ctx.db);
      assert.equal(rows[0]?.n, 1);
    });

    it('expires after setupLinkLifetimeHours', async () => {
      const user = await newUser();
      const link = await issueSetPasswordLink(deps, admin, user.id);
      clock.advance(24 * HOUR);
      await assert.rejects(consumeSetPasswordToken(deps, link.token, NEW_PASSWORD), invalidLink);
    });

    it('a weak password is refused without using up the link', async () => {
      const user = await newUser();
      const link = await issueSetPasswordLink(deps, admin, user.id);
      await assert.rejects(consumeSetPasswordToken(deps, link.token, 'short'), { code: 'PASSWORD_REJECTED', status: 400, message: /at least 12/ });
      await consumeSetPasswordToken(deps, link.token, NEW_PASSWORD);
    });

    it('unknown and malformed tokens get the same message', async () => {
      for (const token of ['x'.repeat(43), 'nonsense', '', `${'A'.repeat(42)}=`]) {
        await assert.rejects(consumeSetPasswordToken(deps, token, NEW_PASSWORD), invalidLink);
      }
    });

    it('a new link voids the older unused one', async () => {
      const user = await newUser();
      const first = await issueSetPasswordLink(deps, admin, user.id);
      const second = await issueSetPasswordLink(deps, admin, user.id);
      await assert.rejects(consumeSetPasswordToken(deps, first.token, NEW_PASSWORD), invalidLink);
      await consumeSetPasswordToken(deps, second.token, NEW_PASSWORD);
    });

    it('concurrent uses of one link: exactly one succeeds', async () => {
      const user = await newUser();
      const link = await issueSetPasswordLink(deps, admin, user.id);
      const results = await Promise.allSettled([1, 2, 3].map((i) => consumeSetPasswordToken(deps, link.token, `${NEW_PASSWORD} ${i}`)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });

    it('setting the password ends the user’s existing browser sessions', async () => {
      const user = await newUser();
      await consumeSetPasswordToken(deps, (await issueSetPasswordLink(deps, admin, user.id)).token, NEW_PASSWORD);
      const session = sessionOf(await signInWithPassword({ ...deps, masterKey: TEST_MASTER_KEY }, { userName: user.userPrincipalName, password: NEW_PASSWORD }));
      assert.ok(await validateSession(deps, session.cookieValue));
      await consumeSetPasswordToken(deps, (await issueSetPasswordLink(deps, admin, user.id)).token, 'yet another passphrase 7');
      assert.equal(await validateSession(deps, session.cookieValue), undefined);
    });

    it('refuses to issue a link for an unknown user', async () => {
      await assert.rejects(issueSetPasswordLink(deps, admin, '00000000-0000-4000-8000-00000000abcd'), { code: 'USER_NOT_FOUND' });
    });
  },
  [defaultBackend()],
);
