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
  call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return jsonCall(this.browser, method, path, body, headers);
  }
  /** A state-changing call of a signed-in user: the portal session's CSRF token goes along. */
  async signedInCall(method: string, path: string, body?: unknown) {
    const session = await this.call('GET', '/portal/api/session');
    return this.call(method, path, body, { 'x-csrf-token': String(session.body.csrfToken ?? '') });
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

describe('a guest who redeemed by one-time passcode: signing in again, My Account, leaving', () => {
  let gh: TestGatehouse;
  let smtp: TestSmtp;
  let admin = '';

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gh.url}${path}`, { method, headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const latestCode = async (to: string, count: number) => {
    await waitFor(() => smtp.messages.filter((m) => m.to.includes(to) && /verification code/.test(m.subject)).length >= count);
    return codeOf((smtp.messages.filter((m) => m.to.includes(to) && /verification code/.test(m.subject))[count - 1] as { text: string }).text);
  };

  before(async () => {
    smtp = await startTestSmtp();
    gh = await startTestGatehouse({ smtpUrl: smtp.url });
    admin = await gh.appToken(['User.Invite.All', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'AuditLog.Read.All', 'Policy.ReadWrite.Authorization', 'IdentityProvider.ReadWrite.All']);
  });
  after(async () => {
    await gh?.stop();
    await smtp?.close();
  });

  it('signs in with a new code, shows My Account, and leaves: access ends, the user waits 30 days in deleted items', async () => {
    const invited = (await api('POST', '/v1.0/invitations', { invitedUserEmailAddress: 'otp.guest@vendor.test', inviteRedirectUrl: `${gh.url}/my-account` })).body;
    const userId = (invited.invitedUser as Json).id as string;
    const redeemer = new InviteeBrowser(gh.url);
    await redeemer.call('POST', '/portal/api/redeem', { token: tokenOf(invited.inviteRedeemUrl as string) });
    await redeemer.call('POST', '/portal/api/redeem/otp');
    await redeemer.call('POST', '/portal/api/redeem/otp/verify', { code: await latestCode('otp.guest@vendor.test', 1) });
    assert.equal((await redeemer.call('POST', '/portal/api/redeem/consent', { accept: true })).status, 200);
    const group = (await api('POST', '/v1.0/groups', { displayName: 'Vendor engineers', mailNickname: 'vendor-eng', securityEnabled: true, mailEnabled: false })).body;
    assert.equal((await api('POST', `/v1.0/groups/${group.id as string}/members/$ref`, { '@odata.id': `${gh.url}/v1.0/directoryObjects/${userId}` })).status, 204);

    // The domain gets its own identity provider later: this guest redeemed by code and stays on codes.
    const idp = await api('POST', '/v1.0/identity/identityProviders', { '@odata.type': '#microsoft.graph.openIdConnectIdentityProvider', displayName: 'Vendor later', issuer: 'http://127.0.0.1:9/', clientId: 'x', clientSecret: 'y', domains: ['vendor.test'] });
    assert.equal(idp.status, 201, JSON.stringify(idp.body));
    const guest = new InviteeBrowser(gh.url);
    const unknown = await guest.call('POST', '/portal/api/guest-session', { email: 'nobody@other-vendor.test' });
    assert.deepEqual([unknown.status, unknown.body], [200, { method: 'emailOtp', providerDisplayName: null }], 'the same answer as for a guest: no account is revealed');
    const started = await guest.call('POST', '/portal/api/guest-session', { email: 'otp.guest@vendor.test' });
    assert.deepEqual(started.body, { method: 'emailOtp', providerDisplayName: null });
    const wrong = await guest.call('POST', '/portal/api/guest-session/verify', { code: '000000' === (await latestCode('otp.guest@vendor.test', 2)) ? '111111' : '000000' });
    assert.equal(wrong.status, 400);
    assert.equal((await guest.call('POST', '/portal/api/guest-session/verify', { code: await latestCode('otp.guest@vendor.test', 2) })).status, 200);
    assert.ok(guest.has('gatehouse_session'));

    const me = await guest.call('GET', '/portal/api/me');
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal((me.body.user as Json).id, userId);
    assert.deepEqual(me.body.signInMethods, [{ type: 'emailOtp', displayName: 'One-time passcode by email', detail: 'otp.guest@vendor.test' }]);
    assert.deepEqual((me.body.organizations as Json[]).map((o) => o.relationship), ['guestOf']);
    assert.equal(me.body.canLeave, true);

    await api('PATCH', '/v1.0/policies/externalCollaborationSettings', { allowExternalIdentitiesToLeave: false });
    assert.equal((await guest.signedInCall('POST', '/portal/api/me/leave')).status, 403, 'not while the policy forbids it');
    await api('PATCH', '/v1.0/policies/externalCollaborationSettings', { allowExternalIdentitiesToLeave: true });
    assert.equal((await guest.call('POST', '/portal/api/me/leave')).status, 403, 'a cookie-authenticated change needs the CSRF token');
    assert.equal((await guest.signedInCall('POST', '/portal/api/me/leave')).status, 204);

    assert.equal((await guest.call('GET', '/portal/api/me')).status, 401, 'signed out');
    assert.equal((await redeemer.call('GET', '/portal/api/me')).status, 401, 'every session ended');
    assert.equal((await api('GET', `/v1.0/users/${userId}`)).status, 404);
    assert.deepEqual((await api('GET', `/v1.0/groups/${group.id as string}/members`)).body.value, []);
    const deleted = (await api('GET', '/v1.0/directory/deletedItems/microsoft.graph.user')).body.value as Json[];
    assert.equal(deleted.find((u) => u.id === userId)?.accountEnabled, false);
    const left = (await api('GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Leave organization'")}`)).body.value as Json[];
    assert.equal(left.length, 1);
    assert.ok(((left[0]?.additionalDetails as Json[]) ?? []).some((d) => d.key === 'groupsLeft' && d.value === group.id));
    const reinvite = await api('POST', '/v1.0/invitations', { invitedUserEmailAddress: 'otp.guest@vendor.test', inviteRedirectUrl: `${gh.url}/` });
    assert.equal(reinvite.status, 400, 'the address is held by the deleted user until restored or purged');
    assert.match(((reinvite.body.error as Json).message as string), /deleted items/);

    const restored = await api('POST', `/v1.0/directory/deletedItems/${userId}/restore`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal((await api('GET', `/v1.0/users/${userId}`)).body.accountEnabled, true);
  });
});
