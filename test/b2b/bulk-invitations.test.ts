import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { systemClock } from '#src/core/clock.ts';
import { isAppError } from '#src/core/errors.ts';
import { loadOrCreateMasterKey } from '#src/core/master-key.ts';
import {
  addPassword,
  bootstrapDirectory,
  bulkJobResultsCsv,
  createApplication,
  createBulkJob,
  createInvitation,
  createServicePrincipal,
  getBulkJob,
  graphResource,
  grantAppRole,
  permissions,
  processBulkJob,
  updateExternalCollaboration,
  updateServicePrincipal,
  type InvitationDeps,
  type Inviter,
} from '#src/directory/index.ts';
import type { Db } from '#src/store/index.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { describeEachBackend } from '../helpers/database.ts';

interface Json {
  [key: string]: unknown;
}

const ENTRA_HEADER =
  'Email address to invite [inviteeEmail] Required,Redirection url [inviteRedirectURL] Required,Send invitation message (true or false) [sendEmail],Customized invitation message [customizedMessageBody]';
const RESULT_HEADER = 'line,email,status,userId,inviteRedeemUrl,error';

/** The result file as records (the cells written by the tests contain no quotes or line breaks). */
const resultRows = (csv: string): string[][] => csv.trimEnd().split('\r\n').map((line) => line.split(','));

