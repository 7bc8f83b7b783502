import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import Provider from 'oidc-provider';

/**
 * A partner organization's own OpenID provider: a real oidc-provider instance on loopback with its own users and a
 * plain login form. A small proxy in front of it can tamper with the ID token it returns (re-signed with a foreign
 * key, or with the real key but a wrong audience or nonce) so tests can check that Gatehouse refuses each.
 */
export interface PartnerAccount {
  sub: string;
  email: string;
  name: string;
  password: string;
  amr: string[];
  groups?: string[];
}

export type Tamper = 'none' | 'badSignature' | 'wrongAudience' | 'wrongNonce';

export interface PartnerIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  tamper: Tamper;
  /** Sign in at the partner as a user agent without JavaScript would: follow its login form with these credentials. */
  close(): Promise<void>;
}

const page = (body: string) => `<!doctype html><html><head><title>Vendor sign-in</title></head><body>${body}</body></html>`;
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startPartnerIdp(input: { redirectUri: string; accounts: PartnerAccount[]; name?: string }): Promise<PartnerIdp> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'partner-key', alg: 'RS256', use: 'sig' } as JWK;
  const foreign = (await generateKeyPair('RS256', { extractable: true })).privateKey;
  const clientId = 'gatehouse-at-vendor';
  const clientSecret = 'vendor-issued-secret-for-gatehouse';

  // The proxy listens first so the issuer can name its port.
  const front = http.createServer();
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  // The caller's list, read live: a test may add an account later.
  const accounts = { get: (sub: string) => input.accounts.find((a) => a.sub === sub) };

  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [input.redirectUri], response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_post' }],
    jwks: { keys: [jwk] },
    claims: { openid: ['sub', 'amr', 'acr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    conformIdTokenClaims: false,
    findAccount: async (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      return account ? { accountId: sub, claims: async () => ({ sub, email: account.email, email_verified: true, name: account.name, groups: account.groups ?? [] }) } : undefined;
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['partner-cookie-key'] },
    pkce: { required: () => true },
  });
  const handle = provider.callback();

  const inner = http.createServer(async (req, res) => {
    try {
      const match = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url ?? '');
      if (!match) return void (await handle(req, res));
      const details = await provider.interactionDetails(req, res);
      if (match[2] && req.method === 'POST') {
        const form = await readForm(req);
        const account = input.accounts.find((a) => a.email === form.get('username') && a.password === form.get('password'));
        if (!account) {
          res.writeHead(200, { 'content-type': 'text/html' }).end(page(`<p role="alert">Wrong user name or password.</p>${loginForm(details.uid)}`));
          return;
        }
        const to = await provider.interactionResult(req, res, { login: { accountId: account.sub, amr: account.amr } }, { mergeWithLastSubmission: false });
        res.writeHead(303, { location: to }).end();
        return;
      }
      if (details.prompt.name === 'consent') {
        // A partner trusts its own registered client: consent is granted without a page.
        const grant = new provider.Grant({ accountId: details.session?.accountId, clientId });
        grant.addOIDCScope('openid email profile groups');
        const grantId = await grant.save();
        const to = await provider.interactionResult(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        res.writeHead(303, { location: to }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end(page(loginForm(details.uid)));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String((error as Error).message));
    }
  });
  await new Promise<void>((resolve) => inner.listen(0, '127.0.0.1', resolve));
  const innerPort = (inner.address() as AddressInfo).port;

  const idp: PartnerIdp = { issuer, clientId, clientSecret, tamper: 'none', close: async () => undefined };

  async function tamperTokenResponse(body: string): Promise<string> {
    const json = JSON.parse(body) as { id_token?: string };
    if (!json.id_token || idp.tamper === 'none') return body;
    const claims = decodeJwt(json.id_token);
    const header = decodeProtectedHeader(json.id_token);
    const changed = { ...claims, ...(idp.tamper === 'wrongAudience' ? { aud: 'some-other-client' } : {}), ...(idp.tamper === 'wrongNonce' ? { nonce: 'forged-nonce' } : {}) };
    const key = idp.tamper === 'badSignature' ? foreign : privateKey;
    json.id_token = await new SignJWT(changed).setProtectedHeader({ alg: 'RS256', kid: header.kid as string }).sign(key);
    return JSON.stringify(json);
  }

  front.on('request', (req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port: innerPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (!(req.url ?? '').startsWith('/token') || idp.tamper === 'none') {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        void tamperTokenResponse(Buffer.concat(chunks).toString('utf8')).then((text) => {
          const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(text)) };
          res.writeHead(answer.statusCode ?? 502, headers).end(text);
        });
      });
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });

  idp.close = async () => {
    front.closeAllConnections();
    inner.closeAllConnections();
    await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => inner.close(r))]);
  };
  return idp;
}

function loginForm(uid: string): string {
  return `<h1>Vendor sign-in</h1><form method="post" action="/interaction/${escape(uid)}/login">
<label>Email <input name="username" type="email" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in at Vendor</button></form>`;
}
