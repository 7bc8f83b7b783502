import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConsoleMessage, Page } from 'playwright-core';
import { launchChromium, ROOT, type TestChromium, signInAsBootstrapAdmin } from '../helpers/chromium.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * The administrator's B2B pages in a real Chromium, each change checked through the API afterwards: a single
 * invitation, a bulk upload with live progress, the external collaboration settings, an identity provider, a
 * partner organization and the cross-tenant defaults. No SMTP server here, so mail lands in the outbox.
 */
const ADMIN_PASSWORD = 'correct horse battery staple';
/** The session probe before sign-in (401) and the refused domain below (400) are expected. */
const expected = (message: ConsoleMessage): boolean => /status of 40[01]/.test(message.text());

describe('B2B administration in Chromium', () => {
  let gh: TestGatehouse;
  let browser: TestChromium;
  let page: Page;
  let token = '';
  const api = async (p: string) => (await (await fetch(`${gh.url}${p}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;
  const nav = async (name: string) => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name }).click();
  };

  before(async () => {
    browser = await launchChromium({ expectedConsoleError: expected });
    page = browser.page;
    gh = await startTestGatehouse();
    token = await gh.appToken(['User.Invite.All', 'Directory.Read.All', 'Policy.Read.All', 'IdentityProvider.ReadWrite.All', 'EntitlementManagement.Read.All']);
    await signInAsBootstrapAdmin(page, gh, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await gh?.stop();
  });

  it('invites a guest and shows the one-time redeem link and the queued mail', async () => {
    await nav('Invitations');
    await page.getByRole('button', { name: 'New invitation' }).click();
    const dialog = page.getByRole('dialog', { name: 'New invitation' });
    await dialog.getByLabel('Email address').fill('ui.guest@vendor.test');
    await dialog.getByLabel('Display name').fill('Ulla Guest');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    const link = page.getByRole('textbox', { name: 'Redeem link' });
    await link.waitFor();
    assert.match(await link.inputValue(), /\/redeem#rd=/);
    await page.getByRole('table', { name: 'Invitations' }).getByText('ui.guest@vendor.test').waitFor();
    await page.getByRole('tab', { name: 'Outbox' }).click();
    await page.getByRole('table', { name: 'Outbox' }).getByText('ui.guest@vendor.test').waitFor();
    const invitations = (await api('/v1.0/invitations')).value as { invitedUserEmailAddress: string; status: string }[];
    assert.ok(invitations.some((i) => i.invitedUserEmailAddress === 'ui.guest@vendor.test' && i.status === 'PendingAcceptance'));
  });

  it('uploads a bulk CSV and follows its progress to the end', async () => {
    await page.getByRole('tab', { name: 'Invitations' }).click();
    await page.getByRole('button', { name: 'Bulk invite' }).click();
    const dialog = page.getByRole('dialog', { name: 'Bulk invite' });
    const csv = `UserPrincipalName,DisplayName,InviteRedirectUrl\nbulk.one@vendor.test,Bulk One,${gh.url}/\nnot-an-address,Broken,${gh.url}/\nbulk.two@vendor.test,Bulk Two,${gh.url}/\n`;
    await dialog.locator('input[type="file"]').setInputFiles({ name: 'guests.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await dialog.getByText('3 / 3 processed, 2 succeeded, 1 failed').waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Download results' }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('table', { name: 'Invitations' }).getByText('bulk.two@vendor.test').waitFor();
  });

  it('changes the external collaboration settings', async () => {
    await nav('External collaboration');
    const form = page.getByRole('form', { name: 'External collaboration settings' });
    await form.getByLabel('Block these domains').check();
    const domains = form.getByRole('combobox', { name: 'Domains' });
    await domains.fill('competitor.test');
    await domains.press('Enter');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
    assert.deepEqual((await api('/v1.0/policies/externalCollaborationSettings')).blockedDomains, ['competitor.test']);
  });

  it('adds an OpenID identity provider and a partner organization', async () => {
    await nav('Identity providers');
    await page.getByRole('button', { name: 'New identity provider' }).click();
    const dialog = page.getByRole('dialog', { name: 'New identity provider' });
    await dialog.getByLabel('Display name').fill('Vendor Login');
    const domains = dialog.getByRole('combobox', { name: 'Domains' });
    await domains.fill('vendor.test');
    await domains.press('Enter');
    await dialog.getByLabel('Issuer URL').fill('https://login.vendor.test');
    await dialog.getByLabel('Client ID').fill('gatehouse');
    await dialog.getByLabel('Client secret').fill('vendor issued secret');
    await dialog.getByRole('button', { name: 'Add identity provider' }).click();
    await page.getByRole('table', { name: 'Identity providers' }).getByText('Vendor Login').waitFor();
    const providers = (await api('/v1.0/identity/identityProviders')).value as { displayName: string; domains: string[]; clientSecret: string }[];
    assert.deepEqual(providers.map((p) => [p.displayName, p.domains, p.clientSecret]), [['Vendor Login', ['vendor.test'], '******']]);

    await nav('Partner organizations');
    await page.getByRole('button', { name: 'New partner organization' }).click();
    const partner = page.getByRole('dialog', { name: 'New partner organization' });
    await partner.getByLabel('Display name').fill('Vendor Ltd');
    await partner.getByLabel('Domain').fill('vendor.test');
    await partner.getByRole('button', { name: 'Create partner organization' }).click();
    await page.getByRole('heading', { name: 'Vendor Ltd' }).waitFor();
    const orgs = (await api('/v1.0/identityGovernance/entitlementManagement/connectedOrganizations')).value as { displayName: string }[];
    assert.deepEqual(orgs.map((o) => o.displayName), ['Vendor Ltd']);
  });

  it('trusts partner MFA in the cross-tenant defaults', async () => {
    await nav('Cross-tenant access');
    await page.getByLabel('Trust multifactor authentication from partner organizations').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').first().waitFor();
    const deadline = Date.now() + 10_000;
    let trusted = false;
    while (!trusted && Date.now() < deadline) {
      trusted = ((await api('/v1.0/policies/crossTenantAccessPolicy/default')).inboundTrust as { isMfaAccepted: boolean }).isMfaAccepted;
      if (!trusted) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(trusted, true);
    await mkdir(path.join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-output/cross-tenant.png') });
    assert.deepEqual(browser.problems, []);
  });
});
