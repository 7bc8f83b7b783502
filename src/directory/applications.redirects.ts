import { directoryError } from './directory.errors.ts';

/**
 * Where an application may receive authorization codes (Graph's web / publicClient / spa redirect URIs), checked
 * when they are written so that the OAuth server never meets a URI it could not match safely: absolute, https
 * (plain http only on a loopback host, as Entra allows for local development), no fragment (the code is sent in
 * the query), no wildcard (redirects match exactly; RFC 9700 §4.1), no user name or password.
 *
 * An application is either confidential (web redirect URIs: the token request carries its secret or certificate)
 * or public (publicClient / spa redirect URIs: no secret, PKCE). Entra lets one application mix them and binds each
 * refresh token to the kind of redirect it came from; Gatehouse cannot tell afterwards which kind a refresh token
 * came from, so a refresh token issued to the web side could be redeemed without the secret. Mixing is refused.
 */
export interface RedirectSettings {
  webRedirectUris: string[];
  webHomePageUrl: string | null;
  publicClientRedirectUris: string[];
  spaRedirectUris: string[];
}

/** Hosts on which plain http is accepted (URL.hostname form; RFC 8252 §7.3 loopback redirects). */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

const parse = (property: string, value: string): URL => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw directoryError('INVALID_VALUE', `${property}: '${value}' is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw directoryError('INVALID_VALUE', `${property}: '${value}' must use https (http only for localhost, 127.0.0.1 or [::1])`);
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw directoryError('INVALID_VALUE', `${property}: '${value}' must use https (http only for localhost, 127.0.0.1 or [::1])`);
  }
  if (url.username !== '' || url.password !== '') throw directoryError('INVALID_VALUE', `${property}: '${value}' must not contain a user name or password`);
  return url;
};

/** Check one redirect URI; `property` names it in the error (e.g. `spa.redirectUris`). */
export function validateRedirectUri(property: string, value: string): void {
  if (value.includes('*')) throw directoryError('INVALID_VALUE', `${property}: '${value}' must not contain a wildcard; register each redirect URI exactly`);
  if (value.includes('#')) throw directoryError('INVALID_VALUE', `${property}: '${value}' must not contain a fragment (#)`);
  parse(property, value);
}

function checkList(property: string, values: string[]): void {
  const seen = new Set<string>();
  for (const value of values) {
    validateRedirectUri(property, value);
    if (seen.has(value)) throw directoryError('INVALID_VALUE', `${property}: '${value}' is listed twice`);
    seen.add(value);
  }
}

/** Check the redirect settings an application would have after a create or update; throws INVALID_VALUE (400). */
export function validateRedirectSettings(settings: RedirectSettings): void {
  checkList('web.redirectUris', settings.webRedirectUris);
  checkList('publicClient.redirectUris', settings.publicClientRedirectUris);
  checkList('spa.redirectUris', settings.spaRedirectUris);
  if (settings.webHomePageUrl !== null) {
    if (settings.webHomePageUrl.includes('#')) throw directoryError('INVALID_VALUE', `web.homePageUrl: '${settings.webHomePageUrl}' must not contain a fragment (#)`);
    parse('web.homePageUrl', settings.webHomePageUrl);
  }
  const publicUris = settings.publicClientRedirectUris.length + settings.spaRedirectUris.length;
  if (settings.webRedirectUris.length > 0 && publicUris > 0) {
    throw directoryError(
      'INVALID_VALUE',
      'An application is either confidential (web.redirectUris, signs in with its secret or certificate) or public (publicClient.redirectUris / spa.redirectUris, no secret, PKCE), not both: register a second application for the other kind',
    );
  }
  for (const value of settings.publicClientRedirectUris) {
    const url = new URL(value);
    // Native apps use http on a loopback (any port at sign-in) or a claimed https URI on a real host (RFC 8252).
    if (url.protocol === 'https:' && LOOPBACK_HOSTS.has(url.hostname)) {
      throw directoryError('INVALID_VALUE', `publicClient.redirectUris: '${value}' must use http on a loopback host (http://localhost, http://127.0.0.1); any port is accepted at sign-in`);
    }
  }
}

/** Graph implicitGrantSettings: the implicit grant is never offered (tokens in URLs leak; RFC 9700 §2.1.2). */
export function assertNoImplicitGrant(settings: { enableIdTokenIssuance?: boolean | undefined; enableAccessTokenIssuance?: boolean | undefined } | undefined): void {
  if (settings?.enableIdTokenIssuance || settings?.enableAccessTokenIssuance) {
    throw directoryError('INVALID_VALUE', 'web.implicitGrantSettings: the implicit grant is not supported; use the authorization code flow with PKCE');
  }
}
