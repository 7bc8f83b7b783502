import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { launchChromium, type BrowserProblem, type TestChromium } from '../helpers/chromium.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * The sign-in pages in a real Chromium when a second factor is required: a member whose per-user MFA state is
 * 'enforced' and who has no factor registers an authenticator app during sign-in (the code computed here from the
 * key the page shows) and lands where the sign-in was for; the next sign-in asks for a code, refuses the code
 * already used, accepts a fresh one; with a passkey registered, Chromium's virtual authenticator (CDP) signs in;
 * Cancel ends a pending sign-in. Then the administrator's side: the
 * emergency-access page marks the account, its sign-in raises the red banner on admin pages, and acknowledging
 * the alert on the page clears it. Console errors and CSP violations fail the run.
 */

const PASSWORD = 'a long enough password';
const ADMIN_PASSWORD = 'correct horse battery staple';
const UPN = 'mona@gatehouse.local';

/**
 * The session probe's 401 before sign-in, and the 400s the test provokes on purpose (a replayed code, a cancelled
 * sign-in's page reloaded) while `expectRefusal` is set.
 */
function expectedConsoleError(message: ConsoleMessage): boolean {
  const url = message.location().url;
  if (/status of 401/.test(message.text()) && url.includes('/portal/api/session')) return true;
  return expectRefusal && /status of 400/.test(message.text()) && url.includes('/portal/api/sign-in/pending');
}
let expectRefusal = false;

const codeAt = (secret: string, at: number): string => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at });

