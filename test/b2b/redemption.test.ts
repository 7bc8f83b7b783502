import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '#src/core/clock.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { Browser, jsonCall } from '../auth/browser.ts';

interface Json {
  [key: string]: unknown;
}

/** The invitee's browser: a cookie jar making the JSON calls the redemption page makes. */
class InviteeBrowser {
  private readonly browser: Browser;
  constructor(base: string) {
    this.browser = new Browser(base);
  }
  call(method: string, path: string, body?: unknown) {
    return jsonCall(this.browser, method, path, body);
  }
  has(name: string): boolean {
    return this.browser.cookies.has(name);
  }
}

const codeOf = (text: string): string => (/passcode for .* is (\d{6})\./.exec(text) as RegExpExecArray)[1] as string;
const tokenOf = (redeemUrl: string): string => redeemUrl.split('#rd=')[1] as string;
const errorOf = (body: Record<string, unknown>) => body.error as { code: string; message: string; innerError: { code: string } };

describe('redeeming an invitation with an email one-time passcode', () => {
  let gh: TestGatehouse;
  let smtp: TestSmtp;
  let admin = '';
  let offset = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offset) };

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gh.url}${path}`, { method, headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const invite = async (email: string, extra: Json = {}) => {
    const res = await api('POST', '/v1.0/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: `${gh.url}/my-access`, sendInvitationMessage: true, ...extra });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const otpMails = (to: string) => smtp.messages.filter((m) => m.to.includes(to) && /verification code/.test(m.subject));

  before(async () => {
    smtp = await startTestSmtp();
    gh = await startTestGatehouse({ smtpUrl: smtp.url }, { clock });
    admin = await gh.appToken(['User.Invite.All', 'User.ReadWrite.All', 'AuditLog.Read.All', 'Directory.Read.All', 'Policy.ReadWrite.Authorization']);
    await api('PATCH', '/v1.0/policies/externalCollaborationSettings', { termsOfUseUrl: 'https://contoso.test/terms', privacyStatementUrl: 'https://contoso.test/privacy' });
  });
  after(async () => {
    await gh?.stop();
    await smtp?.close();
  });

  it('takes the invitee from the mailed link to an accepted guest, signed in, bound to the address', async () => {
    const invitation = await invite('redeemer@vendor.test');
    const mail = await smtp.waitFor((m) => m.to.includes('redeemer@vendor.test'));
    const link = /(http:\/\/localhost:\d+\/redeem#rd=[A-Za-z0-9_-]{43})/.exec(mail.text)?.[1] as string;
    assert.equal(link, invitation.inviteRedeemUrl);

    const browser = new InviteeBrowser(gh.url);
    const opened = await browser.call('POST', '/portal/api/redeem', { token: tokenOf(link) });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.equal(opened.body.step, 'verify');
    assert.equal(opened.body.method, 'emailOtp');
    assert.equal(opened.body.termsOfUseUrl, 'https://contoso.test/terms');

    const sent = await browser.call('POST', '/portal/api/redeem/otp');
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const otpMail = await smtp.waitFor((m) => m.to.includes('redeemer@vendor.test') && /verification code/.test(m.subject));
    const code = codeOf(otpMail.text);
    assert.ok(otpMail.html.includes(code));

    const verified = await browser.call('POST', '/portal/api/redeem/otp/verify', { code });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    assert.equal(verified.body.step, 'consent');
    const done = await browser.call('POST', '/portal/api/redeem/consent', { accept: true });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.redirectUrl, `${gh.url}/my-access`);
    assert.ok(browser.has('gatehouse_session'), 'the guest is signed in');
    assert.equal(browser.has('gatehouse_redeem'), false, 'the flow cookie is cleared');
    const me = await browser.call('GET', '/portal/api/session');
    assert.equal((me.body.user as Json).id, (invitation.invitedUser as Json).id);

    const user = (await api('GET', `/v1.0/users/${(invitation.invitedUser as Json).id as string}`)).body;
    assert.equal(user.externalUserState, 'Accepted');
    assert.deepEqual(user.identities, [{ signInType: 'emailAddress', issuer: 'mail', issuerAssignedId: 'redeemer@vendor.test' }]);

    // The code appears in the mail only: not in the outbox an administrator reads, not in the audit log.
    const outbox = JSON.stringify((await api('GET', '/v1.0/admin/mailOutbox')).body);
    assert.ok(!outbox.includes(code), 'the outbox never shows the passcode');
    const audit = JSON.stringify((await api('GET', '/v1.0/auditLogs/directoryAudits?$top=999')).body);
    assert.ok(!audit.includes(code));
    for (const activity of ['Start redemption of external user invitation', 'Send email one-time passcode', 'Accept terms of use and privacy statement', 'Redeem external user invite']) {
      assert.ok(audit.includes(activity), `audited: ${activity}`);
    }

    const again = await new InviteeBrowser(gh.url).call('POST', '/portal/api/redeem', { token: tokenOf(link) });
    assert.equal(again.status, 400, 'the link works once');
    assert.equal(errorOf(again.body).innerError.code, 'INVITATION_ALREADY_REDEEMED');
  });

  it('refuses tampered and unknown links with the same answer', async () => {
    const invitation = await invite('tamper@vendor.test', { sendInvitationMessage: false });
    const token = tokenOf(invitation.inviteRedeemUrl as string);
    const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    for (const bad of [flipped, 'x'.repeat(43), 'short', '../../etc/passwd']) {
      const res = await new InviteeBrowser(gh.url).call('POST', '/portal/api/redeem', { token: bad });
      assert.equal(res.status, 400);
      assert.equal(errorOf(res.body).innerError.code, 'REDEEM_LINK_INVALID');
    }
  });

  it('refuses an expired link and one replaced by a newer invitation', async () => {
    const first = await invite('late@vendor.test', { sendInvitationMessage: false });
    const second = await invite('late@vendor.test', { sendInvitationMessage: false });
    const replaced = await new InviteeBrowser(gh.url).call('POST', '/portal/api/redeem', { token: tokenOf(first.inviteRedeemUrl as string) });
    assert.equal(errorOf(replaced.body).innerError.code, 'INVITATION_EXPIRED');
    assert.match(errorOf(replaced.body).message, /replaced by a newer one/);
    offset = 31 * 86_400_000;
    try {
      const expired = await new InviteeBrowser(gh.url).call('POST', '/portal/api/redeem', { token: tokenOf(second.inviteRedeemUrl as string) });
      assert.equal(expired.status, 400);
      assert.match(errorOf(expired.body).message, /expired on/);
    } finally {
      offset = 0;
    }
  });

  it('locks a code after 5 wrong tries (audited), limits how often codes are sent, and a new code works', async () => {
    await invite('guesser@vendor.test', { sendInvitationMessage: false });
    const invitation = await invite('guesser@vendor.test', { sendInvitationMessage: false });
    const browser = new InviteeBrowser(gh.url);
    assert.equal((await browser.call('POST', '/portal/api/redeem', { token: tokenOf(invitation.inviteRedeemUrl as string) })).status, 200);
    assert.equal((await browser.call('POST', '/portal/api/redeem/otp')).status, 200);
    const tooSoon = await browser.call('POST', '/portal/api/redeem/otp');
    assert.equal(tooSoon.status, 429);
    const real = codeOf((await smtp.waitFor((m) => m.to.includes('guesser@vendor.test'))).text);
    const wrong = real === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 4; i++) {
      const res = await browser.call('POST', '/portal/api/redeem/otp/verify', { code: wrong });
      assert.equal(res.status, 400);
      assert.match(errorOf(res.body).message, new RegExp(`${5 - i} tr(y|ies) left`));
    }
    const fifth = await browser.call('POST', '/portal/api/redeem/otp/verify', { code: wrong });
    assert.equal(fifth.status, 429);
    assert.equal(errorOf(fifth.body).innerError.code, 'OTP_LOCKED');
    const afterLock = await browser.call('POST', '/portal/api/redeem/otp/verify', { code: real });
    assert.equal(afterLock.status, 400, 'the right code no longer works once locked');
    const audit = (await api('GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Redeem external user invite' and result eq 'failure'")}`)).body.value as Json[];
    assert.ok(audit.some((a) => /locked after 5 wrong codes/.test(a.resultReason as string)));

    offset = 31_000;
    try {
      assert.equal((await browser.call('POST', '/portal/api/redeem/otp')).status, 200);
      await waitFor(() => otpMails('guesser@vendor.test').length === 2);
      const fresh = codeOf((otpMails('guesser@vendor.test')[1] as { text: string }).text);
      assert.equal((await browser.call('POST', '/portal/api/redeem/otp/verify', { code: fresh })).status, 200);
    } finally {
      offset = 0;
    }
  });

  it('does not redeem when the domain was blocked after the invitation was sent', async () => {
    const invitation = await invite('someone@soon-blocked.test', { sendInvitationMessage: false });
    assert.equal((await api('PATCH', '/v1.0/policies/externalCollaborationSettings', { blockedDomains: ['soon-blocked.test'] })).status, 200);
    try {
      const res = await new InviteeBrowser(gh.url).call('POST', '/portal/api/redeem', { token: tokenOf(invitation.inviteRedeemUrl as string) });
      assert.equal(res.status, 403);
      assert.match(errorOf(res.body).message, /blocked/);
      const user = (await api('GET', `/v1.0/users/${(invitation.invitedUser as Json).id as string}`)).body;
      assert.equal(user.externalUserState, 'PendingAcceptance');
    } finally {
      await api('PATCH', '/v1.0/policies/externalCollaborationSettings', { blockedDomains: [] });
    }
  });

  it('declining ends the flow and leaves the invitation open', async () => {
    const invitation = await invite('decliner@vendor.test', { sendInvitationMessage: false });
    const browser = new InviteeBrowser(gh.url);
    await browser.call('POST', '/portal/api/redeem', { token: tokenOf(invitation.inviteRedeemUrl as string) });
    assert.equal((await browser.call('POST', '/portal/api/redeem/consent', { accept: false })).status, 400, 'nothing to decline before the address is verified');
    await browser.call('POST', '/portal/api/redeem/otp');
    const code = codeOf((await smtp.waitFor((m) => m.to.includes('decliner@vendor.test'))).text);
    await browser.call('POST', '/portal/api/redeem/otp/verify', { code });
    const declined = await browser.call('POST', '/portal/api/redeem/consent', { accept: false });
    assert.deepEqual(declined.body, { redirectUrl: null });
    assert.equal(browser.has('gatehouse_session'), false);
    assert.equal((await api('GET', `/v1.0/invitations/${invitation.id as string}`)).body.status, 'PendingAcceptance');
    assert.equal((await browser.call('GET', '/portal/api/redeem')).status, 400, 'the flow is gone');
  });

  it('does not offer passcodes when email one-time passcodes are off', async () => {
    const invitation = await invite('nootp@vendor.test', { sendInvitationMessage: false });
    await api('PATCH', '/v1.0/policies/externalCollaborationSettings', { emailOneTimePasscode: 'disabled' });
    try {
      const browser = new InviteeBrowser(gh.url);
      const opened = await browser.call('POST', '/portal/api/redeem', { token: tokenOf(invitation.inviteRedeemUrl as string) });
      assert.equal(opened.body.method, 'unavailable');
      const send = await browser.call('POST', '/portal/api/redeem/otp');
      assert.equal(send.status, 400);
      assert.equal(errorOf(send.body).innerError.code, 'OTP_UNAVAILABLE');
    } finally {
      await api('PATCH', '/v1.0/policies/externalCollaborationSettings', { emailOneTimePasscode: 'enabled' });
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
