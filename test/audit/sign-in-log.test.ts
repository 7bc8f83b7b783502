import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import {
  appendSignInLog,
  getSignIn,
  listSignIns,
  recentSignInsForRisk,
  SIGN_IN_ERROR_CODES,
  sweepSignInLog,
  type SignInLogEntry,
} from '#src/audit/index.ts';
import { gatherSignInRisk } from '#src/auth/sign-in-risk.service.ts';
import { manualClock } from '#src/core/clock.ts';
import { newId } from '#src/core/crypto.ts';
import { AppError } from '#src/core/errors.ts';
import { parseQueryOptions } from '#src/core/odata/index.ts';
import { describeEachBackend } from '../helpers/database.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const TENANT = '0b5a9f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const PORTAL = '5f1c2a8e-7d34-4b6f-9a0e-3c8d1b7e2f45';
const OTHER_APP = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

const alice = { id: newId(), upn: 'alice@gatehouse.local', name: 'Alice Admin' };
const gina = { id: newId(), upn: 'Gina.Guest_vendor.test#EXT#@gatehouse.local', name: 'Gina Guest' };

function entry(overrides: Partial<SignInLogEntry> = {}): SignInLogEntry {
  return {
    userId: alice.id,
    userPrincipalName: alice.upn,
    userDisplayName: alice.name,
    userType: 'member',
    appId: PORTAL,
    appDisplayName: 'Gatehouse portal',
    ipAddress: '198.51.100.7',
    clientAppUsed: 'Browser',
    isInteractive: true,
    homeTenantId: TENANT,
    resourceTenantId: TENANT,
    status: { errorCode: 0 },
    conditionalAccessStatus: 'notApplied',
    authenticationRequirement: 'singleFactorAuthentication',
    ...overrides,
  };
}

const odata = (query: Record<string, string>) => parseQueryOptions(query, {});

async function rejects400(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.status, 400);
    assert.match(error.message, message);
    return true;
  });
}

