import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { manualClock } from '#src/core/clock.ts';
import { issueSetPasswordLink, signInWithPassword, sweepAuthState, validateSession, type AuthDeps } from '#src/auth/index.ts';
import { describeEachBackend, defaultBackend } from '../helpers/database.ts';
import { admin, authConfig, createTenant, createTestUser, sessionOf, TEST_MASTER_KEY } from './fixtures.ts';

const PASSWORD = 'correct horse battery staple';
const HOUR = 3_600_000;

describeEachBackend(
  'sweeping expired auth state',
  (ctx) => {
    const clock = manualClock(new Date('2026-05-01T00:00:00Z'));
    let deps: AuthDeps;
    before(async () => {
      await createTenant(ctx.db, clock);
      deps = { db: ctx.db, clock, config: authConfig('https://gatehouse.contoso.test') };
    });

    it('deletes ended sessions, stale links and old throttle counters, and keeps what is still live', async () => {
      const oldUser = await createTestUser(ctx.db, 'old', PASSWORD, clock);
      const old = await signInWithPassword({ ...deps, masterKey: TEST_MASTER_KEY }, { userName: oldUser.userPrincipalName, password: PASSWORD, ipAddress: '198.51.100.7' });
      await signInWithPassword({ ...deps, masterKey: TEST_MASTER_KEY }, { userName: oldUser.userPrincipalName, password: 'wrong password here', ipAddress: '198.51.100.8' }).catch(() => undefined);
      await issueSetPasswordLink(deps, admin, oldUser.id);
      clock.advance(50 * HOUR);

      const liveUser = await createTestUser(ctx.db, 'live', PASSWORD, clock);
      const live = await signInWithPassword({ ...deps, masterKey: TEST_MASTER_KEY }, { userName: liveUser.userPrincipalName, password: PASSWORD });
      await issueSetPasswordLink(deps, admin, liveUser.id);

      const swept = await sweepAuthState(deps);
      assert.equal(swept.browserSessions, 1);
      assert.equal(swept.oneTimeTokens, 1);
      assert.ok((swept.signInThrottle ?? 0) >= 2);
      assert.equal(await validateSession(deps, sessionOf(old).cookieValue), undefined);
      assert.ok(await validateSession(deps, sessionOf(live).cookieValue));
      assert.equal((await ctx.db.selectFrom('one_time_tokens').select('user_id').execute()).map((r) => r.user_id).join(), liveUser.id);
      assert.deepEqual(await sweepAuthState(deps), { oidcPayloads: 0, browserSessions: 0, oneTimeTokens: 0, signInThrottle: 0, redemptionFlows: 0, mfaChallenges: 0 });
    });
  },
  [defaultBackend()],
);
