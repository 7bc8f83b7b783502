import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * `gatehouse invite --csv` (bin/gatehouse.mjs in a child process) against a running node, signed in with client
 * credentials: the result file with each row's redeem link, bad rows reported without stopping the rest, and the
 * exit codes (0 all invited, 1 some failed, 2 file unusable or not signed in).
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/gatehouse.mjs');
const STACK_FRAME = /^\s+at .+[:(]\d+:\d+\)?$/m;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('gatehouse invite --csv', () => {
  let gh: TestGatehouse;
  let inviter: { clientId: string; clientSecret: string };
  let workDir = '';

  const run = (args: string[], credentials: { clientId: string; clientSecret: string } | null = inviter): Promise<Run> => {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GATEHOUSE_') && key !== 'DATABASE_URL') env[key] = value;
    Object.assign(env, { GATEHOUSE_CONFIG_HOME: workDir, NO_COLOR: '1', GATEHOUSE_URL: gh.url });
    if (credentials) Object.assign(env, { GATEHOUSE_CLIENT_ID: credentials.clientId, GATEHOUSE_CLIENT_SECRET: credentials.clientSecret });
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  };
  const describeRun = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  const file = async (name: string, text: string) => {
    const full = path.join(workDir, name);
    await writeFile(full, text);
    return full;
  };
  const records = (csv: string) => csv.trimEnd().split('\r\n').map((line) => line.split(','));

  before(async () => {
    gh = await startTestGatehouse();
    inviter = await gh.registerApp(['User.Invite.All']);
    const policy = await gh.appToken(['Policy.ReadWrite.Authorization']);
    const blocked = await fetch(`${gh.url}/v1.0/policies/externalCollaborationSettings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${policy}`, 'content-type': 'application/json' },
      body: JSON.stringify({ blockedDomains: ['blocked.test'] }),
    });
    assert.equal(blocked.status, 200);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'ghcli-invite-'));
  });
  after(async () => {
    await gh?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('writes each row with its redeem link to --out, reports the bad rows on stderr, and exits 1', async () => {
    const csv = await file(
      'mixed.csv',
      [
        'UserPrincipalName,DisplayName,InviteRedirectUrl',
        `cli1@vendor.test,CLI One,${gh.url}/`,
        `not an address,Nobody,${gh.url}/`,
        `cli2@blocked.test,Blocked,${gh.url}/`,
        `cli3@vendor.test,CLI Three,${gh.url}/`,
        `cli4@vendor.test,,`,
        `CLI1@vendor.test,Again,${gh.url}/`,
      ].join('\n'),
    );
    const out = path.join(workDir, 'mixed-results.csv');
    const r = await run(['invite', '--csv', csv, '--out', out, '--concurrency', '2']);
    assert.equal(r.code, 1, describeRun(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^line 3 \(not an address\): .*not a valid email address/m);
    assert.match(r.stderr, /^line 4 \(cli2@blocked\.test\): Cannot invite cli2@blocked\.test/m);
    assert.match(r.stderr, /^line 6 \(cli4@vendor\.test\): "InviteRedirectUrl" is empty/m);
    assert.match(r.stderr, /^line 7 \(CLI1@vendor\.test\): .*already on line 2/m);
    assert.match(r.stderr, /invited 2 of 6 rows, 4 failed; results in /);
    assert.doesNotMatch(r.stderr, STACK_FRAME);

    const rows = records(await readFile(out, 'utf8'));
    assert.deepEqual(rows[0], ['line', 'email', 'status', 'userId', 'inviteRedeemUrl', 'error']);
    assert.deepEqual(rows.slice(1).map((row) => [row[0], row[2]]), [['2', 'invited'], ['3', 'failed'], ['4', 'failed'], ['5', 'invited'], ['6', 'failed'], ['7', 'failed']]);
    for (const row of [rows[1], rows[4]]) {
      assert.match(row?.[3] ?? '', /^[0-9a-f-]{36}$/);
      assert.match(row?.[4] ?? '', new RegExp(`^${gh.url}/redeem#rd=[A-Za-z0-9_-]{43}$`), 'the caller gets the redeem link of each row');
    }
    assert.equal((await stat(out)).mode & 0o777, 0o600, 'the file holds bearer links: owner only');
  });

  it("prints the result CSV on stdout for Entra's template and exits 0 when every row is invited", async () => {
    const csv = await file(
      'entra.csv',
      [
        'version:v1.0',
        'Email address to invite [inviteeEmail] Required,Redirection url [inviteRedirectURL] Required,Send invitation message (true or false) [sendEmail],Customized invitation message [customizedMessageBody]',
        'Example: someone@fabrikam.test, https://myapplications.microsoft.com, TRUE, Welcome to Contoso!',
        `entra1@vendor.test, ${gh.url}/, FALSE,`,
        `entra2@vendor.test, ${gh.url}/, TRUE, Welcome`,
      ].join('\r\n'),
    );
    const r = await run(['invite', '--csv', csv]);
    assert.equal(r.code, 0, describeRun(r));
    const rows = records(r.stdout);
    assert.deepEqual(rows.slice(1).map((row) => [row[1], row[2]]), [['entra1@vendor.test', 'invited'], ['entra2@vendor.test', 'invited']]);
    assert.match(r.stderr, /invited 2 of 2 rows, 0 failed/);
  });

  it('prints a JSON summary with --json --out', async () => {
    const csv = await file('json.csv', `UserPrincipalName,InviteRedirectUrl\njson1@vendor.test,${gh.url}/\n`);
    const out = path.join(workDir, 'json-results.csv');
    const r = await run(['invite', '--csv', csv, '--out', out, '--json']);
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(JSON.parse(r.stdout), { total: 1, succeeded: 1, failed: 0, out });
  });

  it('refuses an unusable file with exit code 2 and a message naming the problem, before sending anything', async () => {
    const missing = await file('missing.csv', 'UserPrincipalName,DisplayName\nnobody@vendor.test,Nobody\n');
    const r = await run(['invite', '--csv', missing]);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /^gatehouse: .*missing\.csv: The CSV file cannot be used: the header row \(line 1\) has no "InviteRedirectUrl" column\.$/m);
    assert.doesNotMatch(r.stderr, STACK_FRAME);
    const none = await run(['invite', '--csv', path.join(workDir, 'no-such.csv')]);
    assert.equal(none.code, 2, describeRun(none));
    assert.match(none.stderr, /cannot read .*no-such\.csv: no such file/);
    const badConcurrency = await run(['invite', '--csv', missing, '--concurrency', '0']);
    assert.equal(badConcurrency.code, 2);
    const users = await fetch(`${gh.url}/v1.0/users?$filter=${encodeURIComponent("mail eq 'nobody@vendor.test'")}`, { headers: { authorization: `Bearer ${await gh.appToken(['User.Read.All'])}` } });
    assert.deepEqual(((await users.json()) as { value: unknown[] }).value, []);
  });

  it('stops with exit code 2 when not signed in, still writing which rows were not sent', async () => {
    const csv = await file('anon.csv', `UserPrincipalName,InviteRedirectUrl\nanon@vendor.test,${gh.url}/\n`);
    const out = path.join(workDir, 'anon-results.csv');
    const r = await run(['invite', '--csv', csv, '--out', out], null);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /^gatehouse: not signed in/m);
    assert.match(await readFile(out, 'utf8'), /anon@vendor\.test,failed,,,"Not sent: not signed in/);
  });
});
