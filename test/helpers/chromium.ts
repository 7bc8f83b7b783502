import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (never a downloaded browser). */
export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface BrowserProblem {
  kind: 'console' | 'pageerror' | 'csp';
  text: string;
  url?: string;
}

export interface TestChromium {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught page errors and CSP violations seen so far (minus the ones the caller expects). */
  problems: BrowserProblem[];
  close(): Promise<void>;
}

/**
 * Build the web UI if needed and open a headless Chromium with a fresh profile. CSP violations are reported through
 * the console so that no test can miss one.
 */
export async function launchChromium(options: { expectedConsoleError?: (message: ConsoleMessage) => boolean } = {}): Promise<TestChromium> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; install it with \`apt-get install -y chromium\` (the UI tests need a real browser)`);
  }
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/ensure-web.mjs')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `building the web UI failed:\n${build.stdout}\n${build.stderr}`);
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'ghui-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(15_000);
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: BrowserProblem[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error' || options.expectedConsoleError?.(message)) return;
    problems.push({ kind: /CSP violation|Content Security Policy/.test(message.text()) ? 'csp' : 'console', text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (error) => problems.push({ kind: 'pageerror', text: error.message }));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Set the bootstrap administrator's password through the one-time link the node printed, and sign in as them in
 * the page (landing on /users), as a person would on first start.
 */
export async function signInAsBootstrapAdmin(page: Page, gh: { url: string; gatehouse: { setupLink: string | undefined } }, password: string): Promise<void> {
  const setupToken = new URLSearchParams(new URL(gh.gatehouse.setupLink as string).hash.slice(1)).get('token');
  const set = await fetch(`${gh.url}/portal/api/set-password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: setupToken, password }) });
  if (set.status !== 204) throw new Error(`setting the administrator's password answered ${set.status}`);
  await page.goto(`${gh.url}/signin`);
  await page.getByLabel('User name', { exact: true }).fill('admin@gatehouse.local');
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${gh.url}/users`);
}