/** POST /v1.0/invitations/bulk, the job and its results through the HTTP API, with a real SMTP server. */
describe('bulk invitations over the API', () => {
  let gh: TestGatehouse;
  let smtp: TestSmtp;
  let admin = '';
  let otherInviter = '';
  let reader = '';
  let policyAdmin = '';

  const request = async (method: string, path: string, token: string, body?: { json: unknown } | { csv: string | Uint8Array<ArrayBuffer> }) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let payload: string | Uint8Array<ArrayBuffer> | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body) {
      headers['content-type'] = 'text/csv';
      payload = body.csv;
    }
    const response = await fetch(`${gh.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as Json) : undefined;
    return { status: response.status, headers: response.headers, text, body: json ?? {} };
  };
  const upload = (token: string, csv: string | Uint8Array<ArrayBuffer>) => request('POST', '/v1.0/invitations/bulk', token, { csv });
  const errorOf = (body: Json) => body.error as { code: string; message: string; innerError: { code: string } };
  const jobCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM bulk_invitation_jobs`.execute(gh.database.db)).rows[0]?.n);
  const untilFinished = async (id: string, token = admin): Promise<Json> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const job = await request('GET', `/v1.0/invitations/bulk/${id}`, token);
      assert.equal(job.status, 200, job.text);
      if (job.body.status !== 'running') return job.body;
      if (Date.now() > deadline) throw new Error(`job ${id} still running: ${job.text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  before(async () => {
    smtp = await startTestSmtp();
    gh = await startTestGatehouse({ smtpUrl: smtp.url });
    admin = await gh.appToken(['User.Invite.All', 'User.Read.All', 'AuditLog.Read.All']);
    otherInviter = await gh.appToken(['User.Invite.All']);
    reader = await gh.appToken(['User.Read.All']);
    policyAdmin = await gh.appToken(['Policy.ReadWrite.Authorization']);
    const blocked = await request('PATCH', '/v1.0/policies/externalCollaborationSettings', policyAdmin, { json: { blockedDomains: ['blocked.test'] } });
    assert.equal(blocked.status, 200, blocked.text);
  });
  after(async () => {
    await gh?.stop();
    await smtp?.close();
  });

  it("invites the rows of Entra's template, fails the bad ones alone, and reports each row in the result file", async () => {
    const redirect = `${gh.url}/`;
    const csv = [
      'version:v1.0',
      ENTRA_HEADER,
      'Example: someone@fabrikam.test, https://myapplications.microsoft.com, TRUE, Welcome to Contoso!',
      `ann@vendor.test, ${redirect}, TRUE, "Hello Ann, welcome"`,
      `not-an-address, ${redirect}, TRUE,`,
      `eve@blocked.test, ${redirect}, TRUE,`,
      `=1+2@vendor.test, ${redirect}, TRUE,`,
      `bob@vendor.test, ${redirect}, maybe,`,
      `cid@vendor.test, ${redirect}, false,`,
      `ANN@vendor.test, ${redirect}, TRUE,`,
      `dan@vendor.test, https://evil.example/, TRUE,`,
    ].join('\r\n');
    const created = await upload(admin, csv);
    assert.equal(created.status, 202, created.text);
    const id = created.body.id as string;
    assert.equal(created.headers.get('location'), `${gh.url}/v1.0/invitations/bulk/${id}`);
    assert.deepEqual(Object.keys(created.body).sort(), ['createdDateTime', 'failed', 'finishedDateTime', 'id', 'processed', 'status', 'succeeded', 'total']);
    assert.equal(created.body.status, 'running');
    assert.equal(created.body.total, 8);
    // The bad "send" value and the repeated address are refused by the file check right away.
    assert.equal(created.body.failed, 2);

    const job = await untilFinished(id);
    assert.equal(job.status, 'completed');
    assert.deepEqual([job.total, job.processed, job.succeeded, job.failed], [8, 8, 2, 6]);
    assert.match(job.finishedDateTime as string, /^\d{4}-\d\d-\d\dT/);

    const results = await request('GET', `/v1.0/invitations/bulk/${id}/results`, admin);
    assert.equal(results.status, 200, results.text);
    assert.match(results.headers.get('content-type') ?? '', /^text\/csv/);
    const rows = resultRows(results.text);
    assert.deepEqual(rows[0], RESULT_HEADER.split(','));
    const byLine = new Map(rows.slice(1).map((r) => [Number(r[0]), r]));
    assert.deepEqual([...byLine.keys()], [4, 5, 6, 7, 8, 9, 10, 11]);
    const status = (line: number) => byLine.get(line)?.[2];
    const error = (line: number) => byLine.get(line)?.slice(5).join(',') ?? '';
    assert.deepEqual([4, 5, 6, 7, 8, 9, 10, 11].map(status), ['invited', 'failed', 'failed', 'failed', 'failed', 'invited', 'failed', 'failed']);
    assert.match(error(5), /not a valid email address/);
    assert.match(error(6), /Cannot invite eve@blocked\.test/);
    assert.equal(byLine.get(7)?.[1], "'=1+2@vendor.test", 'a cell that would be a formula is neutralized');
    assert.match(error(8), /must be true or false/);
    assert.match(error(10), /already on line 4/);
    assert.match(error(11), /inviteRedirectUrl .* is not allowed/);
    for (const line of [4, 9]) {
      assert.match(byLine.get(line)?.[3] ?? '', /^[0-9a-f-]{36}$/, 'invited rows name the guest');
      assert.equal(byLine.get(line)?.[4], '', 'redeem links are never stored: they are in the mails');
    }

    const ann = await smtp.waitFor((m) => m.to.includes('ann@vendor.test'));
    assert.match(ann.text, new RegExp(`${gh.url}/redeem#rd=[A-Za-z0-9_-]{43}`));
    assert.ok(ann.text.includes('Hello Ann, welcome'), 'the customized message is in the mail');
    const guest = await request('GET', `/v1.0/users/${byLine.get(4)?.[3]}`, reader);
    assert.equal(guest.body.userType, 'Guest');
    assert.equal(guest.body.externalUserState, 'PendingAcceptance');
    // cid asked for no message; the refused rows got none.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const address of ['cid@vendor.test', 'eve@blocked.test', 'dan@vendor.test']) assert.equal(smtp.messages.filter((m) => m.to.includes(address)).length, 0, address);

    const audits = await request('GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${id}')`)}`, admin);
    const codes = (audits.body.value as Json[]).map((a) => (a.additionalDetails as { key: string; value: string }[]).find((d) => d.key === 'eventCode')?.value).sort();
    assert.deepEqual(codes, ['GH1709I', 'GH1710I']);
  });

  it('takes the short form as JSON and sends every invitation mail', async () => {
    const addresses = Array.from({ length: 20 }, (_, i) => `short${i}@partner.test`);
    const csv = ['UserPrincipalName,DisplayName,InviteRedirectUrl', ...addresses.map((a, i) => `${a},Short Guest ${i},${gh.url}/`)].join('\n');
    const created = await request('POST', '/v1.0/invitations/bulk', admin, { json: { csv } });
    assert.equal(created.status, 202, created.text);
    const job = await untilFinished(created.body.id as string);
    assert.deepEqual([job.status, job.total, job.succeeded, job.failed], ['completed', 20, 20, 0]);
    for (const address of addresses) await smtp.waitFor((m) => m.to.includes(address));
    const users = await request('GET', `/v1.0/users?$filter=${encodeURIComponent("startsWith(displayName,'Short Guest')")}`, reader);
    assert.equal((users.body.value as Json[]).length, 20);
  });

  it('refuses a 10 MiB junk upload with INVALID_CSV and creates no job', async () => {
    const before = await jobCount();
    // Random bytes without NUL (refused earlier, for every route, as BAD_REQUEST): control characters remain.
    const junk = new Uint8Array(randomBytes(10 * 1024 * 1024).map((b) => (b === 0 ? 1 : b)));
    const res = await upload(admin, junk);
    assert.equal(res.status, 400, res.text.slice(0, 500));
    assert.equal(errorOf(res.body).innerError.code, 'INVALID_CSV');
    assert.match(errorOf(res.body).message, /control character|not saved as UTF-8/);
    const tooBig = await request('POST', '/v1.0/invitations/bulk', admin, { json: { csv: `UserPrincipalName,InviteRedirectUrl\n${'x'.repeat(10 * 1024 * 1024)}` } });
    assert.equal(tooBig.status, 400);
    assert.match(errorOf(tooBig.body).message, /larger than 10 MiB.*split it/);
    assert.equal(await jobCount(), before);
  });

  it('refuses a file without a required column, an empty file and a header without rows, naming the problem', async () => {
    const before = await jobCount();
    const missing = await upload(admin, 'Email address to invite [inviteeEmail] Required,Send invitation message\nann@vendor.test,true\n');
    assert.equal(missing.status, 400);
    assert.equal(errorOf(missing.body).innerError.code, 'INVALID_CSV');
    assert.match(errorOf(missing.body).message, /no "Redirection url" column/);
    const empty = await upload(admin, '');
    assert.equal(empty.status, 400);
    const headerOnly = await upload(admin, 'UserPrincipalName,DisplayName,InviteRedirectUrl\n');
    assert.equal(headerOnly.status, 400);
    assert.match(errorOf(headerOnly.body).message, /no addresses to invite/);
    assert.equal(await jobCount(), before);
  });

  it('answers 403 before creating a job when the caller may not invite at all', async () => {
    const before = await jobCount();
    const res = await upload(reader, `UserPrincipalName,InviteRedirectUrl\nx@vendor.test,${gh.url}/\n`);
    assert.equal(res.status, 403, res.text);
    assert.match(errorOf(res.body).message, /User\.Invite\.All/);
    assert.equal(await jobCount(), before);
  });

  it('shows a job to its creator and to callers with User.Invite.All only', async () => {
    const created = await upload(admin, `UserPrincipalName,InviteRedirectUrl\nseen@vendor.test,${gh.url}/\n`);
    assert.equal(created.status, 202);
    const id = created.body.id as string;
    await untilFinished(id);
    assert.equal((await request('GET', `/v1.0/invitations/bulk/${id}`, otherInviter)).status, 200);
    for (const path of [`/v1.0/invitations/bulk/${id}`, `/v1.0/invitations/bulk/${id}/results`]) {
      const hidden = await request('GET', path, reader);
      assert.equal(hidden.status, 404, path);
      assert.equal(errorOf(hidden.body).innerError.code, 'BULK_JOB_NOT_FOUND');
    }
    assert.equal((await request('GET', '/v1.0/invitations/bulk/not-a-guid', admin)).status, 404);
  });
});

