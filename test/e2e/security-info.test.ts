import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import type { CDPSession, ConsoleMessage, Page } from 'playwright-core';
import { launchChromium, type BrowserProblem, type TestChromium } from '../helpers/chromium.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * Security info in a real Chromium served as http://localhost (WebAuthn needs a domain): a member signs in, adds an
 * authenticator app with the code computed here from the key the page shows, is asked to verify with that app
 * before adding a passkey (the session proved only the password) and comes back, adds the passkey with Chromium's
 * virtual authenticator (CDP WebAuthn domain, user verification on), gets recovery codes, removes the app; the
 * server's Graph API agrees at each step. Console errors and CSP violations fail the run.
 */

const PASSWORD = 'a long enough password';

/**
 * Console errors a healthy run shows: the session probe's 401 before sign-in, the 400 of the wrong code typed on
 * purpose, and the 403 (MFA_STEP_UP_REQUIRED) of adding a passkey before the session proved the second factor.
 */
function expectedConsoleError(message: ConsoleMessage): boolean {
  const url = message.location().url;
  return (
    (/status of 401/.test(message.text()) && url.includes('/portal/api/session')) ||
    (/status of 400/.test(message.text()) && /\/portal\/api\/security-info\/totp\/[^/]+\/verify$/.test(url)) ||
    (/status of 403/.test(message.text()) && url.endsWith('/portal/api/security-info/webauthn/registration-options'))
  );
}

interface Method {
  '@odata.type': string;
  id: string;
  displayName?: string;
  codesLeft?: number;
}

