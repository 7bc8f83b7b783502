import type { FastifyRequest } from 'fastify';
import type { App } from './types.ts';
import { AppError, forbidden, unauthenticated } from '#src/core/errors.ts';
import { csrfTokenMatches } from '#src/auth/index.ts';
import { actorOf, type Authenticator, type Principal, type RouteAuth } from './principal.ts';
import type { Actor } from '#src/audit/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
    /** The audit actor for the current caller (throws when there is none). */
    actor(): Actor;
  }
}


const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Where the rendered API reference lives (its pages and assets need no sign-in). */
export const PUBLIC_DOCS_PREFIX = '/docs/api';

/**
 * The one place every request is authorized, before its handler runs. Deny by default: a route that does not
 * declare `config.auth` refuses to register. A bearer token wins over a cookie; cookie-authenticated writes need
 * the session's CSRF token in `X-CSRF-Token`.
 */
export function registerAuthorization(app: App, authenticator: Authenticator, cookieName: string): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('actor', function actor(this: FastifyRequest): Actor {
    if (!this.principal) throw unauthenticated('Sign in first.');
    return actorOf(this.principal, this.ip);
  });

  app.addHook('onRoute', (route) => {
    if (route.config?.auth !== undefined) return;
    // Files of the web UI (registered by @fastify/static) and the API reference pages are public by nature.
    const isStaticFile = (route.config as { rootPath?: unknown } | undefined)?.rootPath !== undefined;
    if (isStaticFile || route.url.startsWith(`${PUBLIC_DOCS_PREFIX}/`) || route.url === PUBLIC_DOCS_PREFIX) {
      route.config = { ...route.config, auth: 'public' };
      return;
    }
    throw new Error(`route ${route.method} ${route.url} declares no config.auth: every route must say who may call it`);
  });

  // onRequest: before the body is read or validated, so anonymous callers learn nothing from schema errors.
  app.addHook('onRequest', async (request) => {
    // Unmatched URLs reach the not-found handler, which serves the UI's index page or a Graph 404.
    if (request.is404) return;
    const rule = request.routeOptions.config.auth;
    if (rule === undefined) throw new AppError('FORBIDDEN', 403, 'This route is not available.');
    if (rule === 'public') return;
    request.principal = await identify(request, authenticator, rule === 'session', cookieName);
    if (!request.principal) throw unauthenticated('Access token is empty. Send an OAuth bearer token in the Authorization header, or sign in to the portal.');
    if (rule === 'session' || rule === 'signedIn') return;
    const held = request.principal.permissions;
    if (!rule.anyOf.some((p) => held.has(p))) {
      throw forbidden(`Insufficient privileges to complete the operation. Requires one of these permissions: ${rule.anyOf.join(', ')}.`);
    }
  });
}

async function identify(request: FastifyRequest, authenticator: Authenticator, sessionOnly: boolean, cookieName: string): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header !== undefined && !sessionOnly) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <access token>".');
    return authenticator.fromBearer(match[1]);
  }
  const cookie = request.cookies?.[cookieName];
  if (!cookie) return undefined;
  const session = await authenticator.fromSession(cookie);
  if (!session) return undefined;
  if (!SAFE_METHODS.has(request.method)) {
    const presented = request.headers['x-csrf-token'];
    if (typeof presented !== 'string' || !csrfTokenMatches(session, presented)) {
      throw forbidden('Missing or wrong X-CSRF-Token header for a cookie-authenticated change.');
    }
  }
  return session.principal;
}
