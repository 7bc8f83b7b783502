import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConsoleMessage } from 'playwright-core';
import { launchChromium, ROOT, type TestChromium } from '../helpers/chromium.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { startPartnerIdp, type PartnerIdp } from '../helpers/partner-idp.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

/**
 * Bring-your-own-identity in a real Chromium: the invitation mail's link, the partner's own sign-in page (a real
 * oidc-provider), consent, the redirect to My Account; then signing out and back in as a guest, and leaving.
 */
const expected = (message: ConsoleMessage): boolean => /status of 401/.test(message.text());

describe('redeeming through the partner identity provider in Chromium', () => {
  let gh: TestGatehouse;
  let smtp: TestSmtp;
  let partner: PartnerIdp;
  let browser: TestChromium;
  let token = '';

  before(async () => {
    browser = await launchChromium({ expectedConsoleError: expected });
    smtp = await startTestSmtp();
    gh = await startTestGatehouse({ smtpUrl: smtp.url, tenantDisplayName: 'Contoso' });
    partner = await startPartnerIdp({
      redirectUri: `${gh.url}/portal/api/federation/callback`,
      accounts: [{ sub: 'fabrikam-42', email: 'field.engineer@fabrikam.test', name: 'Fran Engineer', password: 'fabrikam password', amr: ['pwd', 'mfa'] }],
    });
    token = await gh.appToken(['User.Invite.All', 'User.Read.All', 'IdentityProvider.ReadWrite.All', 'Policy.ReadWrite.Authorization']);
    const call = (method: string, p: string, body: unknown) => fetch(`${gh.url}${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const idp = await call('POST', '/v1.0/identity/identityProviders', { '@odata.type': '#microsoft.graph.openIdConnectIdentityProvider', displayName: 'Fabrikam', issuer: partner.issuer, clientId: partner.clientId, clientSecret: partner.clientSecret, domains: ['fabrikam.test'] });
    assert.equal(idp.status, 201);
    assert.equal((await call('PATCH', '/v1.0/policies/externalCollaborationSettings', { termsOfUseUrl: 'https://contoso.test/terms' })).status, 200);
  });
  after(async () => {
    await browser?.close();
    await gh?.stop();
    await partner?.close();
    await smtp?.close();
  });

  it('follows the mailed link through the partner sign-in and consent to My Account', async () => {
    const invited = await fetch(`${gh.url}/v1.0/invitations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ invitedUserEmailAddress: 'field.engineer@fabrikam.test', invitedUserDisplayName: 'Fran Engineer', inviteRedirectUrl: `${gh.url}/my-account`, sendInvitationMessage: true }),
    });
    assert.equal(invited.status, 201);
    const mail = await smtp.waitFor((m) => m.to.includes('field.engineer@fabrikam.test'));
    const link = /(http:\/\/localhost:\d+\/redeem#rd=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1] as string;
    const { page } = browser;
    await page.goto(link);
    await page.getByRole('heading', { name: 'Join Contoso' }).waitFor();
    await page.getByRole('link', { name: 'Sign in with Fabrikam' }).click();

    await page.waitForURL(`${partner.issuer}/**`);
    await page.getByLabel('Email').fill('field.engineer@fabrikam.test');
    await page.getByLabel('Password').fill('fabrikam password');
    await page.getByRole('button', { name: 'Sign in at Vendor' }).click();

    await page.waitForURL(`${gh.url}/redeem`);
    await page.getByRole('link', { name: 'Terms of use' }).waitFor();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(`${gh.url}/my-account`);
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.getByRole('region', { name: 'Sign-in methods' }).getByText("Fabrikam (your organization's sign-in)").waitFor();
    await mkdir(path.join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-output/my-account.png') });
  });

  it('signs out, signs back in as a guest through the partner, and leaves the organization', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${gh.url}/signin`);
    await page.getByRole('link', { name: 'Sign in as a guest' }).click();
    await page.getByLabel('Email address').fill('field.engineer@fabrikam.test');
    await page.getByRole('button', { name: 'Continue' }).click();
    // The partner still has its own session: it answers without asking again.
    await page.waitForURL(`${gh.url}/my-account`);
    await page.getByRole('button', { name: 'Leave organization' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Leave organization' }).click();
    await page.waitForURL(`${gh.url}/signin`);
    await page.getByRole('status').filter({ hasText: 'You left Contoso' }).waitFor();
    const deleted = (await (await fetch(`${gh.url}/v1.0/directory/deletedItems/microsoft.graph.user`, { headers: { authorization: `Bearer ${token}` } })).json()) as { value: { mail: string }[] };
    assert.deepEqual(deleted.value.map((u) => u.mail), ['field.engineer@fabrikam.test']);
    // Only Gatehouse's pages are under test (the partner's test server has no favicon).
    assert.deepEqual(browser.problems.filter((p) => !p.url?.startsWith(partner.issuer)), []);
  });
});