describe('Security info page in Chromium', () => {
  let gh: TestGatehouse;
  let browser: TestChromium;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId = '';
  let problems: BrowserProblem[] = [];
  let userId = '';
  let reader = '';
  let secret = '';

  const methods = async (): Promise<Method[]> => {
    const response = await fetch(`${gh.url}/v1.0/users/${userId}/authentication/methods`, { headers: { authorization: `Bearer ${reader}` } });
    assert.equal(response.status, 200);
    return ((await response.json()) as { value: Method[] }).value;
  };
  const methodsTable = () => page.getByRole('table', { name: 'Sign-in methods' });

  before(async () => {
    browser = await launchChromium({ expectedConsoleError });
    ({ page, problems } = browser);
    gh = await startTestGatehouse();
    assert.match(gh.url, /^http:\/\/localhost:\d+$/);
    const token = await gh.appToken(['User.ReadWrite.All']);
    reader = await gh.appToken(['UserAuthenticationMethod.Read.All']);
    const created = await fetch(`${gh.url}/v1.0/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountEnabled: true, displayName: 'Erin Engineer', mailNickname: 'erin', userPrincipalName: 'erin@gatehouse.local', passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false } }),
    });
    assert.equal(created.status, 201);
    userId = ((await created.json()) as { id: string }).id;

    cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
  });

  after(async () => {
    await browser?.close();
    await gh?.stop();
  });

  it('signs in and comes back to Security info, reached from My account', async () => {
    await page.goto(`${gh.url}/my-account`);
    await page.waitForURL(`${gh.url}/signin`);
    await page.getByLabel('User name', { exact: true }).fill('erin@gatehouse.local');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${gh.url}/my-account`);
    await page.getByRole('link', { name: /Security info/ }).click();
    await page.waitForURL(`${gh.url}/security-info`);
    await page.getByRole('heading', { name: 'Security info' }).waitFor();
    await methodsTable().getByRole('cell', { name: 'Password', exact: true }).waitFor();
  });

  it('adds an authenticator app with the code of the key the page shows', async () => {
    await page.getByRole('button', { name: 'Add authenticator app' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add an authenticator app' });
    await dialog.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    secret = ((await dialog.getByTestId('totp-secret').textContent()) ?? '').trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await dialog.getByLabel('Code from the app').fill('000000' === TOTP.generate({ secret: Secret.fromBase32(secret) }) ? '111111' : '000000');
    await dialog.getByRole('button', { name: 'Verify and add' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'The code is not right' }).waitFor();
    await dialog.getByLabel('Code from the app').fill(TOTP.generate({ secret: Secret.fromBase32(secret) }));
    await dialog.getByLabel('Name').fill('Erin phone');
    await dialog.getByRole('button', { name: 'Verify and add' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await methodsTable().getByRole('cell', { name: 'Erin phone', exact: true }).waitFor();
    const app = (await methods()).find((m) => m['@odata.type'] === '#microsoft.graph.softwareOathAuthenticationMethod');
    assert.equal(app?.displayName, 'Erin phone');
  });

  it('asks to verify with the authenticator app first (password-only session), then comes back', async () => {
    await page.getByRole('button', { name: 'Add passkey' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a passkey' });
    await dialog.getByLabel('Passkey name').fill('Erin laptop');
    await dialog.getByRole('button', { name: 'Create passkey' }).click();
    await page.waitForURL(`${gh.url}/signin/mfa?returnTo=%2Fsecurity-info`);
    await page.getByRole('heading', { name: 'Verify your identity' }).waitFor();
    assert.equal(await page.getByText('Set up your authenticator app').count(), 0, 'no new app instead of the one there is');
    assert.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length, 0, 'no passkey was created');
    const previous = (await browser.context.cookies(gh.url)).find((c) => c.name === 'gatehouse_session')?.value;
    // The next time step: within the accepted skew, and after the one used to add the app.
    await page.getByLabel('Code from your authenticator app').fill(TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.waitForURL(`${gh.url}/security-info`);
    await methodsTable().getByRole('cell', { name: 'Erin phone', exact: true }).waitFor();
    const rotated = (await browser.context.cookies(gh.url)).find((c) => c.name === 'gatehouse_session')?.value;
    assert.ok(rotated && rotated !== previous, 'the session cookie was rotated');
  });

  it("adds a passkey with the browser's authenticator (user verified)", async () => {
    await page.getByRole('button', { name: 'Add passkey' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a passkey' });
    await dialog.getByLabel('Passkey name').fill('Erin laptop');
    await dialog.getByRole('button', { name: 'Create passkey' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await methodsTable().getByRole('cell', { name: 'Erin laptop', exact: true }).waitFor();
    const passkey = (await methods()).find((m) => m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod');
    assert.equal(passkey?.displayName, 'Erin laptop');
    const authenticators = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    assert.equal(authenticators.length, 1);
    assert.equal(authenticators[0]?.rpId, 'localhost');
    assert.equal(authenticators[0]?.isResidentCredential, true, 'a discoverable credential (passkey)');
  });

  it('shows new recovery codes once, then counts them', async () => {
    await page.getByRole('button', { name: 'Create recovery codes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your recovery codes' });
    const codes = dialog.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await codes.first().waitFor();
    assert.equal(await codes.count(), 10);
    await dialog.getByRole('button', { name: 'I have saved them' }).click();
    await methodsTable().getByRole('cell', { name: '10 of 10 left' }).waitFor();
    assert.equal((await methods()).find((m) => m['@odata.type'] === '#microsoft.graph.gatehouseRecoveryCodesAuthenticationMethod')?.codesLeft, 10);
  });

  it('removes the authenticator app after confirmation', async () => {
    await page.getByRole('button', { name: 'Remove Authenticator app Erin phone' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove authenticator app?' });
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await methodsTable().getByRole('cell', { name: 'Erin phone', exact: true }).waitFor({ state: 'detached' });
    assert.deepEqual(
      (await methods()).map((m) => m['@odata.type']),
      ['#microsoft.graph.passwordAuthenticationMethod', '#microsoft.graph.fido2AuthenticationMethod', '#microsoft.graph.gatehouseRecoveryCodesAuthenticationMethod'],
    );
  });

  it("shows an administrator the user's methods, deletes the passkey and requires MFA", async () => {
    // Another person at the same browser: the member's session cookie is gone.
    await browser.context.clearCookies();
    const link = gh.gatehouse.setupLink;
    assert.ok(link);
    await page.goto(link);
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(`${gh.url}/signin`);
    await page.getByLabel('User name', { exact: true }).fill('admin@gatehouse.local');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${gh.url}/users`);
    await page.goto(`${gh.url}/users/${userId}`);
    const panel = page.getByRole('region', { name: 'Authentication methods' });
    await panel.getByRole('cell', { name: 'Erin laptop', exact: true }).waitFor();
    await panel.getByRole('button', { name: 'Delete Passkey Erin laptop' }).click();
    await page.getByRole('dialog', { name: 'Delete authentication method' }).getByRole('button', { name: 'Delete' }).click();
    await panel.getByRole('cell', { name: 'Erin laptop', exact: true }).waitFor({ state: 'detached' });
    const requirement = panel.getByRole('switch', { name: /Require multifactor authentication/ });
    // The switch shows the server's state: it turns on once the change is saved and read back.
    await requirement.click();
    await panel.locator('input[role="switch"]:checked').waitFor();
    const state = await fetch(`${gh.url}/v1.0/users/${userId}/authentication/requirements`, { headers: { authorization: `Bearer ${reader}` } });
    assert.equal(((await state.json()) as { perUserMfaState: string }).perUserMfaState, 'enforced');
    assert.equal((await methods()).some((m) => m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod'), false);
    assert.deepEqual(problems, []);
  });
});