describeEachBackend('sign-in log', (ctx) => {
  const clock = manualClock(new Date('2026-06-01T08:00:00Z'));
  const ids: Record<string, string> = {};
  const append = async (name: string, e: SignInLogEntry) => {
    clock.advance(MIN);
    ids[name] = (await appendSignInLog(ctx.db, clock, e)).id;
  };

  before(async () => {
    await append('aliceOk', entry({
      location: { city: 'Paris', countryOrRegion: 'fr', latitude: 48.8566, longitude: 2.3522 },
      deviceDetail: { browser: 'Chrome 140', operatingSystem: 'Windows 10' },
      authenticationDetails: [
        { authenticationMethod: 'Password', succeeded: true, authenticationStepDateTime: clock.now() },
        { authenticationMethod: 'Authenticator app (TOTP)', succeeded: true, authenticationStepRequirement: 'multiFactorAuthentication' },
      ],
      authenticationRequirement: 'multiFactorAuthentication',
      conditionalAccessStatus: 'success',
      appliedConditionalAccessPolicies: [
        { id: 'p-mfa', displayName: 'Require MFA for admins', enforcedGrantControls: ['Mfa'], enforcedSessionControls: [], result: 'success', reasons: ['user in includeRoles'] },
        { id: 'p-report', displayName: 'Block outside EU (report-only)', result: 'reportOnlyNotApplied', reasons: ['location FR excluded by excludeLocations'] },
      ],
      correlationId: 'c0ffee00-0000-4000-8000-000000000001',
    }));
    await append('aliceWrongPassword', entry({ status: { errorCode: SIGN_IN_ERROR_CODES.invalidCredentials.code }, ipAddress: '203.0.113.9' }));
    await append('ginaBlocked', entry({
      userId: gina.id, userPrincipalName: gina.upn, userDisplayName: gina.name, userType: 'guest', homeTenantId: 'partner-tenant',
      appId: OTHER_APP, appDisplayName: 'Supplier portal', ipAddress: '2001:DB8::1',
      status: { errorCode: SIGN_IN_ERROR_CODES.blockedByConditionalAccess.code },
      conditionalAccessStatus: 'failure',
      appliedConditionalAccessPolicies: [{ id: 'p-block', displayName: 'Block guests from DE', enforcedGrantControls: ['Block'], enforcedSessionControls: [], result: 'failure', reasons: ['location DE included'] }],
      location: { city: 'Berlin', countryOrRegion: 'DE', latitude: 52.52, longitude: 13.405 },
      risk: { level: 'high', reasons: [{ type: 'passwordSpray', detail: '40 failed sign-ins against 20 accounts' }, { type: 'newCountry', detail: 'First sign-in from DE' }] },
    }));
    await append('unknownName', entry({
      userId: null, userPrincipalName: 'mallory@evil.test\r\nforged line', userDisplayName: null, userType: 'member',
      status: { errorCode: SIGN_IN_ERROR_CODES.userNotFound.code }, ipAddress: '203.0.113.9',
    }));
  });

  it('stores the Graph signIn shape and returns it by id', async () => {
    const signIn = await getSignIn(ctx.db, ids.aliceOk as string);
    assert.equal(signIn.id, ids.aliceOk);
    assert.equal(signIn.createdDateTime, '2026-06-01T08:01:00.000Z');
    assert.equal(signIn.userId, alice.id);
    assert.equal(signIn.userType, 'member');
    assert.deepEqual(signIn.status, { errorCode: 0, failureReason: null, additionalDetails: null });
    assert.deepEqual(signIn.location, { city: 'Paris', state: null, countryOrRegion: 'FR', geoCoordinates: { altitude: null, latitude: 48.8566, longitude: 2.3522 } });
    assert.equal(signIn.deviceDetail.browser, 'Chrome 140');
    assert.equal(signIn.deviceDetail.isCompliant, false);
    assert.deepEqual(signIn.authenticationMethodsUsed, ['Password', 'Authenticator app (TOTP)']);
    assert.equal(signIn.authenticationDetails[0]?.authenticationStepDateTime, '2026-06-01T08:00:00.000Z');
    assert.equal(signIn.authenticationRequirement, 'multiFactorAuthentication');
    assert.deepEqual(signIn.appliedConditionalAccessPolicies[1], {
      id: 'p-report', displayName: 'Block outside EU (report-only)', enforcedGrantControls: [], enforcedSessionControls: [], result: 'reportOnlyNotApplied',
      reasons: ['location FR excluded by excludeLocations'],
    });
    assert.equal(signIn.riskLevelDuringSignIn, 'none');
    assert.equal(signIn.riskState, 'none');
    assert.deepEqual(signIn.riskEventTypes_v2, []);
  });

  it('fills failure reasons from Entra codes and records risk with its reasons', async () => {
    const wrong = await getSignIn(ctx.db, ids.aliceWrongPassword as string);
    assert.equal(wrong.status.failureReason, SIGN_IN_ERROR_CODES.invalidCredentials.reason);
    const blocked = await getSignIn(ctx.db, ids.ginaBlocked as string);
    assert.equal(blocked.status.errorCode, 53003);
    assert.equal(blocked.riskLevelDuringSignIn, 'high');
    assert.equal(blocked.riskState, 'atRisk');
    assert.deepEqual(blocked.riskEventTypes_v2, ['passwordSpray', 'newCountry']);
    assert.equal(blocked.riskReasons[0]?.detail, '40 failed sign-ins against 20 accounts');
    assert.equal(blocked.ipAddress, '2001:db8::1', 'addresses are stored lower-case');
  });

  it('logs an unknown account under the name as typed, without control characters and without a user type', async () => {
    const unknown = await getSignIn(ctx.db, ids.unknownName as string);
    assert.equal(unknown.userId, null);
    assert.equal(unknown.userType, null);
    assert.equal(unknown.userPrincipalName, 'mallory@evil.test  forged line');
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of [newId(), 'not-a-guid']) {
      await assert.rejects(getSignIn(ctx.db, id), (error: unknown) => error instanceof AppError && error.status === 404);
    }
  });

  it('lists newest first by default', async () => {
    const page = await listSignIns(ctx.db, odata({}));
    assert.deepEqual(page.value.map((s) => s.id), [ids.unknownName, ids.ginaBlocked, ids.aliceWrongPassword, ids.aliceOk]);
    const oldest = await listSignIns(ctx.db, odata({ $orderby: 'createdDateTime asc' }));
    assert.equal(oldest.value[0]?.id, ids.aliceOk);
  });

  const filters: [string, string, string[]][] = [
    ['time range', 'createdDateTime ge 2026-06-01T08:02:00Z and createdDateTime le 2026-06-01T08:03:00Z', ['ginaBlocked', 'aliceWrongPassword']],
    ['user id', `userId eq '${alice.id}'`, ['aliceWrongPassword', 'aliceOk']],
    ['user principal name, case-insensitive', "userPrincipalName eq 'ALICE@gatehouse.local'", ['aliceWrongPassword', 'aliceOk']],
    ['user principal name prefix (with LIKE characters taken literally)', "startsWith(userPrincipalName, 'gina.guest_')", ['ginaBlocked']],
    ['app', `appId eq '${OTHER_APP}'`, ['ginaBlocked']],
    ['successes', 'status/errorCode eq 0', ['aliceOk']],
    ['failures', 'status/errorCode ne 0', ['unknownName', 'ginaBlocked', 'aliceWrongPassword']],
    ['a given error', 'status/errorCode in (50126, 50034)', ['unknownName', 'aliceWrongPassword']],
    ['not a given error', 'not (status/errorCode eq 0)', ['unknownName', 'ginaBlocked', 'aliceWrongPassword']],
    ['conditional access failure', "conditionalAccessStatus eq 'failure'", ['ginaBlocked']],
    ['guests', "userType eq 'guest'", ['ginaBlocked']],
    ['guests, capitalized as in directory users', "userType eq 'Guest'", ['ginaBlocked']],
    ['members', "userType eq 'member'", ['aliceWrongPassword', 'aliceOk']],
    ['address', "ipAddress eq '203.0.113.9'", ['unknownName', 'aliceWrongPassword']],
    ['IPv6 address in any case', "ipAddress eq '2001:db8::1'", ['ginaBlocked']],
    ['risk level', "riskLevelDuringSignIn eq 'high'", ['ginaBlocked']],
    ['risk event type', "riskEventTypes_v2/any(r: r eq 'newCountry')", ['ginaBlocked']],
    ['country', "location/countryOrRegion eq 'FR'", ['aliceOk']],
    ['a report-only policy result', "appliedConditionalAccessPolicies/any(p: p/result eq 'reportOnlyNotApplied')", ['aliceOk']],
    ['a given policy', "appliedConditionalAccessPolicies/any(p: p/id eq 'p-block')", ['ginaBlocked']],
    ['combined: member failures', "userType eq 'member' and status/errorCode ne 0", ['aliceWrongPassword']],
  ];
  for (const [name, filter, expected] of filters) {
    it(`filters by ${name}`, async () => {
      const page = await listSignIns(ctx.db, odata({ $filter: filter }));
      assert.deepEqual(page.value.map((s) => s.id), expected.map((n) => ids[n]));
    });
  }

  it('refuses filters it cannot answer with a 400 naming the property', async () => {
    await rejects400(listSignIns(ctx.db, odata({ $filter: "deviceDetail/browser eq 'Chrome'" })), /Property 'deviceDetail\/browser' is not filterable on signIns/);
    await rejects400(listSignIns(ctx.db, odata({ $filter: "status/failureReason eq 'x'" })), /status\/failureReason.*only status\/errorCode/);
    await rejects400(listSignIns(ctx.db, odata({ $filter: "status/errorCode eq 'fifty'" })), /errorCode/);
    await rejects400(listSignIns(ctx.db, odata({ $filter: 'status/errorCode eq 99999999999' })), /whole number/);
    await rejects400(listSignIns(ctx.db, odata({ $filter: "userType eq 'partner'" })), /'partner' is not a valid value of property 'userType'/);
    await rejects400(listSignIns(ctx.db, odata({ $filter: "createdDateTime ge '2026-01-01'" })), /createdDateTime.*is a datetime/);
    await rejects400(listSignIns(ctx.db, odata({ $orderby: 'userPrincipalName' })), /Property 'userPrincipalName' cannot be used in \$orderby on signIns \(sortable: createdDateTime\)/);
    await rejects400(listSignIns(ctx.db, odata({ $select: 'status,password' })), /Property 'password' cannot be selected on signIns/);
  });

  it('pages with $top and a skiptoken, without gaps or repeats', async () => {
    const first = await listSignIns(ctx.db, odata({ $top: '3' }));
    assert.equal(first.value.length, 3);
    assert.ok(first.skiptoken);
    const second = await listSignIns(ctx.db, odata({ $top: '3', $skiptoken: first.skiptoken }));
    assert.equal(second.skiptoken, undefined);
    assert.deepEqual([...first.value, ...second.value].map((s) => s.id), [ids.unknownName, ids.ginaBlocked, ids.aliceWrongPassword, ids.aliceOk]);
    await rejects400(listSignIns(ctx.db, odata({ $top: '3', $skiptoken: first.skiptoken, $filter: 'status/errorCode eq 0' })), /different \$filter/);
  });

  it('keeps the selection for the response', async () => {
    const page = await listSignIns(ctx.db, odata({ $select: 'status,userPrincipalName' }));
    assert.deepEqual(page.select, ['status', 'userPrincipalName']);
  });
});

