import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConsoleMessage, Page } from 'playwright-core';
import { launchChromium, type TestChromium, signInAsBootstrapAdmin } from '../helpers/chromium.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * The Conditional Access pages in a real Chromium: a policy created from the "Require MFA for guests" template
 * (report-only by default), then a what-if for a guest that shows the policy applying without changing the outcome.
 */
const ADMIN_PASSWORD = 'correct horse battery staple';
/** The session probe before sign-in (401) is expected. */
const expected = (message: ConsoleMessage): boolean => /status of 401/.test(message.text());

describe('Conditional Access in Chromium', () => {
  let gh: TestGatehouse;
  let browser: TestChromium;
  let page: Page;
  let token = '';
  const api = async (p: string, init: RequestInit = {}) =>
    (await (await fetch(`${gh.url}${p}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } })).json()) as Record<string, unknown>;

  before(async () => {
    browser = await launchChromium({ expectedConsoleError: expected });
    page = browser.page;
    gh = await startTestGatehouse();
    token = await gh.appToken(['User.Invite.All', 'Policy.Read.All']);
    const invited = await api('/v1.0/invitations', { method: 'POST', body: JSON.stringify({ invitedUserEmailAddress: 'vera@vendor.test', invitedUserDisplayName: 'Vera Vendor', inviteRedirectUrl: `${gh.url}/`, sendInvitationMessage: false }) });
    assert.ok((invited.invitedUser as { id?: string }).id, JSON.stringify(invited));
    await signInAsBootstrapAdmin(page, gh, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await gh?.stop();
  });

  it('creates a report-only policy from a template and sees it apply in what-if', async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Conditional Access' }).click();
    await page.getByRole('button', { name: 'New policy' }).click();
    await page.getByRole('menuitem', { name: /Require MFA for guests/ }).click();
    const dialog = page.getByRole('dialog', { name: 'New policy' });
    assert.equal(await dialog.getByLabel('Name').inputValue(), 'Require MFA for guests');
    await dialog.getByRole('checkbox', { name: 'Guests or external users', exact: true }).waitFor();
    assert.equal(await dialog.getByRole('radio', { name: 'Report-only' }).isChecked(), true, 'new policies are report-only by default');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('table', { name: 'Conditional Access policies' }).getByRole('row').filter({ hasText: 'Require MFA for guests' });
    await row.getByText('Report-only').waitFor();

    const stored = ((await api('/v1.0/identity/conditionalAccess/policies')).value as Record<string, unknown>[])[0]!;
    assert.equal(stored.state, 'enabledForReportingButNotEnforced');
    const users = (stored.conditions as { users: { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: string } } }).users;
    assert.equal(users.includeGuestsOrExternalUsers.guestOrExternalUserTypes, 'internalGuest,b2bCollaborationGuest,b2bCollaborationMember');

    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'What if' }).click();
    const form = page.getByRole('form', { name: 'What-if sign-in' });
    await form.getByRole('combobox', { name: 'User', exact: true }).fill('Vera');
    await page.getByRole('option', { name: /Vera Vendor/ }).click();
    await form.getByRole('button', { name: 'What if' }).click();
    await page.getByTestId('what-if-decision').filter({ hasText: 'Allowed' }).waitFor();
    const result = page.getByRole('table', { name: 'Policy evaluation' }).getByRole('row').filter({ hasText: 'Require MFA for guests' });
    await result.getByText('Applies', { exact: true }).waitFor();
    await result.getByText('reportOnlyFailure').waitFor();
    assert.deepEqual(browser.problems, []);
  });
});
