import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '#src/core/logger.ts';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { startTestSmtp } from '../helpers/smtp.ts';
import { Browser, jsonCall } from '../auth/browser.ts';

/**
 * The B2B secrets — redeem tokens, one-time passcodes, the redemption flow cookie, partner client secrets — stay
 * out of the log (at trace level), the audit log, the mail outbox administrators read, and every API response
 * other than the one that hands them out.
 */
describe('B2B secrets stay out of logs, audit, outbox and responses', () => {
  it('finds no redeem token, passcode, flow cookie or partner client secret anywhere they do not belong', async () => {
    let log = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const smtp = await startTestSmtp();
    const gh = await startTestGatehouse({ smtpUrl: smtp.url }, { logger: createLogger('trace', sink) });
    try {
      const admin = await gh.appToken(['User.Invite.All', 'AuditLog.Read.All', 'IdentityProvider.ReadWrite.All', 'Directory.Read.All']);
      const api = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${gh.url}${path}`, { method, headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
        return response.text();
      };
      const clientSecret = 'partner-client-secret-7f3c9a1e55';
      await api('POST', '/v1.0/identity/identityProviders', { '@odata.type': '#microsoft.graph.openIdConnectIdentityProvider', displayName: 'Other partner', issuer: 'http://127.0.0.1:9/', clientId: 'gh', clientSecret, domains: ['other-partner.test'] });
      await api('PATCH', '/v1.0/identity/identityProviders/00000000-0000-0000-0000-000000000000', { clientSecret });

      const created = JSON.parse(await api('POST', '/v1.0/invitations', { invitedUserEmailAddress: 'secret.keeper@vendor.test', inviteRedirectUrl: `${gh.url}/`, sendInvitationMessage: true })) as { inviteRedeemUrl: string };
      const redeemToken = created.inviteRedeemUrl.split('#rd=')[1] as string;
      const browser = new Browser(gh.url);
      await jsonCall(browser, 'POST', '/portal/api/redeem', { token: redeemToken });
      const flowCookie = browser.cookies.get('gatehouse_flow') as string;
      await jsonCall(browser, 'POST', '/portal/api/redeem/otp');
      const mail = await smtp.waitFor((m) => m.to.includes('secret.keeper@vendor.test') && /verification code/.test(m.subject));
      const code = /is (\d{6})\./.exec(mail.text)?.[1] as string;
      const wrong = code === '123456' ? '654321' : '123456';
      await jsonCall(browser, 'POST', '/portal/api/redeem/otp/verify', { code: wrong });
      await jsonCall(browser, 'POST', '/portal/api/redeem/otp/verify', { code });
      await jsonCall(browser, 'POST', '/portal/api/redeem/consent', { accept: true });
      const sessionCookie = browser.cookies.get('gatehouse_session') as string;
      assert.ok(sessionCookie && flowCookie && code);

      const readable = [await api('GET', '/v1.0/auditLogs/directoryAudits?$top=999'), await api('GET', '/v1.0/admin/mailOutbox?$top=999'), await api('GET', '/v1.0/identity/identityProviders'), await api('GET', '/v1.0/invitations')].join('\n');
      const secrets: [string, string][] = [['one-time passcode', code], ['wrong passcode', wrong], ['flow cookie', flowCookie], ['session cookie', sessionCookie], ['partner client secret', clientSecret]];
      for (const [name, value] of secrets) {
        assert.ok(!log.includes(value), `${name} is in the log`);
        assert.ok(!readable.includes(value), `${name} is in an API response`);
      }
      // The redeem link is handed to the inviter (and to administrators through the outbox, to forward by hand)
      // but is never logged, nor kept in the audit log.
      assert.ok(!log.includes(redeemToken), 'redeem token is in the log');
      assert.ok(!(await api('GET', '/v1.0/auditLogs/directoryAudits?$top=999')).includes(redeemToken), 'redeem token is in the audit log');
      assert.ok(log.includes('/portal/api/redeem/otp/verify'), 'the requests of the flow were logged');
    } finally {
      await gh.stop();
      await smtp.close();
    }
  });
});
