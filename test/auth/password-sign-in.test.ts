import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { manualClock } from '#src/core/clock.ts';
import { findUserRow, revokeSignInSessions, updateUser, type DirDb } from '#src/directory/index.ts';
import {
  INVALID_CREDENTIALS_MESSAGE,
  assertCsrf,
  csrfTokenMatches,
  revokeSession,
  sessionCookie,
  signInWithPassword,
  validateSession,
  type AuthDeps,
  type PasswordSignInDeps,
} from '#src/auth/index.ts';
import { describeEachBackend, defaultBackend } from '../helpers/database.ts';
import { admin, authConfig, createTenant, createTestUser, dirDeps, sessionOf, TEST_MASTER_KEY } from './fixtures.ts';

const PASSWORD = 'correct horse battery staple';
const MINUTE = 60_000;

describeEachBackend(
  'password sign-in and browser sessions',
  (ctx) => {
    const clock = manualClock(new Date('2026-02-01T08:00:00Z'));
    let deps: PasswordSignInDeps;
    let n = 0;
    const newUser = async (password: string | null = PASSWORD) => createTestUser(ctx.db, `user${++n}`, password ?? undefined, clock);
    const auditCount = async (code: string, targetId?: string): Promise<number> => {
      const { rows } = targetId
        ? await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_entries WHERE code = ${code} AND ${targetId}::uuid = ANY(target_ids)`.execute(ctx.db)
        : await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_entries WHERE code = ${code}`.execute(ctx.db);
      return rows[0]?.n ?? 0;
    };

    before(async () => {
      await createTenant(ctx.db, clock);
      deps = { db: ctx.db, clock, masterKey: TEST_MASTER_KEY, config: authConfig('https://gatehouse.contoso.test', { sessionIdleMinutes: 30, sessionAbsoluteHours: 12 }) };
    });

    describe('sign-in', () => {
      it('signs in with the right password: new session, sign-in recorded and audited', async () => {
        const user = await newUser();
        clock.advance(1000);
        const result = await signInWithPassword(deps, { userName: user.userPrincipalName.toUpperCase(), password: PASSWORD, ipAddress: '198.51.100.1', userAgent: 'test' });
        assert.equal(result.user.id, user.id);
        assert.match(sessionOf(result).cookieValue, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(result.passwordChangeRequired, false);
        assert.equal(sessionOf(result).expiresAt.getTime(), clock.now().getTime() + 12 * 3_600_000);
        const session = await validateSession(deps, sessionOf(result).cookieValue);
        assert.equal(session?.userId, user.id);
        assert.equal(session?.csrfToken, sessionOf(result).csrfToken);
        assert.equal((await findUserRow(ctx.db as DirDb, user.id))?.last_sign_in_at?.getTime(), clock.now().getTime());
        assert.equal(await auditCount('GH1501I', user.id), 1);
      });

      it('completes a bare alias with the tenant domain', async () => {
        const user = await newUser();
        const result = await signInWithPassword(deps, { userName: user.userPrincipalName.split('@')[0] as string, password: PASSWORD });
        assert.equal(result.user.id, user.id);
      });

      it('gives the same answer for a wrong password, an unknown user, a disabled account and an account without password', async () => {
        const wrong = await newUser();
        const disabled = await newUser();
        await updateUser(dirDeps(ctx.db, clock), admin, disabled.id, { accountEnabled: false });
        const noPassword = await newUser(null);
        const attempts = [
          { userName: wrong.userPrincipalName, password: 'not the password at all' },
          { userName: 'nobody@contoso.test', password: PASSWORD },
          { userName: disabled.userPrincipalName, password: PASSWORD },
          { userName: noPassword.userPrincipalName, password: PASSWORD },
          { userName: wrong.id, password: PASSWORD },
        ];
        for (const attempt of attempts) {
          await assert.rejects(signInWithPassword(deps, { ...attempt, ipAddress: '198.51.100.2' }), (error: Error & { code: string; status: number }) => {
            assert.equal(error.code, 'INVALID_CREDENTIALS');
            assert.equal(error.status, 401);
            assert.equal(error.message, INVALID_CREDENTIALS_MESSAGE);
            return true;
          });
        }
        assert.equal(await auditCount('GH1502W', wrong.id), 1);
        assert.equal(await auditCount('GH1502W', disabled.id), 1);
      });

      it('locks an account after 5 failures for 15 minutes, audits the lockout once, then lets the right password in', async () => {
        const user = await newUser();
        const attempt = (password: string, ip: string) => signInWithPassword(deps, { userName: user.userPrincipalName, password, ipAddress: ip });
        for (let i = 0; i < 5; i++) await assert.rejects(attempt('wrong password number x', `198.51.100.${10 + i}`), { code: 'INVALID_CREDENTIALS' });
        await assert.rejects(attempt(PASSWORD, '198.51.100.30'), { code: 'SIGN_IN_LOCKED', status: 429, message: /15 minutes/ });
        await assert.rejects(attempt(PASSWORD, '198.51.100.31'), { code: 'SIGN_IN_LOCKED' });
        assert.equal(await auditCount('GH1504W', user.id), 1);
        clock.advance(14 * MINUTE);
        await assert.rejects(attempt(PASSWORD, '198.51.100.32'), { code: 'SIGN_IN_LOCKED', message: /1 minute\b/ });
        clock.advance(MINUTE + 1000);
        assert.equal((await attempt(PASSWORD, '198.51.100.33')).user.id, user.id);
        // Success resets the account counter: 4 more failures do not lock it.
        for (let i = 0; i < 4; i++) await assert.rejects(attempt('wrong password number y', '198.51.100.34'), { code: 'INVALID_CREDENTIALS' });
        assert.equal((await attempt(PASSWORD, '198.51.100.35')).user.id, user.id);
      });

      it('locks unknown user names too, so lockout does not reveal which accounts exist', async () => {
        for (let i = 0; i < 5; i++) {
          await assert.rejects(signInWithPassword(deps, { userName: 'ghost@contoso.test', password: 'whatever password', ipAddress: `198.51.100.${40 + i}` }), { code: 'INVALID_CREDENTIALS' });
        }
        await assert.rejects(signInWithPassword(deps, { userName: 'ghost@contoso.test', password: 'whatever password' }), { code: 'SIGN_IN_LOCKED' });
      });

      it('locks a source address after 20 failures across accounts, not other addresses', async () => {
        const users = await Promise.all(Array.from({ length: 5 }, () => newUser()));
        for (let i = 0; i < 20; i++) {
          const user = users[i % 5] as { userPrincipalName: string };
          await assert.rejects(signInWithPassword(deps, { userName: user.userPrincipalName, password: `spray attempt ${i}`, ipAddress: '203.0.113.66' }), {
            code: i < 20 ? 'INVALID_CREDENTIALS' : 'SIGN_IN_LOCKED',
          });
        }
        const fresh = await newUser();
        await assert.rejects(signInWithPassword(deps, { userName: fresh.userPrincipalName, password: PASSWORD, ipAddress: '203.0.113.66' }), { code: 'SIGN_IN_LOCKED' });
        assert.equal((await signInWithPassword(deps, { userName: fresh.userPrincipalName, password: PASSWORD, ipAddress: '203.0.113.67' })).user.id, fresh.id);
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_entries WHERE code = 'GH1504W' AND data LIKE '%203.0.113.66%'`.execute(ctx.db);
        assert.equal(rows[0]?.n, 1);
      });

      it('parallel guesses cannot exceed the limit: the attempt is counted before the password is checked', async () => {
        const user = await newUser();
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) => signInWithPassword(deps, { userName: user.userPrincipalName, password: `parallel guess ${i}`, ipAddress: `192.0.2.${100 + i}` })),
        );
        const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'OK'));
        assert.equal(codes.filter((c) => c === 'INVALID_CREDENTIALS').length, 5, codes.join());
        assert.equal(codes.filter((c) => c === 'SIGN_IN_LOCKED').length, 7);
      });
    });

    describe('sessions', () => {
      const signIn = async (user: { userPrincipalName: string }, previousCookieValue?: string) =>
        sessionOf(await signInWithPassword(deps, { userName: user.userPrincipalName, password: PASSWORD, ...(previousCookieValue ? { previousCookieValue } : {}) }));

      it('ends after the idle timeout; activity (throttled touches) keeps it alive', async () => {
        const user = await newUser();
        const session = await signIn(user);
        clock.advance(20 * MINUTE);
        assert.ok(await validateSession(deps, session.cookieValue));
        clock.advance(20 * MINUTE);
        assert.ok(await validateSession(deps, session.cookieValue), 'touched 20 minutes ago');
        // A request soon after a touch does not write again.
        const before = await ctx.db.selectFrom('browser_sessions').select('last_seen_at').where('user_id', '=', user.id).executeTakeFirstOrThrow();
        clock.advance(10_000);
        await validateSession(deps, session.cookieValue);
        const after = await ctx.db.selectFrom('browser_sessions').select('last_seen_at').where('user_id', '=', user.id).executeTakeFirstOrThrow();
        assert.equal(after.last_seen_at.getTime(), before.last_seen_at.getTime());
        clock.advance(30 * MINUTE);
        assert.equal(await validateSession(deps, session.cookieValue), undefined);
      });

      it('ends at the absolute timeout however active it is', async () => {
        const user = await newUser();
        const session = await signIn(user);
        for (let elapsed = 0; elapsed < 12 * 60 - 20; elapsed += 20) {
          clock.advance(20 * MINUTE);
          assert.ok(await validateSession(deps, session.cookieValue), `valid after ${elapsed + 20} minutes`);
        }
        clock.advance(20 * MINUTE);
        assert.equal(await validateSession(deps, session.cookieValue), undefined);
      });

      it('revokeSignInSessions and disabling the account end sessions at once', async () => {
        const user = await newUser();
        const session = await signIn(user);
        clock.advance(1000);
        await revokeSignInSessions(dirDeps(ctx.db, clock), admin, user.id);
        assert.equal(await validateSession(deps, session.cookieValue), undefined);
        clock.advance(1000);
        const again = await signIn(user);
        assert.ok(await validateSession(deps, again.cookieValue));
        await updateUser(dirDeps(ctx.db, clock), admin, user.id, { accountEnabled: false });
        assert.equal(await validateSession(deps, again.cookieValue), undefined);
      });

      it('every sign-in gets a new id and the previous session is revoked; sign-out revokes and audits', async () => {
        const user = await newUser();
        const first = await signIn(user);
        const second = await signIn(user, first.cookieValue);
        assert.notEqual(second.cookieValue, first.cookieValue);
        assert.notEqual(second.csrfToken, first.csrfToken);
        assert.equal(await validateSession(deps, first.cookieValue), undefined);
        assert.ok(await validateSession(deps, second.cookieValue));
        await revokeSession(deps, second.cookieValue, { ipAddress: '198.51.100.9' });
        assert.equal(await validateSession(deps, second.cookieValue), undefined);
        assert.equal(await auditCount('GH1503I', user.id), 2);
      });

      it('stores only a hash of the cookie value and rejects malformed cookies without a lookup', async () => {
        const user = await newUser();
        const session = await signIn(user);
        const rows = await ctx.db.selectFrom('browser_sessions').select('id_hash').where('user_id', '=', user.id).execute();
        assert.ok(rows.every((r) => r.id_hash !== session.cookieValue && r.id_hash.length === 64));
        for (const bad of [undefined, '', 'short', `${session.cookieValue}x`, session.cookieValue.replace(/^./, '%')]) {
          assert.equal(await validateSession(deps, bad), undefined);
        }
      });

      it('checks CSRF tokens in constant time against the session’s', async () => {
        const user = await newUser();
        const info = await validateSession(deps, (await signIn(user)).cookieValue);
        assert.ok(info);
        assert.equal(csrfTokenMatches(info, info.csrfToken), true);
        assert.equal(csrfTokenMatches(info, `${info.csrfToken.slice(0, -1)}${info.csrfToken.endsWith('A') ? 'B' : 'A'}`), false);
        assert.equal(csrfTokenMatches(info, undefined), false);
        assert.throws(() => assertCsrf(info, 'nope'), { code: 'CSRF_MISMATCH', status: 403 });
      });

      it('describes the cookie: __Host- prefix and Secure under https only', () => {
        assert.deepEqual(sessionCookie('https://gh.example'), { name: '__Host-gatehouse_session', httpOnly: true, secure: true, sameSite: 'lax', path: '/' });
        assert.equal(sessionCookie('http://localhost:8080').secure, false);
        assert.equal(sessionCookie('http://localhost:8080').name, 'gatehouse_session');
      });
    });
  },
  [defaultBackend()],
);