describe('sign-in with a second factor in Chromium', () => {
  let gh: TestGatehouse;
  let browser: TestChromium;
  let context: BrowserContext;
  let page: Page;
  let problems: BrowserProblem[] = [];
  let userId = '';
  let secret = '';
  let enrolmentCode = '';

  const signInAs = async (userName: string, password: string, path = '/signin') => {
    await page.goto(`${gh.url}${path}`);
    await page.getByLabel('User name', { exact: true }).fill(userName);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  before(async () => {
    browser = await launchChromium({ expectedConsoleError });
    ({ context, page, problems } = browser);
    gh = await startTestGatehouse();
    const token = await gh.appToken(['User.ReadWrite.All', 'UserAuthenticationMethod.ReadWrite.All']);
    const created = await fetch(`${gh.url}/v1.0/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountEnabled: true, displayName: 'Mona Member', mailNickname: 'mona', userPrincipalName: UPN, passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false } }),
    });
    assert.equal(created.status, 201);
    userId = ((await created.json()) as { id: string }).id;
    const enforced = await fetch(`${gh.url}/v1.0/users/${userId}/authentication/requirements`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ perUserMfaState: 'enforced' }),
    });
    assert.equal(enforced.status, 204);
  });

  after(async () => {
    await browser?.close();
    await gh?.stop();
  });

  it('has the member register an authenticator app during sign-in and continues to the page asked for', async () => {
    await signInAs(UPN, PASSWORD, '/signin?returnTo=%2Fsecurity-info');
    await page.waitForURL(`${gh.url}/signin/mfa?returnTo=%2Fsecurity-info`);
    await page.getByRole('heading', { name: 'Verify your identity' }).waitFor();
    await page.getByText('Set up your authenticator app', { exact: true }).waitFor();
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    secret = (await page.getByTestId('pending-totp-secret').textContent())?.trim() ?? '';
    assert.match(secret, /^[A-Z2-7]{32}$/);
    // Not signed in yet: only the pending sign-in cookie, scoped to the sign-in API.
    const pendingCookie = (await context.cookies()).find((c) => c.name === 'gatehouse_signin');
    assert.ok(pendingCookie, 'a pending sign-in cookie is set');
    assert.equal(pendingCookie.httpOnly, true);
    assert.equal(pendingCookie.path, '/portal/api/sign-in');
    assert.equal((await context.cookies(gh.url)).some((c) => c.name === 'gatehouse_session'), false, 'no session before the second factor');

    enrolmentCode = codeAt(secret, Date.now());
    await page.getByLabel('Code from the app').fill(enrolmentCode);
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.waitForURL(`${gh.url}/security-info`);
    await page.getByRole('table', { name: 'Sign-in methods' }).getByText('Authenticator app').first().waitFor();
    const session = (await context.cookies(gh.url)).find((c) => c.name === 'gatehouse_session');
    assert.ok(session, 'signed in after the second factor');
    const probe = await page.evaluate(async () => {
      const response = await fetch('/portal/api/session', { credentials: 'include' });
      return { status: response.status, body: (await response.json()) as { user: { userPrincipalName: string } } };
    });
    assert.equal(probe.status, 200);
    assert.equal(probe.body.user.userPrincipalName, UPN);
  });

  it('asks for a code on the next sign-in, refuses the code already used, and accepts a fresh one', async () => {
    await context.clearCookies();
    await signInAs(UPN, PASSWORD, '/signin?returnTo=%2Fsecurity-info');
    await page.waitForURL(`${gh.url}/signin/mfa?returnTo=%2Fsecurity-info`);
    const codeField = page.getByLabel('Code from your authenticator app');
    await codeField.waitFor();
    assert.equal(await page.getByText('Set up your authenticator app').count(), 0, 'no second enrolment offered');

    expectRefusal = true;
    await codeField.fill(enrolmentCode);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    const refused = page.getByTestId('error-alert');
    await refused.waitFor();
    assert.match((await refused.textContent()) ?? '', /already used|wrong|expired/);
    assert.equal(new URL(page.url()).pathname, '/signin/mfa', 'the form stays for another try');
    expectRefusal = false;

    // The next time step is within the accepted clock-skew window and after the one already used.
    await codeField.fill(codeAt(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.waitForURL(`${gh.url}/security-info`);
    await page.getByRole('table', { name: 'Sign-in methods' }).waitFor();
  });

  it("offers the passkey once one is registered, and signs in with the browser's authenticator", async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await page.getByRole('button', { name: 'Add passkey' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a passkey' });
    await dialog.getByLabel('Passkey name').fill('Mona laptop');
    await dialog.getByRole('button', { name: 'Create passkey' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await context.clearCookies();
    await signInAs(UPN, PASSWORD, '/signin?returnTo=%2Fsecurity-info');
    await page.waitForURL(`${gh.url}/signin/mfa?returnTo=%2Fsecurity-info`);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${gh.url}/security-info`);
    await page.getByRole('table', { name: 'Sign-in methods' }).getByRole('cell', { name: 'Mona laptop', exact: true }).waitFor();
    await context.clearCookies();
  });

  it('cancels a pending sign-in and says so when the old page is used again', async () => {
    await signInAs(UPN, PASSWORD);
    await page.waitForURL(`${gh.url}/signin/mfa`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${gh.url}/signin`);
    expectRefusal = true;
    await page.goto(`${gh.url}/signin/mfa`);
    await page.getByRole('heading', { name: 'Sign-in expired' }).waitFor();
    expectRefusal = false;
    await page.getByRole('link', { name: 'Sign in again' }).click();
    await page.waitForURL(`${gh.url}/signin`);
  });

  it('shows a blocked sign-in with fixed text: only a reference UUID comes from the link', async () => {
    const ref = '0b4c6d2e-1f3a-4b5c-8d9e-0f1a2b3c4d5e';
    await page.goto(`${gh.url}/signin/blocked?ref=${ref}&message=${encodeURIComponent('<b>Call +1 555 0100 now</b>')}`);
    await page.getByRole('heading', { name: 'Access blocked' }).waitFor();
    assert.equal(await page.getByTestId('blocked-message').textContent(), `Your organization's access policy does not allow this sign-in. If you think this is wrong, give your administrator this reference: ${ref}.`);
    await page.goto(`${gh.url}/signin/blocked?ref=${encodeURIComponent('not a reference <b>')}`);
    assert.equal(await page.getByTestId('blocked-message').textContent(), "Your organization's access policy does not allow this sign-in.");
  });

  it('lets the administrator mark the account for emergency access, shows the alert banner, and clears it on acknowledge', async () => {
    const setupToken = new URLSearchParams(new URL(gh.gatehouse.setupLink as string).hash.slice(1)).get('token');
    const set = await fetch(`${gh.url}/portal/api/set-password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: setupToken, password: ADMIN_PASSWORD }) });
    assert.equal(set.status, 204);
    await signInAs('admin@gatehouse.local', ADMIN_PASSWORD);
    await page.waitForURL(`${gh.url}/users`);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Emergency access' }).click();
    await page.waitForURL(`${gh.url}/emergency-access`);
    assert.equal(await page.getByTestId('emergency-access-banner').count(), 0, 'no banner without alerts');

    await page.getByRole('combobox', { name: 'Add an account' }).fill('Mona');
    await page.getByRole('option', { name: `Mona Member (${UPN})` }).click();
    await page.getByRole('button', { name: 'Add account' }).click();
    const accounts = page.getByRole('table', { name: 'Emergency-access accounts' });
    await accounts.getByText(UPN).waitFor();
    assert.equal(await accounts.getByRole('switch', { name: `Exclude ${UPN} from Conditional Access` }).isChecked(), true);

    // The account signs in elsewhere (a wrong password also counts): the next admin page load shows the banner.
    const attempt = await fetch(`${gh.url}/portal/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: UPN, password: 'not the password' }) });
    assert.equal(attempt.status, 401);
    await page.reload();
    const banner = page.getByTestId('emergency-access-banner');
    await banner.waitFor();
    assert.match((await banner.textContent()) ?? '', new RegExp(`1 unacknowledged alert for ${UPN.replace('.', '\\.')}`));
    const alerts = page.getByRole('table', { name: 'Emergency-access alerts' });
    await alerts.getByText('Sign-in attempt failed').waitFor();

    await alerts.getByRole('button', { name: `Acknowledge sign-in attempt failed alert for ${UPN}` }).click();
    await alerts.getByText('by admin@gatehouse.local').waitFor();
    await banner.waitFor({ state: 'detached' });
    assert.deepEqual(problems, []);
  });
});
