import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { startPartnerIdp, type PartnerIdp } from '../helpers/partner-idp.ts';
import { Browser, jsonCall } from '../auth/browser.ts';

interface Json {
  [key: string]: unknown;
}

/**
 * Bring-your-own-identity: invitees and guests of vendor.test sign in at the vendor's own OpenID provider (a real
 * oidc-provider on loopback). Gatehouse never sees their password; it checks what the vendor's provider says.
 */
describe('redemption and guest sign-in through a partner OpenID provider', () => {
  let gh: TestGatehouse;
  let partner: PartnerIdp;
  let admin = '';
  let providerId = '';

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gh.url}${path}`, { method, headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const invite = async (email: string) => {
    const res = await api('POST', '/v1.0/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: `${gh.url}/my-account` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { token: (res.body.inviteRedeemUrl as string).split('#rd=')[1] as string, userId: (res.body.invitedUser as Json).id as string, id: res.body.id as string };
  };

  /** Follow redirects between Gatehouse and the partner; sign in at the partner's form when it appears. */
  async function through(browser: Browser, start: string, login: { username: string; password: string } | null): Promise<string> {
    let next: string | null = start;
    for (let hops = 0; hops < 20 && next; hops++) {
      const url: string = next;
      const res = await browser.request(url);
      if (res.status >= 300 && res.status < 400) {
        next = new URL(res.location as string, url.startsWith('http') ? url : gh.url).href;
        if (!next.startsWith(partner.issuer) && !next.includes('/portal/api/')) return next;
        continue;
      }
      const form = /action="([^"]+\/login)"/.exec(res.text);
      assert.ok(form && login, `unexpected page at ${url}: ${res.status} ${res.text.slice(0, 300)}`);
      const posted = await browser.request(new URL(form[1] as string, partner.issuer).href, { form: login });
      assert.ok(posted.status === 303, `partner login failed: ${posted.status} ${posted.text.slice(0, 200)}`);
      next = new URL(posted.location as string, partner.issuer).href;
    }
    throw new Error('too many redirects');
  }

  const accounts = [
    { sub: 'vendor-0001', email: 'sam@vendor.test', name: 'Sam Vendor', password: 'vendor password 1', amr: ['pwd', 'mfa'], groups: ['vendor-field-engineers'] },
    { sub: 'vendor-0002', email: 'kim@vendor.test', name: 'Kim Vendor', password: 'vendor password 2', amr: ['pwd'] },
    { sub: 'vendor-0003', email: 'lee@vendor.test', name: 'Lee Vendor', password: 'vendor password 3', amr: ['pwd'] },
    { sub: 'vendor-0004', email: 'ada@vendor.test', name: 'Ada Vendor', password: 'vendor password 4', amr: ['pwd'] },
  ];
  const login = (i: number) => ({ username: accounts[i]?.email as string, password: accounts[i]?.password as string });

  before(async () => {
    gh = await startTestGatehouse({}, process.env.DEBUG_LOG ? { logger: (await import('#src/core/logger.ts')).createLogger('error') } : {});
    partner = await startPartnerIdp({ redirectUri: `${gh.url}/portal/api/federation/callback`, accounts });
    admin = await gh.appToken(['User.Invite.All', 'User.ReadWrite.All', 'AuditLog.Read.All', 'IdentityProvider.ReadWrite.All', 'Policy.ReadWrite.CrossTenantAccess']);
    const created = await api('POST', '/v1.0/identity/identityProviders', {
      '@odata.type': '#microsoft.graph.openIdConnectIdentityProvider',
      displayName: 'Vendor Corp',
      issuer: partner.issuer,
      clientId: partner.clientId,
      clientSecret: partner.clientSecret,
      scope: 'openid email profile groups',
      domains: ['vendor.test'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    providerId = created.body.id as string;
    assert.equal(created.body.clientSecret, '******', 'the secret is never returned');
  });
  after(async () => {
    await gh?.stop();
    await partner?.close();
  });

  it('redeems at the partner provider: the guest is bound to its issuer and subject, and signed in', async () => {
    const { token, userId } = await invite('sam@vendor.test');
    const browser = new Browser(gh.url);
    const opened = await jsonCall(browser, 'POST', '/portal/api/redeem', { token });
    assert.equal(opened.body.method, 'oidc');
    assert.equal(opened.body.providerDisplayName, 'Vendor Corp');
    const landed = await through(browser, '/portal/api/federation/start', login(0));
    assert.equal(new URL(landed).pathname, '/redeem');
    const view = await jsonCall(browser, 'GET', '/portal/api/redeem');
    assert.equal(view.body.step, 'consent', JSON.stringify(view.body));
    const done = await jsonCall(browser, 'POST', '/portal/api/redeem/consent', { accept: true });
    assert.equal(done.body.redirectUrl, `${gh.url}/my-account`);
    const user = (await api('GET', `/v1.0/users/${userId}`)).body;
    assert.equal(user.externalUserState, 'Accepted');
    assert.deepEqual(user.identities, [{ signInType: 'federated', issuer: partner.issuer, issuerAssignedId: 'vendor-0001' }]);
    const me = await jsonCall(browser, 'GET', '/portal/api/session');
    assert.equal((me.body.user as Json).id, userId);
  });

  it('signs the guest in again only through the same partner identity, and records its MFA claim', async () => {
    const browser = new Browser(gh.url);
    const started = await jsonCall(browser, 'POST', '/portal/api/guest-session', { email: 'SAM@vendor.test' });
    assert.deepEqual(started.body, { method: 'federated', providerDisplayName: 'Vendor Corp' });
    const landed = await through(browser, '/portal/api/federation/start', login(0));
    assert.equal(new URL(landed).pathname, '/my-account');
    assert.ok(browser.cookies.has('gatehouse_session'));
    const audit = (await api('GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Sign in'")}`)).body.value as Json[];
    const details = audit.flatMap((a) => a.additionalDetails as { key: string; value: string }[]);
    assert.ok(details.some((d) => d.key === 'partnerAmr' && d.value === 'pwd mfa'), JSON.stringify(audit.slice(0, 2)));

    // Another account at the same partner claiming the same address is not the identity that redeemed.
    const imposter = new Browser(gh.url);
    await jsonCall(imposter, 'POST', '/portal/api/guest-session', { email: 'sam@vendor.test' });
    accounts.push({ sub: 'vendor-9999', email: 'sam@vendor.test', name: 'Not Sam', password: 'imposter password', amr: ['pwd'] });
    try {
      const refused = await through(imposter, '/portal/api/federation/start', { username: 'sam@vendor.test', password: 'imposter password' });
      assert.equal(new URL(refused).pathname, '/signin/guest');
      assert.equal(imposter.cookies.has('gatehouse_session'), false);
    } finally {
      accounts.pop();
    }
  });

  it('refuses a partner sign-in as a different address than invited, with a clear message', async () => {
    const { token, userId } = await invite('kim@vendor.test');
    const browser = new Browser(gh.url);
    await jsonCall(browser, 'POST', '/portal/api/redeem', { token });
    const landed = await through(browser, '/portal/api/federation/start', login(2));
    assert.equal(new URL(landed).pathname, '/redeem');
    const view = await jsonCall(browser, 'GET', '/portal/api/redeem');
    assert.equal(view.body.step, 'verify');
    assert.match(view.body.federationError as string, /as lee@vendor\.test, but this invitation is for kim@vendor\.test/);
    assert.equal((await api('GET', `/v1.0/users/${userId}`)).body.externalUserState, 'PendingAcceptance');
  });

  for (const tamper of ['badSignature', 'wrongAudience', 'wrongNonce'] as const) {
    it(`refuses an ID token with ${tamper}`, async () => {
      const { token, userId } = await invite(`kim+${tamper.toLowerCase()}@vendor.test`.replace('+', '.'));
      const browser = new Browser(gh.url);
      await jsonCall(browser, 'POST', '/portal/api/redeem', { token });
      partner.tamper = tamper;
      try {
        await through(browser, '/portal/api/federation/start', login(1));
      } finally {
        partner.tamper = 'none';
      }
      const view = await jsonCall(browser, 'GET', '/portal/api/redeem');
      assert.match(view.body.federationError as string, /was not accepted/, JSON.stringify(view.body));
      assert.equal((await api('GET', `/v1.0/users/${userId}`)).body.externalUserState, 'PendingAcceptance');
    });
  }

  it('refuses a callback it did not start (forged state, replayed code)', async () => {
    const { token } = await invite('ada@vendor.test');
    const browser = new Browser(gh.url);
    await jsonCall(browser, 'POST', '/portal/api/redeem', { token });
    const forged = await browser.request('/portal/api/federation/callback?code=abc&state=forged&iss=' + encodeURIComponent(partner.issuer));
    assert.equal(forged.status, 302);
    assert.match((await jsonCall(browser, 'GET', '/portal/api/redeem')).body.federationError as string, /not started here|was not accepted/);
  });

  it('accepts the cross-tenant seed JSON as-is and enforces inbound settings at redemption', async () => {
    const seed = '{"b2bCollaborationInbound":{"usersAndGroups":{"accessType":"allowed","targets":["tenant-id-here"]},"applications":{"accessType":"allowed","targets":["app-id-here"]}},"b2bCollaborationOutbound":{"usersAndGroups":{"accessType":"blocked"},"applications":{"accessType":"blocked"}}}';
    const seeded = await fetch(`${gh.url}/v1.0/policies/crossTenantAccessPolicy/default`, { method: 'PATCH', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: seed });
    assert.equal(seeded.status, 204, await seeded.text());
    const stored = (await api('GET', '/v1.0/policies/crossTenantAccessPolicy/default')).body;
    assert.deepEqual((stored.b2bCollaborationInbound as Json).usersAndGroups, { accessType: 'allowed', targets: [{ target: 'tenant-id-here', targetType: 'user' }] });
    assert.equal(stored.isServiceDefault, false);
    try {
      // Only users listed by the partner's ids may come in: Ada is not one of them.
      const { token, userId } = await invite('ada@vendor.test');
      const browser = new Browser(gh.url);
      await jsonCall(browser, 'POST', '/portal/api/redeem', { token });
      await through(browser, '/portal/api/federation/start', login(3));
      assert.match((await jsonCall(browser, 'GET', '/portal/api/redeem')).body.federationError as string, /only for listed users and groups/);
      assert.equal((await api('GET', `/v1.0/users/${userId}`)).body.externalUserState, 'PendingAcceptance');

      // The partner's own settings (keyed by its issuer) allow Ada's group... no: allow Ada herself, and consent automatically.
      const partnerSettings = await api('POST', '/v1.0/policies/crossTenantAccessPolicy/partners', {
        tenantId: partner.issuer,
        b2bCollaborationInbound: { usersAndGroups: { accessType: 'allowed', targets: [{ target: 'vendor-0004', targetType: 'user' }] }, applications: { accessType: 'allowed', targets: [{ target: 'AllApplications', targetType: 'application' }] } },
        automaticUserConsentSettings: { inboundAllowed: true },
        inboundTrust: { isMfaAccepted: true },
      });
      assert.equal(partnerSettings.status, 201, JSON.stringify(partnerSettings.body));
      const again = new Browser(gh.url);
      await jsonCall(again, 'POST', '/portal/api/redeem', { token });
      const landed = await through(again, '/portal/api/federation/start', login(3));
      assert.equal(landed, `${gh.url}/my-account`, 'automatic consent: straight to the redirect URL');
      assert.ok(again.cookies.has('gatehouse_session'));
      assert.equal((await api('GET', `/v1.0/users/${userId}`)).body.externalUserState, 'Accepted');
    } finally {
      assert.equal((await api('POST', '/v1.0/policies/crossTenantAccessPolicy/default/resetToSystemDefault')).status, 204);
      await api('DELETE', `/v1.0/policies/crossTenantAccessPolicy/partners/${encodeURIComponent(partner.issuer)}`);
    }
  });

  it('validates identity providers: domains served once, https issuers, no secret in reads', async () => {
    const clash = await api('POST', '/v1.0/identity/identityProviders', { '@odata.type': '#microsoft.graph.openIdConnectIdentityProvider', displayName: 'Copy', issuer: partner.issuer, clientId: 'x', clientSecret: 'y', domains: ['vendor.test'] });
    assert.equal(clash.status, 400);
    assert.match((clash.body.error as Json).message as string, /already served by the identity provider 'Vendor Corp'/);
    const plain = await api('POST', '/v1.0/identity/identityProviders', { '@odata.type': '#microsoft.graph.openIdConnectIdentityProvider', displayName: 'Plain', issuer: 'http://idp.example.com', clientId: 'x', clientSecret: 'y', domains: ['other.test'] });
    assert.equal(plain.status, 400);
    const unknownType = await api('POST', '/v1.0/identity/identityProviders', { '@odata.type': '#microsoft.graph.socialIdentityProvider', displayName: 'Social' });
    assert.equal(unknownType.status, 400);
    const listed = JSON.stringify((await api('GET', '/v1.0/identity/identityProviders')).body);
    assert.ok(!listed.includes(partner.clientSecret));
    const audit = JSON.stringify((await api('GET', '/v1.0/auditLogs/directoryAudits?$top=999')).body);
    assert.ok(!audit.includes(partner.clientSecret), 'the client secret is not in the audit log');
    assert.equal((await api('PATCH', `/v1.0/identity/identityProviders/${providerId}`, { displayName: 'Vendor Corp' })).status, 204);
  });
});
