import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { launchChromium, ROOT, type BrowserProblem, type TestChromium } from '../helpers/chromium.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * The admin UI in a real Chromium: first-start password setup, sign-in, creating a group, adding a member found
 * by search, and the audit log showing both changes. Console errors and CSP violations fail the run.
 */

const SCREENSHOT = path.join(ROOT, 'test-output/ui-audit.png');
const ADMIN_PASSWORD = 'correct horse battery staple';

/** The only console error a healthy run shows: the browser logging the session probe's 401 before sign-in. */
function expectedConsoleError(message: ConsoleMessage): boolean {
  return /status of 401/.test(message.text()) && message.location().url.includes('/portal/api/session');
}

describe('admin UI in Chromium', () => {
  let gh: TestGatehouse;
  let browser: TestChromium;
  let context: BrowserContext;
  let page: Page;
  let problems: BrowserProblem[] = [];
  let danaId = '';
  let groupId = '';

  before(async () => {
    browser = await launchChromium({ expectedConsoleError });
    ({ context, page, problems } = browser);
    gh = await startTestGatehouse();
    const token = await gh.appToken(['User.ReadWrite.All']);
    const created = await fetch(`${gh.url}/v1.0/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountEnabled: true, displayName: 'Dana Supplier', mailNickname: 'dana', userPrincipalName: 'dana@gatehouse.local', passwordProfile: { password: 'a long enough password' } }),
    });
    assert.equal(created.status, 201);
    danaId = ((await created.json()) as { id: string }).id;
  });

  after(async () => {
    await browser?.close();
    await gh?.stop();
  });

  it('lets the first administrator set a password through the one-time link', async () => {
    const link = gh.gatehouse.setupLink;
    assert.ok(link, 'a fresh node issues a setup link');
    assert.match(link, new RegExp(`^${gh.url}/set-password#token=`));
    await page.goto(link);
    await page.getByLabel('New password').fill(ADMIN_PASSWORD);
    await page.getByLabel('Confirm password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(`${gh.url}/signin`);
    await page.getByRole('status').filter({ hasText: 'Your password is set' }).waitFor();
  });

  it('signs the administrator in with that password', async () => {
    const upn = `admin@${gh.gatehouse.bootstrap.tenant.initialDomain}`;
    assert.equal(upn, 'admin@gatehouse.local');
    await page.getByLabel('User name', { exact: true }).fill(upn);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${gh.url}/users`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const cookies = await context.cookies(gh.url);
    const session = cookies.find((c) => c.name === 'gatehouse_session');
    assert.ok(session, `a session cookie is set: ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(session.httpOnly, true, 'scripts cannot read the session cookie');
    assert.equal(session.sameSite, 'Lax');
  });

  it('creates a group and adds a member found by searching', async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Groups' }).click();
    await page.waitForURL(`${gh.url}/groups`);
    await page.getByRole('button', { name: 'New group' }).click();
    const dialog = page.getByRole('dialog', { name: 'New group' });
    await dialog.getByLabel('Display name').fill('Vendor Contoso');
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await page.waitForURL(/\/groups\/[0-9a-f-]{36}$/);
    groupId = new URL(page.url()).pathname.split('/').pop() ?? '';
    await page.getByRole('heading', { name: 'Vendor Contoso' }).waitFor();

    await page.getByRole('combobox', { name: 'Search users to add as member' }).fill('Dana');
    await page.getByRole('option', { name: /Dana Supplier/ }).click();
    await page.getByRole('button', { name: 'Add member' }).click();
    const members = page.getByRole('table', { name: 'Members' });
    await members.getByRole('cell', { name: 'Dana Supplier', exact: true }).waitFor();
    await members.getByRole('cell', { name: 'dana@gatehouse.local', exact: true }).waitFor();

    // The change is real, not just on screen.
    const token = await gh.appToken(['Group.Read.All']);
    const listed = await fetch(`${gh.url}/v1.0/groups/${groupId}/members`, { headers: { authorization: `Bearer ${token}` } });
    const value = ((await listed.json()) as { value: { id: string }[] }).value;
    assert.deepEqual(
      value.map((m) => m.id),
      [danaId],
    );
  });

  it('shows both changes in the audit log, initiated by the administrator', async () => {
    assert.ok(groupId, 'the group was created by the previous step');
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(`${gh.url}/audit`);
    const audit = page.getByRole('table', { name: 'Audit log' });
    const addGroup = audit.getByRole('row').filter({ has: page.getByRole('cell', { name: 'Add group', exact: true }) });
    const addMember = audit.getByRole('row').filter({ has: page.getByRole('cell', { name: 'Add member to group', exact: true }) });
    await addGroup.first().waitFor();
    await addMember.first().waitFor();
    assert.equal(await addGroup.count(), 1);
    assert.equal(await addMember.count(), 1);
    const admin = (await page.getByTestId('signed-in-user').textContent())?.trim() ?? '';
    assert.ok(admin, 'the header shows who is signed in');
    assert.match((await addMember.textContent()) ?? '', /Vendor Contoso|Dana Supplier/);
    assert.ok(((await addMember.textContent()) ?? '').includes(admin), `the member change is attributed to ${admin}`);
    assert.ok(((await addGroup.textContent()) ?? '').includes(admin), `the group creation is attributed to ${admin}`);

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(existsSync(SCREENSHOT));
  });

  it('logged no console errors (other than the 401 before sign-in) and no CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
