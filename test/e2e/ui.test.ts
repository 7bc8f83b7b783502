import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * The admin UI in a real Chromium: first-start password setup, sign-in, creating a group, adding a member found
 * by search, and the audit log showing both changes. Console errors and CSP violations fail the run.
 */

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '../..');
const SCREENSHOT = path.join(ROOT, 'test-output/ui-audit.png');
const ADMIN_PASSWORD = 'correct horse battery staple';

interface Problem {
  kind: 'console' | 'pageerror' | 'csp';
  text: string;
  url?: string;
}

/** The only console error a healthy run shows: the browser logging the session probe's 401 before sign-in. */
function expectedConsoleError(message: ConsoleMessage): boolean {
  return /status of 401/.test(message.text()) && message.location().url.includes('/portal/api/session');
}

describe('admin UI in Chromium', () => {
  let gh: TestGatehouse;
  let context: BrowserContext;
  let page: Page;
  let userDataDir = '';
  let danaId = '';
  let groupId = '';
  const problems: Problem[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}; install it with \`apt-get install -y chromium\` (the UI tests need a real browser)`);
    }
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/ensure-web.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `building the web UI failed:\n${build.stdout}\n${build.stderr}`);

    gh = await startTestGatehouse();
    const token = await gh.appToken(['User.ReadWrite.All']);
    const created = await fetch(`${gh.url}/v1.0/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountEnabled: true, displayName: 'Dana Supplier', mailNickname: 'dana', userPrincipalName: 'dana@gatehouse.local', passwordProfile: { password: 'a long enough password' } }),
    });
    assert.equal(created.status, 201);
    danaId = ((await created.json()) as { id: string }).id;

    userDataDir = await mkdtemp(path.join(os.tmpdir(), 'ghui-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    context.setDefaultTimeout(15_000);
    // CSP violations are also logged to the console, but the event names the directive and is never filtered away.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
      });
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() !== 'error' || expectedConsoleError(message)) return;
      problems.push({ kind: /CSP violation|Content Security Policy/.test(message.text()) ? 'csp' : 'console', text: message.text(), url: message.location().url });
    });
    page.on('pageerror', (error) => problems.push({ kind: 'pageerror', text: error.message }));
  });

  after(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
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
