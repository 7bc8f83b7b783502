import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import * as OTPAuth from 'otpauth';
import { manualClock } from '#src/core/clock.ts';
import {
  accessApplication,
  addEmergencyAccessAccount,
  GATEHOUSE_CLI_CLIENT_ID,
  beginPendingTotpEnrolment,
  currentPendingSignIn,
  listEmergencyAccessAlerts,
  partnerTrustOf,
  remindEmergencyAccessValidation,
  satisfiedBy,
  signInWithPassword,
  validateSession,
  verifyPendingSignIn,
  type PasswordSignInDeps,
  type PasswordSignInResult,
} from '#src/auth/index.ts';
import { createConditionalAccessPolicy } from '#src/auth/conditional-access.service.ts';
import { createNamedLocation } from '#src/auth/named-locations.service.ts';
import { createCrossTenantPartner, findUserRow, GRAPH_APP_ID, revokeSignInSessions, updateCrossTenantPartner, type DirDb } from '#src/directory/index.ts';
import { describeEachBackend } from '../helpers/database.ts';
import { admin, authConfig, createTenant, createTestUser, sessionOf, TEST_MASTER_KEY } from './fixtures.ts';

const PASSWORD = 'correct horse battery staple';
/** A public address the offline GeoIP database places in Great Britain (checked below). */
const GB_ADDRESS = '81.2.69.142';
/** The CLI: one of Gatehouse's own applications a policy can name. */
const OTHER_APP = GATEHOUSE_CLI_CLIENT_ID;

const policy = (displayName: string, userId: string, grantControls: Record<string, unknown> | null, extra: Record<string, unknown> = {}) => ({
  displayName,
  state: 'enabled',
  conditions: {
    users: { includeUsers: [userId], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [] },
    applications: { includeApplications: ['All'], excludeApplications: [] },
    clientAppTypes: ['all'],
    signInRiskLevels: [],
    userRiskLevels: [],
    ...((extra.conditions as object | undefined) ?? {}),
  },
  grantControls,
  ...Object.fromEntries(Object.entries(extra).filter(([key]) => key !== 'conditions')),
});

