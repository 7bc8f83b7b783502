import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { manualClock } from '#src/core/clock.ts';
import { addEmergencyAccessAccount, evaluateTokenRefresh, GATEHOUSE_CLI_CLIENT_ID, listEmergencyAccessAlerts, type SignInPipelineDeps, type TokenRefreshRequest } from '#src/auth/index.ts';
import { createConditionalAccessPolicy } from '#src/auth/conditional-access.service.ts';
import { describeEachBackend } from '../helpers/database.ts';
import { admin, authConfig, createTenant, createTestUser, TEST_MASTER_KEY } from './fixtures.ts';

/**
 * Conditional Access on the refresh_token grant, the pipeline's side (evaluateTokenRefresh): what the original
 * sign-in proved (amr) satisfies the grant controls or not, the sign-in frequency counts from auth_time, every
 * outcome is a non-interactive sign-in log entry, and emergency-access accounts alert. The provider's side (the
 * token endpoint answering invalid_grant) is in test/auth/oidc-apps.test.ts and test/e2e/oidc-rp.test.ts.
 */

const CLI = { id: GATEHOUSE_CLI_CLIENT_ID, displayName: 'Gatehouse CLI', clientAppType: 'mobileAppsAndDesktopClients' as const };

const policy = (displayName: string, userId: string, controls: Record<string, unknown>) => ({
  displayName,
  state: 'enabled',
  conditions: { users: { includeUsers: [userId] }, applications: { includeApplications: [GATEHOUSE_CLI_CLIENT_ID] }, clientAppTypes: ['all'] },
  ...controls,
});
const BLOCK = { grantControls: { operator: 'OR', builtInControls: ['block'] } };
const MFA = { grantControls: { operator: 'OR', builtInControls: ['mfa'] } };

