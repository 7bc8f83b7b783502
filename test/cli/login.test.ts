import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Browser, hiddenField } from '../auth/browser.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';

const BIN = path.resolve('bin/gatehouse.mjs');
const ADMIN_PASSWORD = 'the first admin passphrase';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `gatehouse login` end to end through the real HTTP server: the CLI starts a device flow, the administrator
 * signs in to the portal in a "browser", enters the code on the provider's pages and is sent through Gatehouse's
 * interaction route; the CLI saves the delegated token and later commands act with the administrator's roles.
 */
describe('gatehouse login (device code through the portal session)', () => {
  let gh: TestGatehouse;
  let home = '';
  const env = () => {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GATEHOUSE_') && k !== 'DATABASE_URL') clean[k] = v;
    return { ...clean, GATEHOUSE_CONFIG_HOME: home, GATEHOUSE_URL: gh.url };
  };
  const spawnCli = (args: string[], onStderr?: (text: string) => void): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
        onStderr?.(stderr);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });

  before(async () => {
    gh = await startTestGatehouse();
    home = await mkdtemp(path.join(os.tmpdir(), 'ghcli-home-'));
    const token = new URLSearchParams(new URL(gh.gatehouse.setupLink as string).hash.slice(1)).get('token') as string;
    const set = await fetch(`${gh.url}/portal/api/set-password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, password: ADMIN_PASSWORD }) });
    assert.equal(set.status, 204);
    // Setting the password revoked the admin's sessions, and token times have whole seconds: a device code from
    // the same second would be refused (token-claims.ts issuedBeforeRevocation). Start the flows in the next one.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  });
  after(async () => {
    await gh?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('sends a browser without a portal session to sign in first, and back', async () => {
    const response = await fetch(`${gh.url}/oauth2/interaction/some-uid`, { redirect: 'manual' });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), `/signin?returnTo=${encodeURIComponent('/oauth2/interaction/some-uid')}`);
  });

  it('signs the administrator in and acts with their roles afterwards', async () => {
    let prompt: { url: string; code: string } | undefined;
    let promptSeen: () => void = () => undefined;
    const seen = new Promise<void>((resolve) => (promptSeen = resolve));
    const login = spawnCli(['login'], (text) => {
      const match = /open (\S+)\nand confirm the code (\S+) /.exec(text);
      if (match && !prompt) {
        prompt = { url: match[1] as string, code: match[2] as string };
        promptSeen();
      }
    });
    await seen;
    assert.ok(prompt);

    const browser = new Browser(gh.url);
    const signIn = await fetch(`${gh.url}/portal/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'admin@gatehouse.local', password: ADMIN_PASSWORD }) });
    assert.equal(signIn.status, 200);
    for (const cookie of signIn.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      browser.setCookie(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    // The provider's pages: the code (prefilled by verification_uri_complete), then its confirmation.
    const verification = new URL(prompt.url);
    const entry = await browser.request(`${verification.pathname}`);
    assert.equal(entry.status, 200);
    const confirm = await browser.request(verification.pathname, { form: { xsrf: hiddenField(entry.text, 'xsrf'), user_code: prompt.code } });
    assert.equal(confirm.status, 200, confirm.text);
    const confirmed = await browser.request(verification.pathname, { form: { xsrf: hiddenField(confirm.text, 'xsrf'), user_code: hiddenField(confirm.text, 'user_code'), confirm: 'yes' } });
    assert.equal(confirmed.status, 303, confirmed.text);
    assert.match(confirmed.location ?? '', /^\/oauth2\/interaction\//);
    // Gatehouse's interaction page names the app and the account, and approves with a CSRF-protected form.
    const page = await browser.request(confirmed.location as string);
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /Gatehouse CLI/);
    assert.match(page.text, /admin@gatehouse\.local/);
    const forged = await browser.request(confirmed.location as string, { form: { csrf: 'forged', decision: 'approve' } });
    assert.equal(forged.status, 403);
    const interaction = await browser.request(confirmed.location as string, { form: { csrf: hiddenField(page.text, 'csrf'), decision: 'approve' } });
    assert.equal(interaction.status, 303, interaction.text);
    const done = await browser.request(interaction.location as string);
    assert.ok(done.status === 200 || done.status === 303, `provider finished the flow: ${done.status}`);

    const result = await login;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /signed in as admin@gatehouse\.local/);
    assert.equal((await stat(path.join(home, 'credentials.json'))).mode & 0o777, 0o600);

    const users = await spawnCli(['users', 'list', '--json']);
    assert.equal(users.code, 0, users.stderr);
    assert.ok((JSON.parse(users.stdout) as { userPrincipalName: string }[]).some((u) => u.userPrincipalName === 'admin@gatehouse.local'));
    const audit = await fetch(`${gh.url}/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Approve device sign-in'")}`, {
      headers: { authorization: `Bearer ${await gh.appToken(['AuditLog.Read.All'])}` },
    });
    assert.equal(((await audit.json()) as { value: unknown[] }).value.length >= 1, true, 'the approval is audited');

    const logout = await spawnCli(['logout']);
    assert.equal(logout.code, 0);
    const after = await spawnCli(['users', 'list']);
    assert.equal(after.code, 2);
    assert.match(after.stderr, /not signed in/);
  });
});