describeEachBackend('the sign-in pipeline (Conditional Access, second factors, sign-in log, break-glass)', (ctx) => {
  const clock = manualClock(new Date('2026-03-02T09:00:00Z'));
  let deps: PasswordSignInDeps;
  let n = 0;
  const notified: { mailIds: string[]; alertIds: string[] }[] = [];
  const newUser = () => createTestUser(ctx.db, `pipeline${++n}`, PASSWORD, clock);
  // Each step a second later, so the sign-in log's order is the order of the steps.
  const signIn = (user: { userPrincipalName: string }, ipAddress = '192.0.2.10') => {
    clock.advance(1000);
    return signInWithPassword(deps, { userName: user.userPrincipalName, password: PASSWORD, ipAddress, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36' });
  };
  const verifyAfterASecond = (...args: Parameters<typeof verifyPendingSignIn> extends [unknown, ...infer Rest] ? Rest : never) => {
    clock.advance(1000);
    return verifyPendingSignIn(deps, ...args);
  };
  const pendingOf = (result: PasswordSignInResult) => {
    assert.equal(result.status, 'mfaRequired', 'a second factor should be required');
    return (result as Extract<PasswordSignInResult, { status: 'mfaRequired' }>).pending;
  };
  const logOf = async (userId: string) =>
    (await sql<{ error_code: number; conditional_access_status: string; applied_policies: { displayName: string; result: string }[] }>`
      SELECT error_code, conditional_access_status, data->'appliedConditionalAccessPolicies' AS applied_policies
      FROM sign_ins WHERE user_id = ${userId}::uuid ORDER BY created_at, id`.execute(ctx.db)).rows;

  before(async () => {
    await createTenant(ctx.db, clock);
    deps = { db: ctx.db, clock, masterKey: TEST_MASTER_KEY, config: authConfig('https://gatehouse.contoso.test'), notify: (effects) => notified.push(effects) };
  });

  it('without a matching policy, a password alone signs in and the sign-in log records it (notApplied)', async () => {
    const user = await newUser();
    const result = await signIn(user);
    const session = await validateSession(deps, sessionOf(result).cookieValue);
    assert.deepEqual(session?.amr, ['pwd']);
    const log = await logOf(user.id);
    assert.equal(log.length, 1);
    assert.equal(log[0]?.error_code, 0);
    assert.equal(log[0]?.conditional_access_status, 'notApplied');
  });

  it('an MFA policy interrupts; a user without a factor registers an authenticator app during sign-in and lands signed in with mfa', async () => {
    const user = await newUser();
    await createConditionalAccessPolicy(deps, admin, policy('MFA for pipeline user', user.id, { operator: 'OR', builtInControls: ['mfa'] }));
    clock.advance(1000);
    const pending = pendingOf(await signIn(user));
    assert.deepEqual(pending.view.required, ['mfa']);
    assert.deepEqual(pending.view.registration, { totp: true, passkey: false });
    const enrolment = await beginPendingTotpEnrolment(deps, pending.cookieValue);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(enrolment.secret), digits: 6, period: 30 });
    await assert.rejects(verifyAfterASecond( pending.cookieValue, { type: 'totpEnrolment', enrolmentId: enrolment.enrolmentId, code: '000000' === totp.generate({ timestamp: clock.now().getTime() }) ? '111111' : '000000' }), { code: 'MFA_FAILED' });
    const done = await verifyAfterASecond( pending.cookieValue, { type: 'totpEnrolment', enrolmentId: enrolment.enrolmentId, code: totp.generate({ timestamp: clock.now().getTime() }) });
    assert.equal(done.status, 'signedIn');
    const session = await validateSession(deps, (done as Extract<typeof done, { status: 'signedIn' }>).session.cookieValue);
    assert.deepEqual(session?.amr, ['pwd', 'otp', 'mfa']);
    // The pending sign-in is used up.
    await assert.rejects(currentPendingSignIn(deps, pending.cookieValue), { code: 'SIGN_IN_PENDING_NOT_FOUND' });
    const log = await logOf(user.id);
    assert.deepEqual(log.map((entry) => entry.error_code), [50072, 500121, 0]);
    assert.equal(log[2]?.conditional_access_status, 'success');
    assert.equal(log[2]?.applied_policies.find((p) => p.displayName === 'MFA for pipeline user')?.result, 'success');

    // Next sign-in: the registered app is asked for; a code already used (same time step) is refused as a replay.
    const usedCode = totp.generate({ timestamp: clock.now().getTime() });
    const again = pendingOf(await signIn(user));
    assert.deepEqual(again.view.registration, { totp: false, passkey: false });
    assert.equal(again.view.methods.totp, true);
    // Someone holding only the password cannot add their own authenticator to an account that has one.
    await assert.rejects(beginPendingTotpEnrolment(deps, again.cookieValue), { code: 'MFA_REGISTRATION_REQUIRED' });
    await assert.rejects(verifyAfterASecond(again.cookieValue, { type: 'totpEnrolment', enrolmentId: enrolment.enrolmentId, code: '123456' }), { code: 'MFA_REGISTRATION_REQUIRED' });
    await assert.rejects(verifyAfterASecond( again.cookieValue, { type: 'totp', code: usedCode }), { code: 'MFA_FAILED' });
    clock.advance(30_000);
    const second = await verifyAfterASecond( again.cookieValue, { type: 'totp', code: totp.generate({ timestamp: clock.now().getTime() }) });
    assert.equal(second.status, 'signedIn');
  });

  it('a pending sign-in ends after five wrong codes', async () => {
    const user = await newUser();
    await createConditionalAccessPolicy(deps, admin, policy('MFA for the guesser', user.id, { operator: 'OR', builtInControls: ['mfa'] }));
    const pending = pendingOf(await signIn(user));
    for (let i = 0; i < 5; i++) {
      await assert.rejects(verifyAfterASecond( pending.cookieValue, { type: 'recoveryCode', code: `wrong-code-${i}` }), (error: Error & { code: string }) => ['MFA_FAILED', 'SIGN_IN_LOCKED'].includes(error.code));
    }
    await assert.rejects(currentPendingSignIn(deps, pending.cookieValue), { code: 'SIGN_IN_PENDING_NOT_FOUND' });
  });

  it('a country named location blocks the sign-in: refused with a reference, logged as 53003 with the failing policy', async () => {
    const user = await newUser();
    const location = await createNamedLocation(deps, admin, { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: `Blocked GB ${n}`, countriesAndRegions: ['GB'], includeUnknownCountriesAndRegions: false });
    await createConditionalAccessPolicy(deps, admin, policy('Block GB', user.id, { operator: 'OR', builtInControls: ['block'] }, { conditions: { locations: { includeLocations: [location.id], excludeLocations: [] } } }));
    // From elsewhere the policy does not apply.
    assert.equal((await signIn(user, '192.0.2.20')).status, 'signedIn');
    await assert.rejects(signIn(user, GB_ADDRESS), (error: Error & { code: string }) => {
      assert.equal(error.code, 'SIGN_IN_BLOCKED');
      assert.match(error.message, /reference: [0-9a-f-]{36}/);
      return true;
    });
    const log = await logOf(user.id);
    assert.equal(log.at(-1)?.error_code, 53003);
    assert.equal(log.at(-1)?.conditional_access_status, 'failure');
    assert.equal(log.at(-1)?.applied_policies.find((p) => p.displayName === 'Block GB')?.result, 'failure');
    const country = await sql<{ country: string }>`SELECT country FROM sign_ins WHERE user_id = ${user.id}::uuid ORDER BY created_at DESC LIMIT 1`.execute(ctx.db);
    assert.equal(country.rows[0]?.country, 'GB');
  });

  it('a report-only policy is logged with its result but never blocks', async () => {
    const user = await newUser();
    await createConditionalAccessPolicy(deps, admin, policy('Report-only block', user.id, { operator: 'OR', builtInControls: ['block'] }, { state: 'enabledForReportingButNotEnforced' }));
    assert.equal((await signIn(user)).status, 'signedIn');
    const log = await logOf(user.id);
    assert.equal(log.at(-1)?.error_code, 0);
    assert.equal(log.at(-1)?.applied_policies.find((p) => p.displayName === 'Report-only block')?.result, 'reportOnlyFailure');
  });

  it('sign-in frequency ends the session after its time; persistentBrowser never makes it a browser-session cookie', async () => {
    const user = await newUser();
    await createConditionalAccessPolicy(deps, admin, policy('1h sign-in frequency', user.id, null, {
      sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 1, frequencyInterval: 'timeBased' }, persistentBrowser: { isEnabled: true, mode: 'never' } },
    }));
    const result = await signIn(user);
    assert.equal(result.status === 'signedIn' && result.persistent, false);
    const cookie = sessionOf(result).cookieValue;
    clock.advance(59 * 60_000);
    assert.ok(await validateSession({ ...deps, config: authConfig('https://gatehouse.contoso.test', { sessionIdleMinutes: 120 }) }, cookie));
    clock.advance(2 * 60_000);
    assert.equal(await validateSession({ ...deps, config: authConfig('https://gatehouse.contoso.test', { sessionIdleMinutes: 120 }) }, cookie), undefined);
  });

  it('an application-specific MFA policy steps up an existing session: the session id rotates and gains the factor', async () => {
    const user = await newUser();
    await createConditionalAccessPolicy(deps, admin, policy('MFA for one app', user.id, { operator: 'OR', builtInControls: ['mfa'] }, { conditions: { applications: { includeApplications: [OTHER_APP], excludeApplications: [] } } }));
    const session = sessionOf(await signIn(user));
    const info = await validateSession(deps, session.cookieValue);
    assert.ok(info);
    const access = await accessApplication(deps, { cookieValue: session.cookieValue, userId: user.id, amr: info.amr, authenticatedAt: info.authenticatedAt }, { id: OTHER_APP, displayName: 'Other app', clientAppType: 'browser' }, { ipAddress: '192.0.2.30', userAgent: null, returnTo: '/somewhere' });
    assert.equal(access.status, 'mfaRequired');
    const pendingCookie = (access as Extract<typeof access, { status: 'mfaRequired' }>).cookieValue;
    const enrolment = await beginPendingTotpEnrolment(deps, pendingCookie);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(enrolment.secret) });
    const done = await verifyAfterASecond( pendingCookie, { type: 'totpEnrolment', enrolmentId: enrolment.enrolmentId, code: totp.generate({ timestamp: clock.now().getTime() }) });
    assert.equal(done.status, 'signedIn');
    const rotated = (done as Extract<typeof done, { status: 'signedIn' }>).session;
    assert.notEqual(rotated.cookieValue, session.cookieValue);
    assert.equal(rotated.csrfToken, session.csrfToken);
    assert.equal(await validateSession(deps, session.cookieValue), undefined, 'the old id no longer works');
    const stepped = await validateSession(deps, rotated.cookieValue);
    assert.deepEqual(stepped?.amr, ['pwd', 'otp', 'mfa']);
    const allowed = await accessApplication(deps, { cookieValue: rotated.cookieValue, userId: user.id, amr: stepped?.amr ?? [], authenticatedAt: stepped?.authenticatedAt ?? clock.now() }, { id: OTHER_APP, displayName: 'Other app', clientAppType: 'browser' }, { ipAddress: '192.0.2.30', userAgent: null, returnTo: null });
    assert.equal(allowed.status, 'allowed');
  });

  it('an emergency-access account left out of Conditional Access signs in through a block, and every attempt raises an alert', async () => {
    const user = await newUser();
    await addEmergencyAccessAccount(deps, admin, { userId: user.id, excludeFromConditionalAccess: true });
    await createConditionalAccessPolicy(deps, admin, policy('Block the break-glass user', user.id, { operator: 'OR', builtInControls: ['block'] }), { confirmLockoutRisk: true });
    const before = notified.length;
    assert.equal((await signIn(user)).status, 'signedIn');
    clock.advance(1000);
    await assert.rejects(signInWithPassword(deps, { userName: user.userPrincipalName, password: 'not the password', ipAddress: '192.0.2.40' }), { code: 'INVALID_CREDENTIALS' });
    const alerts = (await listEmergencyAccessAlerts(ctx.db)).filter((alert) => alert.userId === user.id);
    assert.deepEqual(alerts.map((alert) => alert.kind).sort(), ['signIn', 'signInFailed']);
    assert.equal(notified.length - before, 2, 'both alerts were handed over for delivery at once');
    const log = await logOf(user.id);
    assert.deepEqual(log.map((entry) => entry.error_code), [0, 50126]);
    assert.equal(log[0]?.conditional_access_status, 'notApplied');
    assert.equal(log[0]?.applied_policies.find((p) => p.displayName === 'Block the break-glass user')?.result, 'notApplied');
  });

  it('an emergency-access account not signed in with for 90 days gets one validation reminder per period', async () => {
    const user = await newUser();
    await addEmergencyAccessAccount(deps, admin, { userId: user.id, excludeFromConditionalAccess: false });
    const remind = () => remindEmergencyAccessValidation({ ...deps, publicUrl: 'https://gatehouse.contoso.test' });
    const mine = async () => (await listEmergencyAccessAlerts(ctx.db)).filter((alert) => alert.userId === user.id && alert.kind === 'validationDue');
    clock.advance(89 * 86_400_000);
    await remind();
    assert.equal((await mine()).length, 0, 'not due before 90 days');
    clock.advance(2 * 86_400_000);
    await remind();
    await remind();
    assert.equal((await mine()).length, 1, 'due: reminded once, not on every sweep');
    // Signing in validates it (and alerts, as every use does); the next reminder is 90 days after that.
    assert.equal((await signIn(user)).status, 'signedIn');
    clock.advance(60 * 86_400_000);
    await remind();
    assert.equal((await mine()).length, 1);
  });

  it('revoking the user\'s sessions also ends a sign-in waiting for its second factor', async () => {
    const user = await newUser();
    await createConditionalAccessPolicy(deps, admin, policy('MFA before revocation', user.id, { operator: 'OR', builtInControls: ['mfa'] }));
    const pending = pendingOf(await signIn(user));
    clock.advance(1000);
    await revokeSignInSessions({ db: ctx.db as DirDb, clock }, admin, user.id);
    await assert.rejects(currentPendingSignIn(deps, pending.cookieValue), { code: 'SIGN_IN_PENDING_NOT_FOUND' });
  });

  it('a policy on the Graph-compatible API applies to portal sign-ins (the portal works through the API)', async () => {
    const user = await newUser();
    await createConditionalAccessPolicy(deps, admin, policy('MFA for the API', user.id, { operator: 'OR', builtInControls: ['mfa'] }, { conditions: { applications: { includeApplications: [GRAPH_APP_ID], excludeApplications: [] } } }));
    const pending = pendingOf(await signIn(user));
    assert.deepEqual(pending.view.required, ['mfa']);
  });

  it('a forced password change takes effect only with a completed sign-in, never with a blocked one', async () => {
    const user = await newUser();
    // As after an administrator's reset with forceChangePasswordNextSignIn.
    await sql`UPDATE users SET password_change_required = true WHERE id = ${user.id}::uuid`.execute(ctx.db);
    await createConditionalAccessPolicy(deps, admin, policy('Block the password changer', user.id, { operator: 'OR', builtInControls: ['block'] }));
    clock.advance(1000);
    await assert.rejects(signInWithPassword(deps, { userName: user.userPrincipalName, password: PASSWORD, newPassword: 'a brand new password 42', ipAddress: '192.0.2.50' }), { code: 'SIGN_IN_BLOCKED' });
    const row = await findUserRow(ctx.db as DirDb, user.id);
    assert.equal(row?.password_change_required, true, 'the new password was not applied');
    await assert.rejects(signInWithPassword(deps, { userName: user.userPrincipalName, password: 'a brand new password 42', ipAddress: '192.0.2.50' }), { code: 'INVALID_CREDENTIALS' });
  });

  it('a password typed into the user-name field never reaches the sign-in log', async () => {
    clock.advance(1000);
    await assert.rejects(signInWithPassword(deps, { userName: 'Winter2025!', password: 'whatever', ipAddress: '192.0.2.60' }), { code: 'INVALID_CREDENTIALS' });
    clock.advance(1000);
    await assert.rejects(signInWithPassword(deps, { userName: 'p@ssw0rd@example.org', password: 'whatever', ipAddress: '192.0.2.60' }), { code: 'INVALID_CREDENTIALS' });
    clock.advance(1000);
    await assert.rejects(signInWithPassword(deps, { userName: 'nobody@contoso.test', password: 'whatever', ipAddress: '192.0.2.60' }), { code: 'INVALID_CREDENTIALS' });
    const names = (await sql<{ name: string }>`SELECT user_principal_name AS name FROM sign_ins WHERE ip_address = '192.0.2.60' ORDER BY created_at`.execute(ctx.db)).rows.map((r) => r.name);
    assert.deepEqual(names, ['(not a user name)', '(not a user name)', 'nobody@contoso.test']);
  });

  it('an emergency-access account whose password is accepted but must still do MFA raises an alert at once', async () => {
    const user = await newUser();
    await addEmergencyAccessAccount(deps, admin, { userId: user.id, excludeFromConditionalAccess: false });
    await createConditionalAccessPolicy(deps, admin, policy('MFA for break-glass', user.id, { operator: 'OR', builtInControls: ['mfa'] }));
    pendingOf(await signIn(user));
    const alerts = (await listEmergencyAccessAlerts(ctx.db)).filter((alert) => alert.userId === user.id);
    assert.deepEqual(alerts.map((alert) => alert.kind), ['signInInterrupted']);
  });

  it('a partner\'s MFA and device compliance count only when the partner\'s cross-tenant settings trust them', async () => {
    const partner = 'b1d0c0de-0000-4000-8000-00000000a001';
    await createCrossTenantPartner({ db: ctx.db as DirDb, clock }, admin, { tenantId: partner, inboundTrust: { isMfaAccepted: false, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false } });
    const claims = { providerId: 'p', partner, amr: ['pwd', 'mfa'], groups: [], displayName: null, deviceCompliant: true };
    assert.deepEqual(await partnerTrustOf(ctx.db, claims), { tenantId: partner, mfa: false, compliantDevice: false, amr: ['pwd', 'mfa'] });
    await updateCrossTenantPartner({ db: ctx.db as DirDb, clock }, admin, partner, { inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: true, isHybridAzureADJoinedDeviceAccepted: false } });
    assert.deepEqual(await partnerTrustOf(ctx.db, claims), { tenantId: partner, mfa: true, compliantDevice: true, amr: ['pwd', 'mfa'] });
    // Trusted, but the partner did not say so: nothing is assumed.
    assert.deepEqual(await partnerTrustOf(ctx.db, { ...claims, amr: ['pwd'], deviceCompliant: false }), { tenantId: partner, mfa: false, compliantDevice: false, amr: ['pwd'] });
    assert.equal(satisfiedBy(['fed'], { tenantId: partner, mfa: false, compliantDevice: true }).compliantDevice, true);
  });

  it('what the amr satisfies: a first and a second factor, a passkey alone, or a trusted partner MFA', () => {
    assert.equal(satisfiedBy(['pwd'], null).mfa, false);
    assert.equal(satisfiedBy(['pwd', 'otp'], null).mfa, true);
    assert.equal(satisfiedBy(['pwd', 'otp'], null).phishingResistant, false);
    assert.deepEqual(satisfiedBy(['hwk'], null), { mfa: true, phishingResistant: true, compliantDevice: false, termsOfUse: [] });
    assert.equal(satisfiedBy(['fed'], { tenantId: 't', mfa: true, compliantDevice: false }).mfa, true);
    assert.equal(satisfiedBy(['fed'], { tenantId: 't', mfa: false, compliantDevice: false }).mfa, false);
  });
});
