import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConsoleMessage, Page } from 'playwright-core';
import { appendSignInLog, type SignInLogEntry } from '#src/audit/index.ts';
import { manualClock } from '#src/core/clock.ts';
import { newId } from '#src/core/crypto.ts';
import { launchChromium, ROOT, type TestChromium, signInAsBootstrapAdmin } from '../helpers/chromium.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * The Sign-in log page in a real Chromium. The entries are seeded with appendSignInLog directly in the node's
 * database (not produced by real sign-ins, which the sign-in pipeline's own tests cover), so the page is checked
 * against known content: the table, the guest filter, and the detail drawer explaining a blocked sign-in.
 */
const ADMIN_PASSWORD = 'correct horse battery staple';
const SCREENSHOT = path.join(ROOT, 'test-output/ui-sign-in-log.png');
/** The session probe before sign-in answers 401. */
const expected = (message: ConsoleMessage): boolean => /status of 401/.test(message.text());

describe('sign-in log page in Chromium', () => {
  let gh: TestGatehouse;
  let browser: TestChromium;
  let page: Page;
  let blockedId = '';

  before(async () => {
    browser = await launchChromium({ expectedConsoleError: expected });
    page = browser.page;
    gh = await startTestGatehouse();

    const tenant = gh.gatehouse.bootstrap.tenant.id;
    const base: SignInLogEntry = {
      userId: newId(), userPrincipalName: 'maria.member@gatehouse.local', userDisplayName: 'Maria Member', userType: 'member',
      appId: newId(), appDisplayName: 'Gatehouse portal', ipAddress: '198.51.100.20', clientAppUsed: 'Browser', isInteractive: true,
      homeTenantId: tenant, resourceTenantId: tenant, status: { errorCode: 0 }, conditionalAccessStatus: 'success',
      location: { city: 'Paris', countryOrRegion: 'FR', latitude: 48.8566, longitude: 2.3522 },
      authenticationRequirement: 'multiFactorAuthentication',
      authenticationDetails: [
        { authenticationMethod: 'Password', succeeded: true },
        { authenticationMethod: 'Authenticator app (TOTP)', succeeded: true },
      ],
      appliedConditionalAccessPolicies: [{ id: newId(), displayName: 'Require MFA for everyone', enforcedGrantControls: ['Mfa'], enforcedSessionControls: [], result: 'success', reasons: ['users: All'] }],
    };
    const db = gh.gatehouse.database.db;
    const clock = manualClock(new Date(Date.now() - 10 * 60_000));
    await appendSignInLog(db, clock, base);
    clock.advance(60_000);
    await appendSignInLog(db, clock, { ...base, status: { errorCode: 50126 }, conditionalAccessStatus: 'notApplied', appliedConditionalAccessPolicies: [], authenticationDetails: [{ authenticationMethod: 'Password', succeeded: false }] });
    clock.advance(60_000);
    blockedId = (await appendSignInLog(db, clock, {
      ...base,
      userId: newId(), userPrincipalName: 'gus_vendor.test#EXT#@gatehouse.local', userDisplayName: 'Gus Guest', userType: 'guest',
      homeTenantId: newId(), ipAddress: '203.0.113.77', status: { errorCode: 53003 }, conditionalAccessStatus: 'failure',
      location: { city: 'Sydney', countryOrRegion: 'AU', latitude: -33.8688, longitude: 151.2093 },
      deviceDetail: { browser: 'Firefox 140', operatingSystem: 'Linux' },
      appliedConditionalAccessPolicies: [
        { id: newId(), displayName: 'Block guests outside Europe', enforcedGrantControls: ['Block'], enforcedSessionControls: [], result: 'failure', reasons: ['location AU is not in excludeLocations Europe'] },
        { id: newId(), displayName: 'Require compliant device (report-only)', enforcedGrantControls: ['RequireCompliantDevice'], enforcedSessionControls: [], result: 'reportOnlyFailure', reasons: ['device is not compliant'] },
      ],
      risk: { level: 'high', reasons: [{ type: 'impossibleTravel', detail: '16,961 km from the previous sign-in (Paris, FR) to Sydney, AU in 1 h' }, { type: 'newCountry', detail: 'First sign-in from AU' }] },
      authenticationDetails: [{ authenticationMethod: 'Federated', succeeded: true }],
    })).id;

    await signInAsBootstrapAdmin(page, gh, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await gh?.stop();
  });

  it('lists the sign-ins with status, Conditional Access, address, place and risk', async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Sign-in log' }).click();
    await page.waitForURL(`${gh.url}/sign-ins`);
    const table = page.getByRole('table', { name: 'Sign-in log' });
    const guestRow = table.getByRole('row').filter({ hasText: 'gus_vendor.test#EXT#@gatehouse.local' });
    await guestRow.waitFor();
    for (const text of ['Failure 53003', 'Failure', '203.0.113.77', 'Sydney, AU', 'high']) {
      await guestRow.getByText(text, { exact: true }).first().waitFor();
    }
    const member = table.getByRole('row').filter({ hasText: 'maria.member@gatehouse.local' });
    assert.equal(await member.count(), 2);
    await member.getByText('Failure 50126', { exact: true }).waitFor();
  });

  it('filters to guests', async () => {
    await page.getByLabel('User type').selectOption('guest');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const rows = page.getByRole('table', { name: 'Sign-in log' }).getByTestId('sign-in-row');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="sign-in-row"]').length === 1);
    assert.match((await rows.first().textContent()) ?? '', /Gus Guest/);
  });

  it('opens the details explaining why the sign-in was blocked', async () => {
    await page.getByRole('button', { name: /^Details of the sign-in by gus_vendor/ }).click();
    const drawer = page.getByRole('dialog', { name: 'Sign-in details' });
    await drawer.getByText('Failed (error 53003)').waitFor();
    await drawer.getByText('Access has been blocked by Conditional Access policies.', { exact: false }).waitFor();
    const policies = drawer.getByRole('table', { name: 'Conditional Access policies' });
    const block = policies.getByRole('row').filter({ hasText: 'Block guests outside Europe' });
    await block.getByText('Failure', { exact: true }).waitFor();
    await block.getByText('location AU is not in excludeLocations Europe').waitFor();
    const reportOnly = policies.getByRole('row').filter({ hasText: 'Require compliant device (report-only)' });
    await reportOnly.getByTitle('reportOnlyFailure').getByText('Report-only: failure').waitFor();
    const risk = drawer.getByRole('region', { name: 'Risk' });
    await risk.getByText('impossibleTravel').waitFor();
    await risk.getByText('16,961 km from the previous sign-in (Paris, FR) to Sydney, AU in 1 h').waitFor();
    await risk.getByText('newCountry').waitFor();
    await drawer.getByRole('region', { name: 'Device' }).getByText('Firefox 140').waitFor();
    await drawer.getByRole('region', { name: 'Location' }).getByText('-33.8688, 151.2093').waitFor();
    await drawer.getByRole('table', { name: 'Authentication details' }).getByText('Federated').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('id'), blockedId, 'the open sign-in is in the address, for sharing');
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    // Let the drawer finish sliding in, so the screenshot shows it whole.
    await page.waitForTimeout(500);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    assert.equal(new URL(page.url()).searchParams.get('id'), null);
  });

  it('opens a sign-in from a link and shows no browser errors', async () => {
    await page.goto(`${gh.url}/sign-ins?id=${blockedId}`);
    await page.getByRole('dialog', { name: 'Sign-in details' }).getByText('Block guests outside Europe').waitFor();
    assert.deepEqual(browser.problems, []);
  });
});
