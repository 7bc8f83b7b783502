import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

/**
 * The real `gatehouse` command (bin/gatehouse.mjs in a child process) against a running node: directory commands
 * as an API client with client credentials, its error messages, and `audit verify` against the node's database.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/gatehouse.mjs');
const PASSWORD = 'stdin password 1234 with spaces';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A line that looks like a stack frame ("    at fn (file:1:2)"): the CLI must never print one. */
const STACK_FRAME = /^\s+at .+[:(]\d+:\d+\)?$/m;

describe('gatehouse CLI', () => {
  let gh: TestGatehouse;
  let admin: { clientId: string; clientSecret: string };
  /** An empty working directory and config home, so no gatehouse.config.json or saved login leaks in. */
  let workDir = '';
  let userId = '';
  let groupId = '';

  /** The inherited environment without any Gatehouse setting of the developer's shell. */
  const baseEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GATEHOUSE_') && key !== 'DATABASE_URL') env[key] = value;
    return { ...env, GATEHOUSE_CONFIG_HOME: workDir, NO_COLOR: '1' };
  };

  const run = (args: string[], options: { env?: Record<string, string>; stdin?: string; credentials?: { clientId: string; clientSecret: string } | null } = {}): Promise<Run> => {
    const credentials = options.credentials === undefined ? admin : options.credentials;
    const env = {
      ...baseEnv(),
      GATEHOUSE_URL: gh.url,
      ...(credentials ? { GATEHOUSE_CLIENT_ID: credentials.clientId, GATEHOUSE_CLIENT_SECRET: credentials.clientSecret } : {}),
      ...options.env,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: workDir, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(options.stdin ?? '');
    });
  };
  const describeRun = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  const ok = (r: Run): Run => {
    assert.equal(r.code, 0, describeRun(r));
    return r;
  };
  /** A failure the way a person should see it: non-zero exit, one clear `gatehouse:` line, no stack trace. */
  const failsClearly = (r: Run, code: number, message: RegExp) => {
    assert.equal(r.code, code, describeRun(r));
    assert.match(r.stderr, message, describeRun(r));
    assert.doesNotMatch(r.stderr, STACK_FRAME, describeRun(r));
    assert.doesNotMatch(r.stdout, STACK_FRAME, describeRun(r));
  };
  const api = async (method: string, pathAndQuery: string, token: string, body?: unknown) => {
    const response = await fetch(`${gh.url}${pathAndQuery}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as { value?: Record<string, unknown>[] } & Record<string, unknown> };
  };

  before(async () => {
    gh = await startTestGatehouse();
    admin = await gh.registerApp(['User.ReadWrite.All', 'Group.ReadWrite.All', 'Application.ReadWrite.All', 'RoleManagement.ReadWrite.Directory']);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'ghcli-'));
  });
  after(async () => {
    await gh?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('creates a user with the password read from stdin, then finds it with list --json and get', async () => {
    const created = ok(await run(['users', 'create', '--display-name', 'CLI User', '--upn', 'cli.user@gatehouse.local', '--password-stdin', '--json'], { stdin: `${PASSWORD}\n` }));
    const user = JSON.parse(created.stdout) as { id: string; userPrincipalName: string };
    assert.equal(user.userPrincipalName, 'cli.user@gatehouse.local');
    userId = user.id;

    const [listed, shown] = await Promise.all([run(['users', 'list', '--json']), run(['users', 'get', 'cli.user@gatehouse.local'])]);
    const users = JSON.parse(ok(listed).stdout) as { id: string; displayName: string }[];
    assert.deepEqual(
      users.filter((u) => u.id === userId).map((u) => u.displayName),
      ['CLI User'],
    );
    assert.match(ok(shown).stdout, /^displayName\s+CLI User$/m);
    assert.match(shown.stdout, new RegExp(`^id\\s+${userId}$`, 'm'));
    assert.doesNotMatch(shown.stdout, /stdin password/, 'the password is never printed');

    // The password came from stdin (without its trailing newline): it is accepted (and, set by an administrator,
    // must be changed at first sign-in: 403 PASSWORD_CHANGE_REQUIRED), a variant is refused (401).
    const signIn = (password: string) =>
      fetch(`${gh.url}/portal/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'cli.user@gatehouse.local', password }) });
    assert.equal((await signIn(`${PASSWORD}\n`)).status, 401);
    const accepted = await signIn(PASSWORD);
    assert.equal(accepted.status, 403);
    assert.match(await accepted.text(), /PASSWORD_CHANGE_REQUIRED/);
  });

  it('prints an aligned table with a header row without --json', async () => {
    assert.ok(userId, 'the user was created by the previous test');
    const out = ok(await run(['users', 'list', '--filter', "startsWith(userPrincipalName,'cli.')"])).stdout;
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^id\s+displayName\s+userPrincipalName\s+userType\s+accountEnabled$/);
    assert.match(lines[1] ?? '', /^-+(\s+-+){4}$/);
    assert.equal(lines.length, 3, out);
    const row = lines[2] ?? '';
    assert.ok(row.startsWith(userId), row);
    // Columns line up under their headers.
    assert.equal(row.indexOf('cli.user@gatehouse.local'), lines[0]?.indexOf('userPrincipalName'));
    assert.equal(row.indexOf('CLI User'), lines[0]?.indexOf('displayName'));
    assert.doesNotMatch(out, /^\s*[[{]/, 'not JSON');
  });

  it('creates a group, adds the user as a member and lists the members', async () => {
    assert.ok(userId, 'the user was created by the first test');
    const group = JSON.parse(ok(await run(['groups', 'create', '--display-name', 'CLI Group', '--json'])).stdout) as { id: string; displayName: string; securityEnabled: boolean };
    assert.equal(group.displayName, 'CLI Group');
    assert.equal(group.securityEnabled, true);
    groupId = group.id;
    ok(await run(['groups', 'add-member', groupId, userId]));
    const members = JSON.parse(ok(await run(['groups', 'members', groupId, '--json'])).stdout) as { id: string; '@odata.type': string }[];
    assert.deepEqual(
      members.map((m) => [m.id, m['@odata.type']]),
      [[userId, '#microsoft.graph.user']],
    );
  });

  it('registers an app whose printed credentials work for the granted permission and are refused for others', async () => {
    const created = JSON.parse(ok(await run(['apps', 'create', '--name', 'ci bot', '--permission', 'User.Read.All', '--json'])).stdout) as {
      clientId: string;
      clientSecret: string;
      permissions: string[];
    };
    assert.match(created.clientId, /^[0-9a-f-]{36}$/);
    assert.ok(created.clientSecret.length >= 20, 'a client secret is printed once');
    assert.deepEqual(created.permissions, ['User.Read.All']);
    const bot = { clientId: created.clientId, clientSecret: created.clientSecret };

    const [listed, denied] = await Promise.all([
      run(['users', 'list', '--json'], { credentials: bot }),
      run(['users', 'create', '--display-name', 'Not Allowed', '--upn', 'not.allowed@gatehouse.local', '--password-stdin'], { credentials: bot, stdin: PASSWORD }),
    ]);
    assert.ok((JSON.parse(ok(listed).stdout) as { id: string }[]).some((u) => u.id === userId));
    failsClearly(denied, 1, /^gatehouse: 403 Authorization_RequestDenied: .*User\.ReadWrite\.All/m);
  });

  describe('bad input and known rough edges', { concurrency: true }, () => {
    it('rejects an unknown permission name before registering anything', async () => {
      const r = await run(['apps', 'create', '--name', 'bad perms bot', '--permission', 'User.Read.Everything']);
      failsClearly(r, 2, /^gatehouse: unknown permission 'User\.Read\.Everything' \(known: .*User\.Read\.All/m);
      const token = await gh.appToken(['Application.ReadWrite.All']);
      const apps = await api('GET', `/v1.0/applications?$filter=${encodeURIComponent("displayName eq 'bad perms bot'")}`, token);
      assert.equal(apps.status, 200);
      assert.deepEqual(apps.body.value, [], 'no half-registered application is left behind');
    });

    it('names a missing required option', async () => {
      const r = await run(['users', 'create', '--display-name', 'No Upn', '--password-stdin'], { stdin: PASSWORD });
      failsClearly(r, 1, /required option '--upn <userPrincipalName>' not specified/);
    });

    it('says which URL it cannot reach', async () => {
      const port = await freePort();
      const r = await run(['users', 'list'], { env: { GATEHOUSE_URL: `http://127.0.0.1:${port}` } });
      failsClearly(r, 1, new RegExp(`^gatehouse: cannot reach http://127\\.0\\.0\\.1:${port}`, 'm'));
    });

    it('explains how to sign in when it has no credentials', async () => {
      const r = await run(['users', 'list'], { credentials: null });
      failsClearly(r, 2, /^gatehouse: not signed in: run `gatehouse login`, or set GATEHOUSE_TOKEN, or GATEHOUSE_CLIENT_ID and GATEHOUSE_CLIENT_SECRET$/m);
    });

    it('authenticates when GATEHOUSE_URL names the node by another host name than its public URL', async () => {
      const r = await run(['users', 'list', '--json'], { env: { GATEHOUSE_URL: gh.url.replace('//localhost:', '//127.0.0.1:') } });
      ok(r);
    });

    it('rejects a --limit that is not a number instead of printing an empty list', async () => {
      const r = await run(['users', 'list', '--limit', 'ten']);
      failsClearly(r, 2, /^gatehouse: --limit must be a whole number between 1 and 1000000, got 'ten'$/m);
    });

    it('asks for a mail nickname when the display name yields none', async () => {
      const r = await run(['groups', 'create', '--display-name', '!!!']);
      failsClearly(r, 2, /^gatehouse: --mail-nickname is required/m);
    });
  });

  describe('audit verify', () => {
    const dbEnv = () => ({ DATABASE_URL: gh.connectionString, GATEHOUSE_DATA_DIR: gh.dataDir });

    it('accepts the untouched chain', async () => {
      const r = ok(await run(['audit', 'verify'], { env: dbEnv(), credentials: null }));
      assert.match(r.stdout, /^audit chain OK: \d+ events/m);
      assert.doesNotMatch(r.stdout, /BROKEN/);
    });

    it('exits 1 and names the event whose stored data was edited', async () => {
      assert.ok(groupId, 'the CLI Group was created by an earlier test');
      const { rows } = await gh.database.pool.query<{ seq: number; id: string }>(
        `UPDATE audit_events e SET data = replace(e.data, 'CLI Group', 'XXX Group') FROM audit_entries a
          WHERE a.activity_display_name = 'Add group' AND $1::uuid = ANY (a.target_ids) AND e.chain = a.chain AND e.seq = a.seq RETURNING e.seq, a.id`,
        [groupId],
      );
      assert.equal(rows.length, 1, 'exactly one event was tampered with');
      const [{ seq, id } = { seq: 0, id: '' }] = rows;
      const r = await run(['audit', 'verify'], { env: dbEnv(), credentials: null });
      assert.equal(r.code, 1, describeRun(r));
      // The line names the event by sequence number and id, and says what is wrong with it.
      assert.match(r.stdout, new RegExp(`^audit chain BROKEN at .*event ${seq} \\(${id}\\): .*event ${seq} was modified`, 'm'));
      assert.doesNotMatch(r.stderr, STACK_FRAME);
    });
  });
});
