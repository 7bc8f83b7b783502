import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as samlify from 'samlify';
import { selfSignedCertificate } from './certificates.ts';

/**
 * A partner's SAML IdP on loopback, built with samlify: it takes Gatehouse's AuthnRequest (HTTP-Redirect), shows a
 * login form, and posts back a signed assertion (HTTP-POST) with the user's address as NameID. Gatehouse's side of
 * the exchange is @node-saml/node-saml; samlify's own schema validation is switched off here only, for the IdP's
 * parsing of the request (it needs a Java or native validator that is not installed).
 */
export interface SamlAccount {
  email: string;
  password: string;
}

export interface PartnerSaml {
  base: string;
  entityId: string;
  ssoUrl: string;
  /** Base64 DER of the signing certificate, as metadata carries it. */
  certificate: string;
  metadata: string;
  close(): Promise<void>;
}

const page = (body: string) => `<!doctype html><html><head><title>Vendor SAML sign-in</title></head><body>${body}</body></html>`;
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startPartnerSaml(input: { spEntityId: string; acsUrl: string; accounts: SamlAccount[] }): Promise<PartnerSaml> {
  samlify.setSchemaValidator({ validate: async () => 'skipped' });
  const { cert, key } = selfSignedCertificate('Vendor SAML IdP');
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp = samlify.IdentityProvider({
    entityID: `${base}/idp`,
    signingCert: cert,
    privateKey: key,
    singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: `${base}/sso` }],
    nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
  });
  const sp = samlify.ServiceProvider({
    entityID: input.spEntityId,
    assertionConsumerService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', Location: input.acsUrl }],
    wantAssertionsSigned: true,
  });

  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', base);
      if (url.pathname === '/sso' && req.method === 'GET') {
        // Checked now (a malformed request is refused) and carried through the login form.
        await idp.parseLoginRequest(sp, 'redirect', { query: Object.fromEntries(url.searchParams) });
        res.writeHead(200, { 'content-type': 'text/html' }).end(page(loginForm(url.search)));
        return;
      }
      if (url.pathname === '/sso' && req.method === 'POST') {
        const form = await readForm(req);
        const query = new URLSearchParams(form.get('query') ?? '');
        const account = input.accounts.find((a) => a.email === form.get('username') && a.password === form.get('password'));
        if (!account) {
          res.writeHead(200, { 'content-type': 'text/html' }).end(page(`<p role="alert">Wrong user name or password.</p>${loginForm(`?${query}`)}`));
          return;
        }
        const { extract } = await idp.parseLoginRequest(sp, 'redirect', { query: Object.fromEntries(query) });
        const response = (await idp.createLoginResponse(sp, { extract }, 'post', { email: account.email }, { relayState: query.get('RelayState') ?? '' })) as { context: string; entityEndpoint: string; relayState?: string };
        // The usual auto-submitting form of the HTTP-POST binding (a button too, for clients without scripts).
        res.writeHead(200, { 'content-type': 'text/html' }).end(
          page(`<form id="saml" method="post" action="${escape(response.entityEndpoint)}"><input type="hidden" name="SAMLResponse" value="${escape(response.context)}"><input type="hidden" name="RelayState" value="${escape(response.relayState ?? query.get('RelayState') ?? '')}"><button type="submit">Continue</button></form><script>document.getElementById('saml').submit()</script>`),
        );
        return;
      }
      if (url.pathname === '/metadata') {
        res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(idp.getMetadata());
        return;
      }
      res.writeHead(404).end();
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`SAML error: ${(error as Error).message}`);
    }
  });

  return {
    base,
    entityId: `${base}/idp`,
    ssoUrl: `${base}/sso`,
    certificate: cert.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''),
    metadata: idp.getMetadata(),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function loginForm(search: string): string {
  return `<h1>Vendor SAML sign-in</h1><form method="post" action="/sso"><input type="hidden" name="query" value="${escape(search.replace(/^\?/, ''))}">
<label>Email <input name="username" type="email"></label><label>Password <input name="password" type="password"></label>
<button type="submit">Sign in at Vendor SAML</button></form>`;
}
