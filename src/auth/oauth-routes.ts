/**
 * Routes of the authorization server, Entra-style under /oauth2/v2.0 (relative to the public URL's path). The
 * HTTP layer forwards every request whose path `OAuthServer.handles()` accepts to `OAuthServer.callback`
 * untouched (before any body parsing); the interaction page (`INTERACTION_PATH/<uid>`) is the HTTP layer's own.
 */
export const OAUTH_ROUTES = {
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  jwks: '/oauth2/v2.0/keys',
  device_authorization: '/oauth2/v2.0/devicecode',
  code_verification: '/oauth2/v2.0/devicelogin',
  revocation: '/oauth2/v2.0/revoke',
  userinfo: '/oauth2/v2.0/userinfo',
} as const;

export const OAUTH_PREFIX = '/oauth2/v2.0/';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';
/** The interaction page: `${INTERACTION_PATH}/<uid>`, served by the HTTP layer (see OAuthServer.getInteraction). */
export const INTERACTION_PATH = '/oauth2/interaction';
/** MSAL fetches `<authority>/v2.0/.well-known/openid-configuration` with authority `<publicUrl>/<tenant>`. */
export const TENANT_DISCOVERY = /^\/[A-Za-z0-9.-]{1,100}\/v2\.0\/\.well-known\/openid-configuration$/;

/** Where the provider is reachable under a public URL that may have a path (`https://host/gatehouse`). */
export interface ProviderPaths {
  /** The public URL's path without trailing slash ('' at the root). */
  mountPath: string;
  /** Path prefixes served by the provider, as seen on the wire. */
  pathPrefixes: readonly string[];
  handles(pathname: string): boolean;
  /** The request URL the provider routes on: below the mount path, MSAL's discovery alias rewritten. */
  providerUrl(requestUrl: string): string;
  /** Absolute path of the interaction page for an interaction uid. */
  interactionPath(uid: string): string;
}

export function providerPaths(publicUrl: string): ProviderPaths {
  const mountPath = new URL(publicUrl).pathname.replace(/\/$/, '');
  const below = (pathname: string): string | undefined =>
    mountPath === '' ? pathname : pathname.startsWith(`${mountPath}/`) ? pathname.slice(mountPath.length) : undefined;
  return {
    mountPath,
    pathPrefixes: [`${mountPath}${OAUTH_PREFIX}`, `${mountPath}${DISCOVERY_PATH}`],
    handles(pathname) {
      const path = below(pathname);
      return path !== undefined && (path.startsWith(OAUTH_PREFIX) || path === DISCOVERY_PATH || TENANT_DISCOVERY.test(path));
    },
    providerUrl(requestUrl) {
      const url = new URL(requestUrl, 'http://gatehouse.invalid');
      const path = below(url.pathname) ?? url.pathname;
      return `${TENANT_DISCOVERY.test(path) ? DISCOVERY_PATH : path}${url.search}`;
    },
    interactionPath: (uid) => `${mountPath}${INTERACTION_PATH}/${encodeURIComponent(uid)}`,
  };
}
