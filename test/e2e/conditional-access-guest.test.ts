import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { ConsoleMessage } from 'playwright-core';
import { PHISHING_RESISTANT_STRENGTH_ID } from '#src/policy/index.ts';
import { launchChromium, type TestChromium } from '../helpers/chromium.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { startPartnerIdp, type PartnerIdp } from '../helpers/partner-idp.ts';

/**
 * Conditional Access end to end in a real Chromium, with a real partner OpenID provider: a guest who redeems
 * through their own IdP hits "Require MFA for guests", registers an authenticator app on the MFA page (code
 * computed here) and lands signed in; the next sign-in asks for a code; once the partner's MFA is trusted
 * (cross-tenant inboundTrust) no code is asked; a report-only policy shows in the sign-in log without blocking;
 * a blocked country (named location) seen through X-Forwarded-For from a trusted proxy is refused with a clear
 * page, while the same header from an untrusted hop is ignored.
 */
const GB_ADDRESS = '81.2.69.142';
const GUEST = 'field.engineer@fabrikam.test';
const expected = (message: ConsoleMessage): boolean => /status of (401|403)/.test(message.text());

describe('Conditional Access for a partner guest in Chromium', () => {
  let gh: TestGatehouse;
  let partner: PartnerIdp;
  let browser: TestChromium;
  let token = '';
  let secret = '';
  let lastStep = 0;
  const call = async (method: string, p: string, body?: unknown) => {
    const response = await fetch(`${gh.url}${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const guestPolicy = (displayName: string, state: string, grantControls: Record<string, unknown>, conditions: Record<string, unknown> = {}) => ({
    displayName,
    state,
    conditions: {
      users: {
        includeUsers: [],
        excludeUsers: [],
        includeGroups: [],
        excludeGroups: [],
        includeRoles: [],
        excludeRoles: [],
        includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' } },
      },
      applications: { includeApplications: ['All'], excludeApplications: [] },
      clientAppTypes: ['all'],
      signInRiskLevels: [],
      userRiskLevels: [],
      ...conditions,
    },
    grantControls,
  });
  /**
   * The next code the guest's authenticator shows that was not used yet (codes are single-use per 30 s step, and
   * the server accepts one step of skew): waits for the clock when the next unused step is still too far ahead.
   */
  const nextCode = async (): Promise<string> => {
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    const step = Math.max(Math.floor(Date.now() / 30_000), lastStep + 1);
    while (step > Math.floor(Date.now() / 30_000) + 1) await new Promise((resolve) => setTimeout(resolve, 500));
    lastStep = step;
    return totp.generate({ timestamp: step * 30_000 });
  };
  const signInThroughPartner = async () => {
    const { page } = browser;
    await page.goto(`${gh.url}/signin/guest`);
    await page.getByLabel('Email address').fill(GUEST);
    await page.getByRole('button', { name: 'Continue' }).click();
  };

  before(async () => {
    browser = await launchChromium({ expectedConsoleError: expected });
    // One proxy in front (loopback here): its X-Forwarded-For names the client.
    gh = await startTestGatehouse({ tenantDisplayName: 'Contoso', trustProxy: 1 });
    partner = await startPartnerIdp({
      redirectUri: `${gh.url}/portal/api/federation/callback`,
      accounts: [{ sub: 'fabrikam-7', email: GUEST, name: 'Fran Engineer', password: 'fabrikam password', amr: ['pwd', 'mfa'] }],
    });
    token = await gh.appToken(['User.Invite.All', 'User.ReadWrite.All', 'IdentityProvider.ReadWrite.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.CrossTenantAccess', 'AuditLog.Read.All']);
    const idp = await call('POST', '/v1.0/identity/identityProviders', { '@odata.type': '#microsoft.graph.openIdConnectIdentityProvider', displayName: 'Fabrikam', issuer: partner.issuer, clientId: partner.clientId, clientSecret: partner.clientSecret, domains: ['fabrikam.test'] });
    assert.equal(idp.status, 201);
    assert.equal((await call('POST', '/v1.0/identity/conditionalAccess/policies', guestPolicy('Require MFA for guests', 'enabled', { operator: 'OR', builtInControls: ['mfa'] }))).status, 201);
    assert.equal((await call('POST', '/v1.0/identity/conditionalAccess/policies', guestPolicy('Report-only: block guests', 'enabledForReportingButNotEnforced', { operator: 'OR', builtInControls: ['block'] }))).status, 201);
  });
  after(async () => {
    await browser?.close();
    await gh?.stop();
    await partner?.close();
  });

  it('redeems through the partner, registers an authenticator app on the MFA page and lands signed in', async () => {
    const invited = await call('POST', '/v1.0/invitations', { invitedUserEmailAddress: GUEST, invitedUserDisplayName: 'Fran Engineer', inviteRedirectUrl: `${gh.url}/my-account`, sendInvitationMessage: false });
    assert.equal(invited.status, 201);
    const { page } = browser;
    await page.goto(String(invited.body.inviteRedeemUrl));
    await page.getByRole('link', { name: 'Sign in with Fabrikam' }).click();
    await page.waitForURL(`${partner.issuer}/**`);
    await page.getByLabel('Email').fill(GUEST);
    await page.getByLabel('Password').fill('fabrikam password');
    await page.getByRole('button', { name: 'Sign in at Vendor' }).click();
    await page.waitForURL(`${gh.url}/redeem`);
    await page.getByRole('button', { name: 'Accept' }).click();

    // The partner said MFA, but nobody told Gatehouse to trust it: the guest sets up a second factor here.
    await page.waitForURL(`${gh.url}/signin/mfa**`);
    secret = ((await page.getByTestId('pending-totp-secret').textContent()) ?? '').trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    await page.getByLabel('Code from the app').fill(await nextCode());
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.waitForURL(`${gh.url}/my-account`);
    await page.getByRole('heading', { name: 'My account' }).waitFor();
  });

  it('asks the registered app for a code at the next sign-in; a replayed code is refused', async () => {
    const { page } = browser;
    await page.context().clearCookies({ domain: 'localhost' });
    await signInThroughPartner();
    await page.waitForURL(`${gh.url}/signin/mfa**`);
    const used = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: lastStep * 30_000 });
    await page.getByLabel('Code from your authenticator app').fill(used);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: /code/i }).waitFor();
    await page.getByLabel('Code from your authenticator app').fill(await nextCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${gh.url}/my-account`);
  });

  it("once the partner's MFA is trusted, the partner sign-in alone satisfies the policy", async () => {
    assert.equal((await call('PATCH', '/v1.0/policies/crossTenantAccessPolicy/default', { inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false } })).status < 300, true);
    const { page } = browser;
    await page.context().clearCookies({ domain: 'localhost' });
    await signInThroughPartner();
    await page.waitForURL(`${gh.url}/my-account`);

    // The sign-in log shows the enforced policy met and the report-only block as reportOnlyFailure.
    const log = await call('GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent("userType eq 'guest'")}&$top=5`);
    assert.equal(log.status, 200);
    const latest = (log.body.value as { status: { errorCode: number }; appliedConditionalAccessPolicies: { displayName: string; result: string }[] }[])[0];
    assert.equal(latest?.status.errorCode, 0);
    const results = Object.fromEntries((latest?.appliedConditionalAccessPolicies ?? []).map((p) => [p.displayName, p.result]));
    assert.equal(results['Require MFA for guests'], 'success');
    assert.equal(results['Report-only: block guests'], 'reportOnlyFailure');
  });

  it('phishing-resistant MFA: after a code the guest adds a passkey (Chromium virtual authenticator), then signs in with it', async () => {
    const created = await call('POST', '/v1.0/identity/conditionalAccess/policies', {
      ...guestPolicy('Phishing-resistant MFA for guests', 'enabled', { operator: 'OR', builtInControls: [], authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { page } = browser;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    try {
      await page.context().clearCookies({ domain: 'localhost' });
      await signInThroughPartner();
      // The partner's MFA is trusted but is not phishing-resistant; no passkey yet: prove the app first, then add one.
      await page.waitForURL(`${gh.url}/signin/mfa**`);
      await page.getByLabel('Code from your authenticator app').fill(await nextCode());
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('button', { name: 'Add a passkey and continue' }).click({ timeout: 10_000 }).catch(async (error: unknown) => {
        throw new Error(`at ${page.url()}: ${await page.locator('body').innerText()}`, { cause: error });
      });
      await page.waitForURL(`${gh.url}/my-account`);
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1);

      await page.context().clearCookies({ domain: 'localhost' });
      await signInThroughPartner();
      await page.waitForURL(`${gh.url}/signin/mfa**`);
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await page.waitForURL(`${gh.url}/my-account`);
      const log = await call('GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent("userType eq 'guest'")}&$top=1`);
      const latest = (log.body.value as { status: { errorCode: number }; authenticationDetails: { authenticationMethod: string }[] }[])[0];
      assert.equal(latest?.status.errorCode, 0);
      assert.ok(latest?.authenticationDetails.some((d) => d.authenticationMethod === 'Passkey'), JSON.stringify(latest?.authenticationDetails));
    } finally {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
      await call('PATCH', `/v1.0/identity/conditionalAccess/policies/${String(created.body.id)}`, { state: 'disabled' });
    }
  });

  it('a blocked country seen through the trusted proxy is refused with a clear page', async () => {
    const location = await call('POST', '/v1.0/identity/conditionalAccess/namedLocations', { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Blocked countries', countriesAndRegions: ['GB'], includeUnknownCountriesAndRegions: false });
    assert.equal(location.status, 201);
    assert.equal((await call('POST', '/v1.0/identity/conditionalAccess/policies', guestPolicy('Block guests from GB', 'enabled', { operator: 'OR', builtInControls: ['block'] }, { locations: { includeLocations: [location.body.id], excludeLocations: [] } }))).status, 201);
    const { page } = browser;
    await page.context().clearCookies({ domain: 'localhost' });
    await page.setExtraHTTPHeaders({ 'x-forwarded-for': GB_ADDRESS });
    try {
      await signInThroughPartner();
      await page.waitForURL(`${gh.url}/signin/blocked**`).catch(async (error: unknown) => {
        throw new Error(`ended at ${page.url()}: ${await page.locator('body').innerText()}`, { cause: error });
      });
      await page.getByText(/access policy does not allow this sign-in/).waitFor();
    } finally {
      await page.setExtraHTTPHeaders({});
    }
    const log = await call('GET', `/v1.0/auditLogs/signIns?$top=1`);
    const latest = (log.body.value as { status: { errorCode: number }; location: { countryOrRegion: string | null } }[])[0];
    assert.equal(latest?.status.errorCode, 53003);
    assert.equal(latest?.location.countryOrRegion, 'GB');
  });

  it('the same header from an untrusted hop is ignored (a node with no proxy configured)', async () => {
    const domain = gh.gatehouse.bootstrap.tenant.initialDomain;
    const password = 'a long enough test password 1';
    const user = await call('POST', '/v1.0/users', { accountEnabled: true, displayName: 'Travelling Member', mailNickname: 'traveller', userPrincipalName: `traveller@${domain}`, passwordProfile: { password, forceChangePasswordNextSignIn: false } });
    assert.equal(user.status, 201);
    const location = (await call('GET', '/v1.0/identity/conditionalAccess/namedLocations')).body.value as { id: string; displayName: string }[];
    const blocked = location.find((l) => l.displayName === 'Blocked countries');
    const policy = structuredClone(guestPolicy('Block the traveller from GB', 'enabled', { operator: 'OR', builtInControls: ['block'] }, { locations: { includeLocations: [blocked?.id], excludeLocations: [] } })) as { conditions: { users: Record<string, unknown> } };
    policy.conditions.users.includeUsers = [String(user.body.id)];
    delete policy.conditions.users.includeGuestsOrExternalUsers;
    assert.equal((await call('POST', '/v1.0/identity/conditionalAccess/policies', policy)).status, 201);
    const signIn = (url: string) => fetch(`${url}/portal/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': GB_ADDRESS }, body: JSON.stringify({ userName: `traveller@${domain}`, password }) });

    // Through the node that trusts one proxy hop, the header names the client: blocked.
    const refused = await signIn(gh.url);
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { innerError: { code: string } } }).error.innerError.code, 'SIGN_IN_BLOCKED');
    const masterKey = (await readFile(path.join(gh.dataDir, 'master.key'), 'utf8')).trim();
    const direct = await startTestGatehouse({ tenantDisplayName: 'Contoso', masterKey }, { shareDatabaseOf: gh });
    try {
      // A node with no proxy configured takes the peer address (loopback): the forged header changes nothing.
      const allowed = await signIn(direct.url);
      assert.equal(allowed.status, 200);
      const log = await call('GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`userId eq '${String(user.body.id)}'`)}`);
      const entries = log.body.value as { ipAddress: string; status: { errorCode: number } }[];
      assert.deepEqual(entries.map((e) => [e.ipAddress === GB_ADDRESS, e.status.errorCode]), [[false, 0], [true, 53003]]);
    } finally {
      await direct.stop();
    }
  });
});
