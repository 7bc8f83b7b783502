import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

interface Json {
  [key: string]: unknown;
}

/** Graph POST /invitations, the invite policy and domain lists, sponsors, and the mail each invitation sends. */
describe('invitations', () => {
  let gh: TestGatehouse;
  let smtp: TestSmtp;
  let admin = '';
  let reader = '';
  let policyAdmin = '';

  const call = async (method: string, path: string, token: string | { cookie: string; csrf: string }, body?: unknown) => {
    const headers: Record<string, string> = typeof token === 'string' ? { authorization: `Bearer ${token}` } : { cookie: token.cookie, 'x-csrf-token': token.csrf };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${gh.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const errorOf = (body: Json) => body.error as { code: string; message: string };
  const invite = (token: string | { cookie: string; csrf: string }, body: Json) => call('POST', '/v1.0/invitations', token, { inviteRedirectUrl: gh.url + '/', ...body });
  const setSettings = async (patch: Json) => {
    const res = await call('PATCH', '/v1.0/policies/externalCollaborationSettings', policyAdmin, patch);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const userCount = async () => Number((await call('GET', '/v1.0/users?$count=true&$top=1', admin)).body['@odata.count'] ?? NaN);
  const audits = async (activity: string) =>
    ((await call('GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`activityDisplayName eq '${activity}'`)}`, admin)).body.value as Json[]);

  before(async () => {
    smtp = await startTestSmtp();
    gh = await startTestGatehouse({ smtpUrl: smtp.url });
    admin = await gh.appToken(['User.Invite.All', 'User.ReadWrite.All', 'AuditLog.Read.All', 'Directory.Read.All']);
    reader = await gh.appToken(['User.Read.All']);
    policyAdmin = await gh.appToken(['Policy.ReadWrite.Authorization']);
  });
  after(async () => {
    await gh?.stop();
    await smtp?.close();
  });

  it('invites a guest: Graph shape, a pending guest user, the mail with the redeem link, cc and custom message', async () => {
    const res = await invite(admin, {
      invitedUserEmailAddress: 'supplier.engineer@vendor.test',
      invitedUserDisplayName: 'Sam Supplier',
      sendInvitationMessage: true,
      invitedUserMessageInfo: { customizedMessageBody: 'Welcome <b>aboard</b>, see you on site.', ccRecipients: [{ emailAddress: { address: 'lead@vendor.test', name: 'Lead' } }] },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'PendingAcceptance');
    assert.equal(res.body.invitedUserType, 'Guest');
    assert.match(res.body.inviteRedeemUrl as string, new RegExp(`^${gh.url}/redeem#rd=[A-Za-z0-9_-]{43}$`));
    const userId = (res.body.invitedUser as Json).id as string;
    const user = (await call('GET', `/v1.0/users/${userId}`, reader)).body;
    assert.equal(user.userType, 'Guest');
    assert.equal(user.creationType, 'Invitation');
    assert.equal(user.externalUserState, 'PendingAcceptance');
    assert.equal(user.mail, 'supplier.engineer@vendor.test');
    assert.equal(user.userPrincipalName, 'supplier.engineer_vendor.test#EXT#@gatehouse.local');
    assert.equal(user.displayName, 'Sam Supplier');

    const mail = await smtp.waitFor((m) => m.to.includes('supplier.engineer@vendor.test'));
    assert.ok(mail.to.includes('lead@vendor.test'), 'the cc recipient receives it too');
    assert.deepEqual(mail.cc, ['lead@vendor.test']);
    assert.match(mail.subject, /invited you to Gatehouse/);
    assert.ok(mail.text.includes(res.body.inviteRedeemUrl as string), 'the mail carries the redeem link');
    assert.ok(mail.text.includes('Welcome <b>aboard</b>'), 'the custom message is in the text part as written');
    assert.ok(mail.html.includes('Welcome &lt;b&gt;aboard&lt;/b&gt;'), 'and escaped in the HTML part');

    const outbox = await call('GET', `/v1.0/admin/mailOutbox?$filter=${encodeURIComponent(`relatedId eq '${res.body.id as string}'`)}`, admin);
    await waitUntil(async () => ((await call('GET', `/v1.0/admin/mailOutbox?$filter=${encodeURIComponent(`relatedId eq '${res.body.id as string}'`)}`, admin)).body.value as Json[])[0]?.status === 'sent');
    assert.equal((outbox.body.value as Json[]).length, 1);
    // Sent: the stored copy keeps neither the link nor its sealed form.
    const token = (res.body.inviteRedeemUrl as string).split('#rd=')[1] as string;
    const stored = await sql<{ text_body: string; html_body: string; sealed_secret: string | null }>`SELECT text_body, html_body, sealed_secret FROM mail_outbox WHERE related_id = ${res.body.id as string}`.execute(gh.gatehouse.database.db);
    assert.equal(stored.rows.length, 1);
    assert.ok(!stored.rows[0]!.text_body.includes(token) && !stored.rows[0]!.html_body.includes(token));
    assert.equal(stored.rows[0]!.sealed_secret, null);
    assert.ok(!(outbox.body.value as Json[])[0]!.body!.toString().includes(token), 'nor does the outbox view of a sent mail');
    assert.ok((await audits('Invite external user')).some((a) => (a.targetResources as Json[]).some((t) => t.id === userId)));
    assert.ok((await audits('Send mail')).some((a) => a.result === 'success'));
  });

  it('notifies the named sponsors, and makes the inviting user the sponsor when none is named', async () => {
    const sponsor = await call('POST', '/v1.0/users', admin, { accountEnabled: true, displayName: 'Pat Sponsor', mailNickname: 'pat', userPrincipalName: 'pat@gatehouse.local', mail: 'pat@contoso.test' });
    assert.equal(sponsor.status, 201, JSON.stringify(sponsor.body));
    const res = await invite(admin, { invitedUserEmailAddress: 'tech2@vendor.test', invitedUserSponsors: [{ id: sponsor.body.id }] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const guestId = (res.body.invitedUser as Json).id as string;
    const sponsors = await call('GET', `/v1.0/users/${guestId}/sponsors`, reader);
    assert.deepEqual((sponsors.body.value as Json[]).map((s) => s.id), [sponsor.body.id]);
    const notice = await smtp.waitFor((m) => m.to.includes('pat@contoso.test'));
    assert.match(notice.text, /tech2@vendor\.test/);
    assert.equal(smtp.messages.filter((m) => m.to.includes('tech2@vendor.test')).length, 0, 'sendInvitationMessage defaults to false');
  });

  const badAddresses = ['no-at-sign', 'two@@vendor.test', 'a b@vendor.test', 'semi;colon@vendor.test', 'hash#@vendor.test', 'x@vendor', '.dot@vendor.test', 'dot.@vendor.test', 'a..b@vendor.test', `${'a'.repeat(65)}@vendor.test`, 'quote"@vendor.test', 'x@-vendor.test'];
  for (const address of badAddresses) {
    it(`refuses the address ${JSON.stringify(address)} and creates nothing`, async () => {
      const before = await userCount();
      const res = await invite(admin, { invitedUserEmailAddress: address });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(errorOf(res.body).message, /invitedUserEmailAddress/);
      assert.equal(await userCount(), before);
    });
  }

  it('refuses unknown properties, a missing redirect URL and a redirect URL off the allowed list', async () => {
    assert.equal((await invite(admin, { invitedUserEmailAddress: 'x1@vendor.test', favouriteColour: 'blue' })).status, 400);
    assert.equal((await call('POST', '/v1.0/invitations', admin, { invitedUserEmailAddress: 'x1@vendor.test' })).status, 400);
    const off = await invite(admin, { invitedUserEmailAddress: 'x1@vendor.test', inviteRedirectUrl: 'https://evil.example/steal' });
    assert.equal(off.status, 400);
    assert.match(errorOf(off.body).message, /inviteRedirectUrl .* is not allowed/);
    await setSettings({ allowedRedirectUrls: ['https://apps.contoso.test/*'] });
    assert.equal((await invite(admin, { invitedUserEmailAddress: 'x1@vendor.test', inviteRedirectUrl: 'https://apps.contoso.test/wiki' })).status, 201);
    assert.equal((await invite(admin, { invitedUserEmailAddress: 'x2@vendor.test', inviteRedirectUrl: 'https://apps.contoso.test.evil.example/' })).status, 400);
  });

  it('refuses a caller without the right to invite, names the permission, and audits the refusal', async () => {
    const res = await invite(reader, { invitedUserEmailAddress: 'nope@vendor.test' });
    assert.equal(res.status, 403);
    assert.match(errorOf(res.body).message, /User\.Invite\.All/);
    const refused = (await audits('Invite external user')).filter((a) => a.result === 'failure');
    assert.ok(refused.some((a) => (a.targetResources as Json[])[0]?.id === 'nope@vendor.test'));
  });

  it('applies allowInvitesFrom: none stops everyone, members may invite only when the policy says so', async () => {
    const password = 'member password 123';
    const member = await call('POST', '/v1.0/users', admin, { accountEnabled: true, displayName: 'Mo Member', mailNickname: 'mo', userPrincipalName: 'mo@gatehouse.local', passwordProfile: { password, forceChangePasswordNextSignIn: false } });
    assert.equal(member.status, 201);
    const signIn = await fetch(`${gh.url}/portal/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'mo@gatehouse.local', password }) });
    assert.equal(signIn.status, 200);
    const session = { cookie: (signIn.headers.get('set-cookie') as string).split(';')[0] as string, csrf: ((await signIn.json()) as Json).csrfToken as string };

    assert.equal((await invite(session, { invitedUserEmailAddress: 'm1@vendor.test' })).status, 403, 'default: admins and guest inviters only');
    await setSettings({ allowInvitesFrom: 'adminsGuestInvitersAndAllMembers' });
    assert.equal((await invite(session, { invitedUserEmailAddress: 'm1@vendor.test' })).status, 201);
    await setSettings({ allowInvitesFrom: 'none' });
    const none = await invite(admin, { invitedUserEmailAddress: 'm2@vendor.test' });
    assert.equal(none.status, 403);
    assert.match(errorOf(none.body).message, /allowInvitesFrom\) is none/);
    await setSettings({ allowInvitesFrom: 'adminsAndGuestInviters' });
    const policy = await call('GET', '/v1.0/policies/authorizationPolicy', policyAdmin);
    assert.equal(policy.body.allowInvitesFrom, 'adminsAndGuestInviters');
  });

  it('checks the domain allow and block lists, one at a time', async () => {
    await setSettings({ blockedDomains: ['blocked.test'] });
    const blocked = await invite(admin, { invitedUserEmailAddress: 'x@sub.blocked.test' });
    assert.equal(blocked.status, 400);
    assert.match(errorOf(blocked.body).message, /blocked/);
    const both = await call('PATCH', '/v1.0/policies/externalCollaborationSettings', policyAdmin, { allowedDomains: ['vendor.test'] });
    assert.equal(both.status, 400);
    assert.match(errorOf(both.body).message, /not both/);
    await setSettings({ blockedDomains: [], allowedDomains: ['vendor.test'] });
    assert.equal((await invite(admin, { invitedUserEmailAddress: 'x@other.test' })).status, 400);
    assert.equal((await invite(admin, { invitedUserEmailAddress: 'allowed@vendor.test' })).status, 201);
    const badDomain = await call('PATCH', '/v1.0/policies/externalCollaborationSettings', policyAdmin, { allowedDomains: ['not a domain'] });
    assert.equal(badDomain.status, 400);
    await setSettings({ allowedDomains: [] });
  });

  it('re-inviting a pending guest keeps the user and voids the earlier link; resetRedemption keeps the id', async () => {
    const first = await invite(admin, { invitedUserEmailAddress: 'again@vendor.test' });
    const second = await invite(admin, { invitedUserEmailAddress: 'AGAIN@vendor.test' });
    assert.equal(second.status, 201);
    const userId = (first.body.invitedUser as Json).id;
    assert.equal((second.body.invitedUser as Json).id, userId);
    assert.equal((await call('GET', `/v1.0/invitations/${first.body.id as string}`, admin)).body.status, 'Voided');
    assert.notEqual(first.body.inviteRedeemUrl, second.body.inviteRedeemUrl);

    assert.equal((await invite(admin, { invitedUserEmailAddress: 'again@vendor.test', resetRedemption: true })).status, 400, 'resetRedemption needs invitedUser.id');
    const reset = await invite(admin, { invitedUserEmailAddress: 'new.address@vendor.test', resetRedemption: true, invitedUser: { id: userId } });
    assert.equal(reset.status, 201, JSON.stringify(reset.body));
    assert.equal((reset.body.invitedUser as Json).id, userId);
    assert.equal((await call('GET', `/v1.0/users/${userId as string}`, reader)).body.mail, 'new.address@vendor.test');
    assert.ok((await audits('Reset redemption status of external user')).length >= 1);
    const member = (await call('GET', '/v1.0/users/mo@gatehouse.local', reader)).body;
    const notGuest = await invite(admin, { invitedUserEmailAddress: 'x@vendor.test', resetRedemption: true, invitedUser: { id: member.id } });
    assert.equal(notGuest.status, 400);
  });

  it('lists invitations without their redeem links', async () => {
    const list = await call('GET', `/v1.0/invitations?$filter=${encodeURIComponent("invitedUserEmailAddress eq 'again@vendor.test'")}`, admin);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const rows = list.body.value as Json[];
    assert.ok(rows.length >= 2);
    for (const row of rows) assert.equal(row.inviteRedeemUrl, undefined);
  });
});

describe('invitation mail without an SMTP server', () => {
  it('keeps the message in the outbox as notSent and audits it', async () => {
    const gh = await startTestGatehouse();
    try {
      const token = await gh.appToken(['User.Invite.All', 'AuditLog.Read.All']);
      const res = await fetch(`${gh.url}/v1.0/invitations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ invitedUserEmailAddress: 'offline@vendor.test', inviteRedirectUrl: `${gh.url}/`, sendInvitationMessage: true }),
      });
      assert.equal(res.status, 201);
      const invitation = (await res.json()) as Json;
      let row: Json | undefined;
      await waitUntil(async () => {
        const outbox = (await (await fetch(`${gh.url}/v1.0/admin/mailOutbox`, { headers: { authorization: `Bearer ${token}` } })).json()) as Json;
        row = (outbox.value as Json[]).find((m) => m.relatedId === invitation.id);
        return row?.status === 'notSent';
      });
      assert.ok((row?.body as string).includes(invitation.inviteRedeemUrl as string), 'an administrator can hand the link over');
      const audit = (await (await fetch(`${gh.url}/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Send mail'")}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Json;
      assert.ok((audit.value as Json[]).some((a) => a.result === 'failure' && /no SMTP server/.test(a.resultReason as string)));
    } finally {
      await gh.stop();
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('invitations racing for the same new address', () => {
  it('end with one guest and no server error', async () => {
    const gh = await startTestGatehouse();
    try {
      const token = await gh.appToken(['User.Invite.All', 'User.Read.All']);
      const invite = () =>
        fetch(`${gh.url}/v1.0/invitations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ invitedUserEmailAddress: 'race@vendor.test', inviteRedirectUrl: `${gh.url}/` }),
        });
      const answers = await Promise.all(Array.from({ length: 6 }, invite));
      const statuses = answers.map((a) => a.status);
      assert.ok(statuses.every((s) => s === 201 || s === 400), `statuses: ${statuses.join(', ')}`);
      assert.ok(statuses.includes(201));
      const users = (await (await fetch(`${gh.url}/v1.0/users?$filter=${encodeURIComponent("mail eq 'race@vendor.test'")}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { value: unknown[] };
      assert.equal(users.value.length, 1);
    } finally {
      await gh.stop();
    }
  });
});

describe('what inviting does not grant', () => {
  it('needs User.ReadWrite.All to reset a redemption, invite a member or add sponsors to an existing user, and RoleManagement to reset an administrator', async () => {
    const gh = await startTestGatehouse();
    try {
      const inviter = await gh.appToken(['User.Invite.All']);
      const userAdmin = await gh.appToken(['User.Invite.All', 'User.ReadWrite.All']);
      const roleAdmin = await gh.appToken(['User.Invite.All', 'User.ReadWrite.All', 'RoleManagement.ReadWrite.Directory']);
      const call = async (token: string, method: string, path: string, body?: unknown) => {
        const response = await fetch(`${gh.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
        const text = await response.text();
        return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
      };
      const invited = await call(inviter, 'POST', '/v1.0/invitations', { invitedUserEmailAddress: 'victim@vendor.test', inviteRedirectUrl: `${gh.url}/` });
      assert.equal(invited.status, 201);
      const victimId = (invited.body.invitedUser as Json).id as string;
      const reset = { invitedUserEmailAddress: 'attacker@evil.test', inviteRedirectUrl: `${gh.url}/`, resetRedemption: true, invitedUser: { id: victimId } };
      const refused = await call(inviter, 'POST', '/v1.0/invitations', reset);
      assert.equal(refused.status, 403);
      assert.match((refused.body.error as Json).message as string, /User\.ReadWrite\.All/);
      assert.equal((await call(inviter, 'POST', '/v1.0/invitations', { invitedUserEmailAddress: 'member@vendor.test', inviteRedirectUrl: `${gh.url}/`, invitedUserType: 'Member' })).status, 403);
      const sponsor = await call(userAdmin, 'POST', '/v1.0/users', { accountEnabled: true, displayName: 'Sue Sponsor', mailNickname: 'sue', userPrincipalName: 'sue@gatehouse.local' });
      assert.equal((await call(inviter, 'POST', '/v1.0/invitations', { invitedUserEmailAddress: 'victim@vendor.test', inviteRedirectUrl: `${gh.url}/`, invitedUserSponsors: [{ id: sponsor.body.id }] })).status, 403);

      // The guest now holds a directory role: a User Administrator may not re-bind the account, a role manager may.
      const GA = '62e90394-69f5-4237-9190-012177145e10';
      assert.equal((await call(roleAdmin, 'POST', '/v1.0/roleManagement/directory/roleAssignments', { principalId: victimId, roleDefinitionId: GA, directoryScopeId: '/' })).status, 201);
      const adminReset = await call(userAdmin, 'POST', '/v1.0/invitations', reset);
      assert.equal(adminReset.status, 403);
      assert.match((adminReset.body.error as Json).message as string, /RoleManagement\.ReadWrite\.Directory/);
      assert.equal((await call(userAdmin, 'GET', `/v1.0/users/${victimId}`)).body.mail, 'victim@vendor.test', 'nothing changed');
      // Nor onto an address another user already has.
      const taken = await call(roleAdmin, 'POST', '/v1.0/invitations', { ...reset, invitedUserEmailAddress: 'member2@vendor.test' });
      assert.equal(taken.status, 201, 'a free address is fine for a role manager');
      const other = await call(inviter, 'POST', '/v1.0/invitations', { invitedUserEmailAddress: 'someone.else@vendor.test', inviteRedirectUrl: `${gh.url}/` });
      assert.equal(other.status, 201);
      const clash = await call(roleAdmin, 'POST', '/v1.0/invitations', { ...reset, invitedUserEmailAddress: 'someone.else@vendor.test' });
      assert.equal(clash.status, 400);
      assert.match((clash.body.error as Json).message as string, /already has the address/);
      // A redirect URL carrying line breaks is refused, not normalized.
      assert.equal((await call(inviter, 'POST', '/v1.0/invitations', { invitedUserEmailAddress: 'crlf@vendor.test', inviteRedirectUrl: `${gh.url}/\r\nSet-Cookie: x=1` })).status, 400);
    } finally {
      await gh.stop();
    }
  });
});