describeEachBackend('Conditional Access on refresh tokens (evaluateTokenRefresh)', (ctx) => {
  const clock = manualClock(new Date('2026-04-01T08:00:00Z'));
  const notified: { mailIds: string[]; alertIds: string[] }[] = [];
  let deps: SignInPipelineDeps;
  let n = 0;
  const newUser = () => createTestUser(ctx.db, `refresher${++n}`, undefined, clock);
  const addPolicy = (body: Record<string, unknown>) => createConditionalAccessPolicy(deps, admin, body, { confirmLockoutRisk: true });
  const refresh = (userId: string, overrides: Partial<TokenRefreshRequest> = {}) => {
    clock.advance(1000);
    return evaluateTokenRefresh(deps, { userId, application: CLI, amr: ['pwd'], authTime: new Date(clock.now().getTime() - 60_000), ipAddress: '192.0.2.50', userAgent: 'gatehouse-cli/1.0', ...overrides });
  };
  const logOf = async (userId: string) =>
    (
      await sql<{ id: string; error_code: number; is_interactive: boolean; conditional_access_status: string; client_app_used: string; data: { authenticationRequirement: string } }>`
        SELECT id, error_code, is_interactive, conditional_access_status, client_app_used, data FROM sign_ins WHERE user_id = ${userId}::uuid ORDER BY created_at, id`.execute(ctx.db)
    ).rows;

  before(async () => {
    await createTenant(ctx.db, clock);
    deps = { db: ctx.db, clock, masterKey: TEST_MASTER_KEY, config: authConfig('https://gatehouse.contoso.test'), notify: (effects) => notified.push(effects) };
  });

  it('without a policy a refresh is allowed and logged as a non-interactive sign-in; the user shows a non-interactive sign-in', async () => {
    const user = await newUser();
    assert.deepEqual(await refresh(user.id), { status: 'allowed' });
    const [entry, ...rest] = await logOf(user.id);
    assert.equal(rest.length, 0);
    assert.equal(entry?.error_code, 0);
    assert.equal(entry?.is_interactive, false);
    assert.equal(entry?.conditional_access_status, 'notApplied');
    assert.equal(entry?.client_app_used, 'Mobile Apps and Desktop clients');
    const row = await ctx.db.selectFrom('users').select(['last_non_interactive_sign_in_at', 'last_sign_in_at']).where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(row.last_non_interactive_sign_in_at?.getTime(), clock.now().getTime());
    assert.equal(row.last_sign_in_at, null, 'a refresh is not an interactive sign-in');
  });

  it('a block refuses (53003) with the log entry to quote; the refusal is audited', async () => {
    const user = await newUser();
    await addPolicy(policy('Block the CLI', user.id, BLOCK));
    const outcome = await refresh(user.id);
    assert.equal(outcome.status, 'refused');
    assert.ok(outcome.status === 'refused');
    assert.equal(outcome.errorCode, 53003);
    const [entry] = await logOf(user.id);
    assert.equal(entry?.error_code, 53003);
    assert.equal(entry?.is_interactive, false);
    assert.equal(entry?.conditional_access_status, 'failure');
    assert.equal(outcome.signInId, entry?.id);
    assert.ok(outcome.message.includes(entry?.id as string));
    const audited = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events WHERE data LIKE ${`%${entry?.id as string}%`}`.execute(ctx.db);
    assert.equal(audited.rows[0]?.n, 1, 'auth.signInBlocked names the sign-in');
  });

  it('MFA is satisfied by the amr of the original sign-in (a second factor, or a partner MFA), refused without (50076)', async () => {
    const user = await newUser();
    await addPolicy(policy('MFA for the CLI', user.id, MFA));
    assert.deepEqual(await refresh(user.id, { amr: ['pwd', 'otp', 'mfa'] }), { status: 'allowed' });
    assert.deepEqual(await refresh(user.id, { amr: ['fed', 'mfa'] }), { status: 'allowed' });
    const refused = await refresh(user.id, { amr: ['pwd'] });
    assert.equal(refused.status === 'refused' && refused.errorCode, 50076);
    const log = await logOf(user.id);
    assert.deepEqual(log.map((entry) => entry.error_code), [0, 0, 50076]);
    assert.deepEqual(log.map((entry) => entry.data.authenticationRequirement), ['multiFactorAuthentication', 'multiFactorAuthentication', 'singleFactorAuthentication']);
    assert.ok(log.every((entry) => !entry.is_interactive));
  });

  it('the sign-in frequency counts from auth_time (everyTime: five minutes of skew); no auth_time counts as too old', async () => {
    const user = await newUser();
    await addPolicy(policy('Every time for the CLI', user.id, { sessionControls: { signInFrequency: { isEnabled: true, frequencyInterval: 'everyTime' } } }));
    const ago = (minutes: number) => new Date(clock.now().getTime() + 1000 - minutes * 60_000);
    assert.deepEqual(await refresh(user.id, { authTime: ago(4) }), { status: 'allowed' });
    const late = await refresh(user.id, { authTime: ago(6) });
    assert.equal(late.status === 'refused' && late.errorCode, 70044);
    const unknown = await refresh(user.id, { authTime: null });
    assert.equal(unknown.status === 'refused' && unknown.errorCode, 70044);
    assert.deepEqual((await logOf(user.id)).map((entry) => entry.error_code), [0, 70044, 70044]);
  });

  it('a disabled account is refused without a Conditional Access evaluation', async () => {
    const user = await newUser();
    await ctx.db.updateTable('users').set({ account_enabled: false }).where('id', '=', user.id).execute();
    const outcome = await refresh(user.id);
    assert.deepEqual(outcome, { status: 'refused', errorCode: 50057, message: 'This account cannot sign in.', signInId: null });
  });

  describe('emergency-access accounts: a refresh is a use', () => {
    it('left out of Conditional Access: refreshes through a block, and raises the sign-in alert (delivered at once)', async () => {
      const user = await newUser();
      await addEmergencyAccessAccount(deps, admin, { userId: user.id, excludeFromConditionalAccess: true });
      await addPolicy(policy('Block the break-glass CLI', user.id, BLOCK));
      const before = notified.length;
      assert.deepEqual(await refresh(user.id), { status: 'allowed' });
      const alerts = (await listEmergencyAccessAlerts(ctx.db)).filter((alert) => alert.userId === user.id);
      assert.deepEqual(alerts.map((alert) => alert.kind), ['signIn']);
      assert.equal(alerts[0]?.details.grant, 'refresh_token');
      assert.equal(notified.length - before, 1);
      assert.ok(notified.at(-1)?.alertIds.includes(alerts[0]?.id as string));
      assert.equal((await logOf(user.id))[0]?.conditional_access_status, 'notApplied');
    });

    it('subject to Conditional Access: a refused refresh raises the failed-sign-in alert', async () => {
      const user = await newUser();
      await addEmergencyAccessAccount(deps, admin, { userId: user.id, excludeFromConditionalAccess: false });
      await addPolicy(policy('Frequency for the break-glass CLI', user.id, { sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 1 } } }));
      const refused = await refresh(user.id, { authTime: new Date(clock.now().getTime() - 2 * 3_600_000) });
      assert.equal(refused.status === 'refused' && refused.errorCode, 70044);
      const alerts = (await listEmergencyAccessAlerts(ctx.db)).filter((alert) => alert.userId === user.id);
      assert.deepEqual(alerts.map((alert) => alert.kind), ['signInFailed']);
      assert.equal(alerts[0]?.details.signInId, refused.status === 'refused' ? refused.signInId : undefined);
    });
  });
});
