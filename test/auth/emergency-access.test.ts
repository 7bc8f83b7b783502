import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signWebhook } from '#src/auth/index.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * Emergency-access (break-glass) accounts over HTTP against a real node: an account is marked, alerts go to a
 * webhook (a local HTTP server here that checks the HMAC signature) within 5 s of every sign-in attempt — a
 * successful one and a wrong password alike — the alerts list shows them, acknowledging one takes it off the open
 * list, and bad settings or a guest account are refused with a 400 that names the property.
 */

const ADMIN_PASSWORD = 'correct horse battery staple';
const PASSWORD = 'break glass in case of fire';
const SECRET = 'a-webhook-secret-of-32-characters';
const UPN = 'breakglass1@gatehouse.local';
const BASE = '/v1.0/privilegedAccess/emergencyAccess';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}
interface Alert {
  id: string;
  kind: string;
  userId: string | null;
  userPrincipalName: string;
  details: Record<string, unknown>;
  webhookState: string;
  acknowledgedDateTime: string | null;
  acknowledgedBy: string | null;
}
type Json = Record<string, unknown>;

describe('emergency-access accounts and their alerts over HTTP', () => {
  let gh: TestGatehouse;
  let hook: Server;
  let hookUrl = '';
  const deliveries: Delivery[] = [];
  const waiters: (() => void)[] = [];
  let token = '';
  let admin = { cookie: '', csrf: '' };
  let accountId = '';

  const call = async (method: string, path: string, options: { body?: unknown; bearer?: string; session?: { cookie: string; csrf: string } } = {}) => {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    if (options.session) {
      headers.cookie = options.session.cookie;
      headers['x-csrf-token'] = options.session.csrf;
    }
    const response = await fetch(`${gh.url}${path}`, { method, headers, body: options.body === undefined ? null : JSON.stringify(options.body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const innerCode = (body: Json) => (body.error as { innerError?: { code?: string } }).innerError?.code;
  const message = (body: Json) => (body.error as { message: string }).message;
  const signIn = (userName: string, password: string) => call('POST', '/portal/api/session', { body: { userName, password } });

  /** The next webhook delivery after `count` have arrived, within `ms`. */
  const delivery = async (count: number, ms = 5_000): Promise<Delivery> => {
    const deadline = Date.now() + ms;
    while (deliveries.length <= count) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`no webhook delivery within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return deliveries[count] as Delivery;
  };

  before(async () => {
    hook = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() });
        response.writeHead(204).end();
        waiters.splice(0).forEach((wake) => wake());
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/gatehouse`;

    gh = await startTestGatehouse();
    token = await gh.appToken(['User.ReadWrite.All', 'User.Invite.All', 'Policy.ReadWrite.ConditionalAccess']);
    const created = await call('POST', '/v1.0/users', {
      bearer: token,
      body: { accountEnabled: true, displayName: 'Break Glass 1', mailNickname: 'breakglass1', userPrincipalName: UPN, passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false } },
    });
    assert.equal(created.status, 201);
    accountId = created.body.id as string;

    const setupToken = new URLSearchParams(new URL(gh.gatehouse.setupLink as string).hash.slice(1)).get('token');
    assert.equal((await call('POST', '/portal/api/set-password', { body: { token: setupToken, password: ADMIN_PASSWORD } })).status, 204);
    const adminSignIn = await signIn('admin@gatehouse.local', ADMIN_PASSWORD);
    assert.equal(adminSignIn.status, 200);
    const cookie = (adminSignIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    admin = { cookie, csrf: adminSignIn.body.csrfToken as string };
  });

  after(async () => {
    await gh?.stop();
    await new Promise<void>((resolve) => hook?.close(() => resolve()));
  });

  it('marks a cloud-only member account and refuses a guest with a 400 naming userId', async () => {
    const added = await call('POST', `${BASE}/accounts`, { bearer: token, body: { userId: accountId } });
    assert.equal(added.status, 201);
    assert.equal(added.body.userPrincipalName, UPN);
    assert.equal(added.body.excludeFromConditionalAccess, true, 'left out of Conditional Access unless said otherwise');
    assert.equal(added.body.validationDue, false);
    assert.equal((await call('POST', `${BASE}/accounts`, { bearer: token, body: { userId: accountId } })).status, 409);

    const invited = await call('POST', '/v1.0/invitations', { bearer: token, body: { invitedUserEmailAddress: 'gail@partner.example', inviteRedirectUrl: `${gh.url}/my-account` } });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    const guestId = (invited.body.invitedUser as { id: string }).id;
    const refused = await call('POST', `${BASE}/accounts`, { bearer: token, body: { userId: guestId } });
    assert.equal(refused.status, 400);
    assert.equal(innerCode(refused.body), 'EMERGENCY_ACCESS_INVALID');
    assert.match(message(refused.body), /^userId: .*not a guest/);
    const listed = await call('GET', `${BASE}/accounts`, { bearer: token });
    assert.deepEqual((listed.body.value as { id: string }[]).map((a) => a.id), [accountId]);
  });

  it('refuses bad alert settings with a 400 naming the property, and changes nothing', async () => {
    const cases: [Json, RegExp][] = [
      [{ webhookUrl: 'not a url' }, /^webhookUrl: /],
      [{ webhookUrl: 'ftp://siem.example.com/hook' }, /^webhookUrl: /],
      [{ webhookUrl: 'https://user:pass@siem.example.com/hook' }, /^webhookUrl: /],
      [{ webhookSecret: 'too short' }, /^webhookSecret: /],
      [{ notifyEmails: ['soc@example.com', 'not an address'] }, /^notifyEmails: "not an address"/],
    ];
    for (const [body, expected] of cases) {
      const res = await call('PATCH', `${BASE}/settings`, { bearer: token, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(innerCode(res.body), 'EMERGENCY_ACCESS_INVALID');
      assert.match(message(res.body), expected);
    }
    const unknown = await call('PATCH', `${BASE}/settings`, { bearer: token, body: { webhook: hookUrl } });
    assert.equal(unknown.status, 400);
    const settings = await call('GET', `${BASE}/settings`, { bearer: token });
    assert.deepEqual(settings.body, { webhookUrl: null, hasWebhookSecret: false, notifyEmails: [] });
  });

  it('keeps the webhook secret write-only', async () => {
    const set = await call('PATCH', `${BASE}/settings`, { bearer: token, body: { webhookUrl: hookUrl, webhookSecret: SECRET, notifyEmails: ['SOC@example.com'] } });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body, { webhookUrl: hookUrl, hasWebhookSecret: true, notifyEmails: ['soc@example.com'] });
    assert.ok(!JSON.stringify((await call('GET', `${BASE}/settings`, { bearer: token })).body).includes(SECRET));
  });

  it('posts a signed alert within 5 s when the account signs in', async () => {
    const before = deliveries.length;
    const started = Date.now();
    const res = await signIn(UPN, PASSWORD);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'signedIn');
    const received = await delivery(before);
    assert.ok(received.receivedAt - started < 5_000);
    const timestamp = received.headers['x-gatehouse-timestamp'] as string;
    assert.match(timestamp, /^\d+$/);
    assert.equal(received.headers['x-gatehouse-signature'], signWebhook(SECRET, timestamp, received.body), 'HMAC over timestamp and body with the configured secret');
    assert.notEqual(received.headers['x-gatehouse-signature'], signWebhook('another secret of enough length', timestamp, received.body));
    const payload = JSON.parse(received.body) as { type: string; severity: string; alert: Alert };
    assert.equal(payload.type, 'gatehouse.emergencyAccess.alert');
    assert.equal(payload.severity, 'critical');
    assert.equal(payload.alert.kind, 'signIn');
    assert.equal(payload.alert.userId, accountId);
    assert.equal(payload.alert.userPrincipalName, UPN);
    assert.ok(!received.body.includes(PASSWORD));
  });

  it('posts an alert within 5 s for a wrong password too', async () => {
    const before = deliveries.length;
    const started = Date.now();
    const res = await signIn(UPN, 'not the password at all');
    assert.equal(res.status, 401);
    const received = await delivery(before);
    assert.ok(received.receivedAt - started < 5_000);
    const timestamp = received.headers['x-gatehouse-timestamp'] as string;
    assert.equal(received.headers['x-gatehouse-signature'], signWebhook(SECRET, timestamp, received.body));
    const payload = JSON.parse(received.body) as { alert: Alert };
    assert.equal(payload.alert.kind, 'signInFailed');
    assert.ok(!received.body.includes('not the password at all'), 'the attempted password is not in the alert');
  });

  it('lists the alerts newest first, and acknowledging one (as a person) takes it off the open list', async () => {
    const all = await call('GET', `${BASE}/alerts?$top=10`, { bearer: token });
    assert.equal(all.status, 200);
    const alerts = all.body.value as Alert[];
    assert.deepEqual(alerts.map((a) => a.kind), ['signInFailed', 'signIn']);
    assert.ok(alerts.every((a) => a.userPrincipalName === UPN && a.acknowledgedDateTime === null));
    const open = await call('GET', `${BASE}/alerts?$filter=${encodeURIComponent('acknowledgedDateTime eq null')}`, { bearer: token });
    assert.equal((open.body.value as Alert[]).length, 2);
    const unsupported = await call('GET', `${BASE}/alerts?$filter=${encodeURIComponent("kind eq 'signIn'")}`, { bearer: token });
    assert.equal(unsupported.status, 400);
    // Regression: $top arrives as a string; an integer schema refused every value.
    assert.deepEqual(((await call('GET', `${BASE}/alerts?$top=1`, { bearer: token })).body.value as Alert[]).map((a) => a.kind), ['signInFailed']);
    assert.equal((await call('GET', `${BASE}/alerts?$top=0`, { bearer: token })).status, 400);

    const [failed] = alerts as [Alert];
    const byApp = await call('POST', `${BASE}/alerts/${failed.id}/acknowledge`, { bearer: token });
    assert.equal(byApp.status, 403, 'an application cannot acknowledge');
    const acknowledged = await call('POST', `${BASE}/alerts/${failed.id}/acknowledge`, { session: admin });
    assert.equal(acknowledged.status, 200);
    assert.equal(acknowledged.body.acknowledgedBy, 'admin@gatehouse.local');
    assert.ok(acknowledged.body.acknowledgedDateTime);
    const stillOpen = await call('GET', `${BASE}/alerts?$filter=${encodeURIComponent('acknowledgedDateTime eq null')}`, { bearer: token });
    assert.deepEqual((stillOpen.body.value as Alert[]).map((a) => a.kind), ['signIn']);
    const again = await call('POST', `${BASE}/alerts/${failed.id}/acknowledge`, { session: admin });
    assert.equal(again.status, 200, 'acknowledging twice is harmless');
    assert.equal(again.body.acknowledgedDateTime, acknowledged.body.acknowledgedDateTime);
    assert.equal((await call('POST', `${BASE}/alerts/00000000-0000-4000-8000-000000000000/acknowledge`, { session: admin })).status, 404);
  });

  it('records the successful sign-in as the account’s validation, and stops alerting once unmarked', async () => {
    const listed = await call('GET', `${BASE}/accounts`, { bearer: token });
    const [account] = listed.body.value as { lastSignInDateTime: string | null; validationDue: boolean }[];
    assert.ok(account?.lastSignInDateTime, 'last sign-in recorded');
    assert.equal(account.validationDue, false);
    assert.equal((await call('DELETE', `${BASE}/accounts/${accountId}`, { bearer: token })).status, 204);
    const before = deliveries.length;
    assert.equal((await signIn(UPN, PASSWORD)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(deliveries.length, before, 'no alert for an ordinary account');
    const alerts = await call('GET', `${BASE}/alerts`, { bearer: token });
    assert.equal((alerts.body.value as Alert[]).length, 2);
  });
});