describeEachBackend('sign-in log: risk history and the risk gatherer', (ctx) => {
  const clock = manualClock(new Date('2026-06-02T12:00:00Z'));
  const user = newId();
  const other = newId();
  const at = async (minutesAgo: number, e: SignInLogEntry) => {
    const c = manualClock(new Date(clock.now().getTime() - minutesAgo * MIN));
    await appendSignInLog(ctx.db, c, e);
  };
  const window = () => ({ historySince: new Date(clock.now().getTime() - 90 * DAY), failuresSince: new Date(clock.now().getTime() - 60 * MIN) });

  before(async () => {
    const mine = { userId: user, userPrincipalName: 'user@gatehouse.local' };
    await at(100 * DAY / MIN, entry({ ...mine, location: { countryOrRegion: 'US', latitude: 40.7, longitude: -74 } })); // outside the history window
    await at(3 * DAY / MIN, entry({ ...mine, location: { countryOrRegion: 'NL', latitude: 52.37, longitude: 4.9 } }));
    await at(120, entry({ ...mine, location: { city: 'Paris', countryOrRegion: 'FR', latitude: 48.8566, longitude: 2.3522 } }));
    await at(90, entry({ ...mine, location: { countryOrRegion: null } })); // latest success, but without coordinates
    await at(70, entry({ ...mine, status: { errorCode: 50126 } })); // failure outside the failure window
    for (let i = 0; i < 3; i++) await at(30 - i, entry({ ...mine, status: { errorCode: 50126 }, ipAddress: '203.0.113.50' }));
    await at(20, entry({ ...mine, status: { errorCode: 53003 }, conditionalAccessStatus: 'failure' })); // a policy block is not a guess
    // The spray: one address, many names (some unknown accounts), in the last hour.
    for (let i = 0; i < 6; i++) {
      await at(10 + i, entry({ userId: null, userPrincipalName: `victim${i}@gatehouse.local`, status: { errorCode: 50034 }, ipAddress: '203.0.113.50' }));
    }
    await at(9, entry({ userId: other, userPrincipalName: 'other@gatehouse.local', status: { errorCode: 50126 }, ipAddress: '203.0.113.50' }));
    await at(8, entry({ userId: null, userPrincipalName: 'VICTIM0@gatehouse.local', status: { errorCode: 50126 }, ipAddress: '203.0.113.50' }));
  });

  it("summarizes a user's countries, last located success and recent failures, and an address's failures", async () => {
    const history = await recentSignInsForRisk(ctx.db, { userId: user, ipAddress: '203.0.113.50', ...window() });
    assert.equal(history.userSuccessCount, 3);
    assert.deepEqual(history.userCountries, ['FR', 'NL']);
    assert.equal(history.lastLocatedSuccess?.countryOrRegion, 'FR');
    assert.equal(history.lastLocatedSuccess?.city, 'Paris');
    assert.equal(history.lastLocatedSuccess?.createdDateTime.toISOString(), '2026-06-02T10:00:00.000Z');
    assert.equal(history.userFailures, 3);
    // 3 (user) + 6 (unknown names) + 1 (other) + 1 (a repeated name in other case) credential failures ...
    assert.equal(history.addressFailures, 11);
    // ... against user, victim0..5 and other: the repeated name is the same account.
    assert.equal(history.addressDistinctAccounts, 8);
  });

  it('has nothing for an unknown user, and only address facts', async () => {
    const history = await recentSignInsForRisk(ctx.db, { userId: null, ipAddress: '198.51.100.200', ...window() });
    assert.deepEqual(history, { userSuccessCount: 0, userCountries: [], lastLocatedSuccess: null, userFailures: 0, addressFailures: 0, addressDistinctAccounts: 0 });
  });

  it('assesses an attempt from the spraying address in Sydney as high risk with all three reasons', async () => {
    const risk = await gatherSignInRisk({ db: ctx.db }, {
      userId: user, ipAddress: '203.0.113.50', now: clock.now(),
      location: { countryOrRegion: 'AU', city: 'Sydney', latitude: -33.8688, longitude: 151.2093 },
    });
    assert.equal(risk.level, 'high');
    assert.deepEqual(risk.reasons.map((r) => r.type), ['newCountry', 'impossibleTravel', 'passwordSpray']);
  });

  it('assesses an ordinary attempt from Paris by another user as no risk', async () => {
    const risk = await gatherSignInRisk({ db: ctx.db }, { userId: other, ipAddress: '198.51.100.1', now: clock.now(), location: { countryOrRegion: 'FR', latitude: 48.85, longitude: 2.35 } });
    assert.deepEqual(risk, { level: 'none', reasons: [] });
  });
});

