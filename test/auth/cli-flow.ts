import assert from 'node:assert/strict';
import type http from 'node:http';
import { GATEHOUSE_CLI_CLIENT_ID, assertCsrf, signInWithPassword, validateSession, type AuthDeps, type OAuthServer } from '#src/auth/index.ts';
import { Browser, hiddenField } from './browser.ts';
import { sessionOf, TEST_MASTER_KEY, tokenRequest } from './fixtures.ts';

/** The CLI's side and the user's side of the delegated flows, driven over HTTP like the real programs would. */
export const CLI_SCOPE = 'openid offline_access https://graph.microsoft.com/.default';
export const PORTAL_COOKIE = 'gatehouse_session';

function cookieOf(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The interaction page as the HTTP layer would write it: no portal session -> redirect to sign-in; GET shows what
 * is being approved with the session's CSRF token; POST (with that token) approves or declines.
 */
export function interactionRoute(authDeps: () => AuthDeps) {
  return async (req: http.IncomingMessage, res: http.ServerResponse, oauth: OAuthServer): Promise<void> => {
    const session = await validateSession(authDeps(), cookieOf(req, PORTAL_COOKIE));
    if (!session) {
      res.writeHead(303, { location: `/signin?returnTo=${encodeURIComponent(req.url ?? '/')}` }).end();
      return;
    }
    if (req.method === 'GET') {
      const view = await oauth.getInteraction(req, res);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ view, csrf: session.csrfToken }));
      return;
    }
    const form = await readForm(req);
    assertCsrf(session, form.get('csrf'));
    const { redirectTo } =
      form.get('decision') === 'deny' ? await oauth.abortInteraction(req, res) : await oauth.finishInteraction(req, res, { userId: session.userId, ipAddress: '192.0.2.10' });
    res.writeHead(303, { location: redirectTo }).end();
  };
}

/** A browser holding a portal session of the user (real password sign-in). */
export async function signedInBrowser(baseUrl: string, authDeps: AuthDeps, userName: string, password: string): Promise<Browser> {
  const browser = new Browser(baseUrl);
  const session = sessionOf(await signInWithPassword({ ...authDeps, masterKey: TEST_MASTER_KEY }, { userName, password, ipAddress: '192.0.2.10' }));
  browser.setCookie(PORTAL_COOKIE, session.cookieValue);
  return browser;
}

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
}

/** The CLI starts a device flow. */
export async function startDeviceFlow(baseUrl: string, scope = CLI_SCOPE): Promise<DeviceAuthorization> {
  const response = await fetch(`${baseUrl}/oauth2/v2.0/devicecode`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: GATEHOUSE_CLI_CLIENT_ID, scope }),
  });
  assert.equal(response.status, 200);
  return (await response.json()) as DeviceAuthorization;
}

/** The CLI polls the token endpoint once. */
export const pollDevice = (baseUrl: string, deviceCode: string) =>
  tokenRequest(baseUrl, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: GATEHOUSE_CLI_CLIENT_ID });

/** Enter the code and confirm it on the provider's pages; returns the interaction page path. */
export async function enterDeviceCode(browser: Browser, device: DeviceAuthorization): Promise<string> {
  const input = await browser.request(device.verification_uri);
  assert.equal(input.status, 200);
  const confirm = await browser.request(device.verification_uri, { form: { xsrf: hiddenField(input.text, 'xsrf'), user_code: device.user_code } });
  assert.equal(confirm.status, 200, confirm.text);
  assert.match(confirm.text, /Gatehouse CLI/);
  const confirmed = await browser.request(device.verification_uri, {
    form: { xsrf: hiddenField(confirm.text, 'xsrf'), user_code: hiddenField(confirm.text, 'user_code'), confirm: 'yes' },
  });
  assert.equal(confirmed.status, 303, confirmed.text);
  assert.match(confirmed.location ?? '', /^\/oauth2\/interaction\//);
  return confirmed.location as string;
}

/** The user's side of the device flow: enter the code, confirm it, approve on the interaction page. */
export async function approveDevice(browser: Browser, device: DeviceAuthorization): Promise<{ status: number; location: string | null; text: string }> {
  const interaction = await enterDeviceCode(browser, device);
  const page = await browser.request(interaction);
  if (page.status !== 200) return page;
  const { view, csrf } = JSON.parse(page.text) as { view: { flow: string; clientId: string }; csrf: string };
  assert.equal(view.flow, 'device_code');
  assert.equal(view.clientId, GATEHOUSE_CLI_CLIENT_ID);
  const finished = await browser.request(interaction, { form: { csrf } });
  assert.equal(finished.status, 303, finished.text);
  return browser.request(finished.location as string);
}

/** A whole device flow for the user; returns the token response. */
export async function deviceTokens(baseUrl: string, browser: Browser): Promise<{ access_token: string; refresh_token: string; id_token?: string }> {
  const device = await startDeviceFlow(baseUrl);
  const page = await approveDevice(browser, device);
  assert.equal(page.status, 200, page.text);
  const { status, body } = await pollDevice(baseUrl, device.device_code);
  assert.equal(status, 200, JSON.stringify(body));
  return body as { access_token: string; refresh_token: string };
}