/** A job a stopped node left behind is finished by the next node that starts. */
describe('bulk invitations resume on another node', () => {
  let first: TestGatehouse;
  let second: TestGatehouse | undefined;
  let smtp: TestSmtp;

  before(async () => {
    smtp = await startTestSmtp();
    first = await startTestGatehouse();
  });
  after(async () => {
    await second?.stop();
    await first?.stop();
    await smtp?.close();
  });

  it('completes a job created while no node was running, and mails every invitee', async () => {
    const { clientId } = await first.registerApp(['User.Invite.All']);
    const db = first.database.db;
    const sp = (await sql<{ id: string }>`SELECT id FROM service_principals WHERE app_id = ${clientId}`.execute(db)).rows[0];
    assert.ok(sp);
    await first.gatehouse.close();
    // The node is gone; its database stays. Store a job the way an upload does, without processing it.
    const deps: InvitationDeps = { db: db as InvitationDeps['db'], clock: systemClock, publicUrl: first.url, masterKey: (await loadOrCreateMasterKey(first.dataDir)).key };
    const inviter: Inviter = { actor: { kind: 'app', appId: clientId, servicePrincipalId: sp.id, displayName: 'resume test' }, permissions: new Set(['User.Invite.All']) };
    const addresses = Array.from({ length: 150 }, (_, i) => `resume${i}@vendor.test`);
    // The node comes back on another port: send invitees to an allowed application rather than to the portal.
    await updateExternalCollaboration(deps, { kind: 'system' }, { allowedRedirectUrls: ['https://apps.contoso.test/*'] });
    const job = await createBulkJob(deps, inviter, ['UserPrincipalName,InviteRedirectUrl', ...addresses.map((a) => `${a},https://apps.contoso.test/wiki`)].join('\n'));
    assert.equal(job.status, 'running');

    // The node starts again (same data directory, so the same master key) and picks the job up on its own.
    second = await startTestGatehouse({ smtpUrl: smtp.url, dataDir: first.dataDir }, { shareDatabaseOf: first });
    const token = await second.appToken(['User.Invite.All']);
    const deadline = Date.now() + 30_000;
    let seen: Json = {};
    while (Date.now() < deadline) {
      seen = (await (await fetch(`${second.url}/v1.0/invitations/bulk/${job.id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Json;
      if (seen.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual([seen.status, seen.succeeded, seen.failed], ['completed', 150, 0]);
    for (const address of addresses) await smtp.waitFor((m) => m.to.includes(address));
    assert.equal(smtp.messages.length, 150, 'one mail per invitee, none twice');
  });
});

/** The service on its own: resuming a half-processed job, a run cut off mid-chunk, a creator who lost the right. */
describeEachBackend('bulk invitation service', (ctx) => {
  let deps: InvitationDeps;
  let inviter: Inviter;
  let spId = '';
  const publicUrl = 'https://gatehouse.test';

  const csvOf = (addresses: string[]) => ['UserPrincipalName,InviteRedirectUrl', ...addresses.map((a) => `${a},${publicUrl}/`)].join('\n');
  const rowsOf = async (db: Db, jobId: string) =>
    (await sql<{ line: number; email: string; status: string; invitation_id: string | null }>`SELECT line, email, status, invitation_id FROM bulk_invitation_rows WHERE job_id = ${jobId} ORDER BY line`.execute(db)).rows;
  const invitationsFor = async (db: Db, email: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM invitations WHERE email = ${email}`.execute(db)).rows[0]?.n);

  before(async () => {
    deps = { db: ctx.db as InvitationDeps['db'], clock: systemClock, publicUrl, masterKey: Buffer.alloc(32, 7) };
    await bootstrapDirectory(deps, { tenantDisplayName: 'Contoso', initialDomain: 'contoso.test', adminUserName: 'admin' });
    const system = { kind: 'system' } as const;
    const app = await createApplication(deps, system, { displayName: 'bulk service test' });
    const sp = await createServicePrincipal(deps, system, app.appId);
    await grantAppRole(deps, system, { principalId: sp.id, resourceId: (await graphResource(deps.db)).id, appRoleId: permissions['User.Invite.All'].id });
    await addPassword(deps, system, app.id);
    spId = sp.id;
    inviter = { actor: { kind: 'app', appId: app.appId, servicePrincipalId: sp.id, displayName: 'bulk service test' }, permissions: new Set(['User.Invite.All']) };
  });

  it('resumes a half-processed job where it stopped, and does not invite again a row a stopped run had invited', async () => {
    const addresses = Array.from({ length: 250 }, (_, i) => `half${i}@vendor.test`);
    const job = await createBulkJob(deps, inviter, csvOf(addresses));
    await assert.rejects(bulkJobResultsCsv(deps.db, inviter, job.id), (e: unknown) => isAppError(e) && e.code === 'BULK_JOB_NOT_FINISHED' && e.status === 409);

    // A run stopped after its first chunk (as a node shutting down stops it).
    const stop = new AbortController();
    const mailed: string[] = [];
    await processBulkJob(deps, job.id, { signal: stop.signal, deliverMail: (ids) => (mailed.push(...ids), stop.abort()) });
    const half = await getBulkJob(deps.db, inviter, job.id);
    assert.deepEqual([half.status, half.processed, half.succeeded], ['running', 100, 100]);
    assert.equal(mailed.length, 100, 'the chunk handed its mail over for delivery');

    // A run that died mid-chunk: it took three rows and invited them, but never recorded the outcome.
    const cut = addresses.slice(100, 103);
    await sql`UPDATE bulk_invitation_rows SET attempted_at = now() WHERE job_id = ${job.id} AND line IN (102, 103, 104)`.execute(deps.db);
    const before = new Map<string, string>();
    for (const email of cut) before.set(email, (await createInvitation(deps, inviter, { invitedUserEmailAddress: email, inviteRedirectUrl: `${publicUrl}/`, sendInvitationMessage: true })).invitation.id);

    await processBulkJob(deps, job.id, { deliverMail: (ids) => mailed.push(...ids) });
    const done = await getBulkJob(deps.db, inviter, job.id);
    assert.deepEqual([done.status, done.total, done.processed, done.succeeded, done.failed], ['completed', 250, 250, 250, 0]);
    const rows = await rowsOf(deps.db, job.id);
    for (const email of cut) {
      assert.equal(await invitationsFor(deps.db, email), 1, `${email} was invited once`);
      assert.equal(rows.find((r) => r.email === email)?.invitation_id, before.get(email));
    }
    assert.equal(await invitationsFor(deps.db, addresses[200] as string), 1);
    assert.equal(mailed.length, 247, 'the recovered rows queued their mail when they were invited');
    const csv = await bulkJobResultsCsv(deps.db, inviter, job.id);
    assert.equal(csv.trimEnd().split('\r\n').length, 251);
  });

  it('fails the remaining rows, not the run, when the creator can no longer invite', async () => {
    const job = await createBulkJob(deps, inviter, csvOf(['late1@vendor.test', 'late2@vendor.test']));
    await updateServicePrincipal(deps, { kind: 'system' }, spId, { accountEnabled: false });
    try {
      await processBulkJob(deps, job.id);
    } finally {
      await updateServicePrincipal(deps, { kind: 'system' }, spId, { accountEnabled: true });
    }
    const done = await getBulkJob(deps.db, inviter, job.id);
    assert.deepEqual([done.status, done.succeeded, done.failed], ['completed', 0, 2]);
    assert.match(await bulkJobResultsCsv(deps.db, inviter, job.id), /can no longer invite/);
  });

  it('shows a job to its creator even without User.Invite.All, and to no other caller without it', async () => {
    const job = await createBulkJob(deps, inviter, csvOf(['own@vendor.test']));
    assert.equal((await getBulkJob(deps.db, { actor: inviter.actor, permissions: new Set() }, job.id)).id, job.id);
    const stranger: Inviter = { actor: { kind: 'user', id: '9d2f6c1e-3b4a-4c5d-8e9f-0a1b2c3d4e5f', displayName: 'Stranger' }, permissions: new Set(['User.Read.All']) };
    await assert.rejects(getBulkJob(deps.db, stranger, job.id), (e: unknown) => isAppError(e) && e.code === 'BULK_JOB_NOT_FOUND' && e.status === 404);
  });

  it('gives up a job that keeps stopping without progress, failing what is left', async () => {
    const job = await createBulkJob(deps, inviter, csvOf(['stuck1@vendor.test', 'stuck2@vendor.test']));
    await sql`UPDATE bulk_invitation_jobs SET attempts = 5 WHERE id = ${job.id}`.execute(deps.db);
    await processBulkJob(deps, job.id);
    const done = await getBulkJob(deps.db, inviter, job.id);
    assert.deepEqual([done.status, done.processed, done.failed], ['failed', 2, 2]);
    assert.equal(await invitationsFor(deps.db, 'stuck1@vendor.test'), 0);
  });
});
