import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConsoleMessage } from 'playwright-core';
import { launchChromium, ROOT, type TestChromium } from '../helpers/chromium.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

/**
 * The invitee's path in a real Chromium, with the mail from a real SMTP server: follow the link from the invitation
 * mail, ask for a one-time code, read it from the second mail, type it, accept the terms, land on the redirect URL
 * signed in as the guest.
 */

/** The portal probes the session (401 before sign-in); wrong codes answer 400. Both are expected here. */
const expected = (message: ConsoleMessage): boolean => /status of 40[01]/.test(message.text());

describe('redeeming an invitation by email one-time passcode in Chromium', () => {
  let gh: TestGatehouse;
  let smtp: TestSmtp;
  let browser: TestChromium;
  let token = '';

  before(async () => {
    browser = await launchChromium({ expectedConsoleError: expected });
    smtp = await startTestSmtp();
    gh = await startTestGatehouse({ smtpUrl: smtp.url });
    token = await gh.appToken(['User.Invite.All', 'User.Read.All', 'Policy.ReadWrite.Authorization']);
    const settings = await fetch(`${gh.url}/v1.0/policies/externalCollaborationSettings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ termsOfUseUrl: 'https://contoso.test/terms', privacyStatementUrl: 'https://contoso.test/privacy' }),
    });
    assert.equal(settings.status, 200);
  });
  after(async () => {
    await browser?.close();
    await gh?.stop();
    await smtp?.close();
  });

  it('goes from the invitation mail to the redirect URL, signed in as the accepted guest', async () => {
    const invited = await fetch(`${gh.url}/v1.0/invitations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ invitedUserEmailAddress: 'otp.engineer@vendor.test', invitedUserDisplayName: 'Otto Engineer', inviteRedirectUrl: `${gh.url}/set-password`, sendInvitationMessage: true }),
    });
    assert.equal(invited.status, 201);
    const userId = ((await invited.json()) as { invitedUser: { id: string } }).invitedUser.id;

    const invitation = await smtp.waitFor((m) => m.to.includes('otp.engineer@vendor.test'));
    const link = /href="([^"]*\/redeem#rd=[^"]+)"/.exec(invitation.html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(link, 'the HTML mail has an Accept button with the redeem link');
    const { page } = browser;
    await page.goto(link);
    await page.getByRole('heading', { name: 'Join Gatehouse' }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar once read');
    await page.getByRole('button', { name: 'Send code' }).click();

    const otpMail = await smtp.waitFor((m) => m.to.includes('otp.engineer@vendor.test') && /verification code/.test(m.subject));
    const code = /is (\d{6})\./.exec(otpMail.text)?.[1] as string;
    const wrong = code === '123456' ? '654321' : '123456';
    await page.getByLabel('Code', { exact: true }).fill(wrong);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: '4 tries left' }).waitFor();
    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();

    await page.getByRole('link', { name: 'Terms of use' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Privacy statement' }).getAttribute('href'), 'https://contoso.test/privacy');
    await mkdir(path.join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-output/redeem-otp.png') });
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(`${gh.url}/set-password`);

    const cookies = await browser.context.cookies(gh.url);
    assert.ok(cookies.some((c) => c.name === 'gatehouse_session' && c.httpOnly), 'the guest is signed in');
    const session = await page.evaluate(async () => (await fetch('/portal/api/session')).json());
    assert.equal((session as { user: { id: string } }).user.id, userId);
    const user = (await (await fetch(`${gh.url}/v1.0/users/${userId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { externalUserState: string };
    assert.equal(user.externalUserState, 'Accepted');
    assert.deepEqual(browser.problems, []);
  });
});