describeEachBackend('sign-in log retention', (ctx) => {
  it('deletes whole days past retention, once a day, with one audit event', async () => {
    const clock = manualClock(new Date('2026-06-30T10:00:00Z'));
    const times = ['2026-05-30T23:59:59Z', '2026-05-31T00:00:00Z', '2026-06-29T10:00:00Z', '2026-05-01T00:00:00Z'];
    for (const t of times) await appendSignInLog(ctx.db, manualClock(new Date(t)), entry());
    const events = async () =>
      Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_entries WHERE code = 'GH2301I'`.execute(ctx.db)).rows[0]?.n);

    // Keep 30 days: the cutoff is midnight UTC 30 days before today, 2026-05-31T00:00Z.
    assert.equal(await sweepSignInLog({ db: ctx.db, clock }, 30), 2);
    const left = (await listSignIns(ctx.db, odata({ $orderby: 'createdDateTime asc' }))).value.map((s) => s.createdDateTime);
    assert.deepEqual(left, ['2026-05-31T00:00:00.000Z', '2026-06-29T10:00:00.000Z']);
    assert.equal(await events(), 1);
    const audit = (await sql<{ data: string }>`SELECT data FROM audit_entries WHERE code = 'GH2301I'`.execute(ctx.db)).rows[0]?.data ?? '';
    assert.match(audit, /"key":"deleted","value":"2"/);
    assert.match(audit, /"key":"olderThan","value":"2026-05-31T00:00:00.000Z"/);

    // Later the same day: nothing more is due, and nothing is audited.
    clock.advance(13 * 3_600_000);
    assert.equal(await sweepSignInLog({ db: ctx.db, clock }, 30), 0);
    assert.equal(await events(), 1);
    // The next day the cutoff moves on.
    clock.advance(3_600_000);
    assert.equal(await sweepSignInLog({ db: ctx.db, clock }, 30), 1);
    assert.equal(await events(), 2);
  });
});
