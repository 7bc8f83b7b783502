import type { Actor } from '#src/audit/index.ts';

/** Who is calling: a user (portal session or delegated token) or an application (client credentials). */
export type Principal =
  | {
      kind: 'user';
      userId: string;
      displayName: string;
      userPrincipalName: string;
      permissions: ReadonlySet<string>;
      via: 'session' | 'token';
      /** What a portal session proved (its amr: `pwd`, `otp`, `mfa`, ...); absent for tokens. */
      amr?: readonly string[];
    }
  | { kind: 'app'; appId: string; servicePrincipalId: string; displayName: string; permissions: ReadonlySet<string> };

/** What the HTTP layer needs from the auth module to recognise callers. */
export interface Authenticator {
  /** Verify a bearer access token; throws AppError UNAUTHENTICATED when it is not acceptable. */
  fromBearer(token: string): Promise<Principal>;
  /** Resolve a portal session cookie; undefined when absent, expired or revoked. */
  fromSession(cookieValue: string): Promise<{ principal: Principal; csrfToken: string } | undefined>;
}

/**
 * How a route is authorized, declared next to it and checked in one place (authorize.ts) before it runs:
 * `public` (no caller needed), `session` (a portal session, no particular permission), `signedIn` (any caller,
 * session or token, whose right the service decides by a tenant policy, e.g. the invite policy), or a list of
 * permissions of which the caller needs any one.
 */
export type RouteAuth = 'public' | 'session' | 'signedIn' | { anyOf: readonly string[] };

export function actorOf(principal: Principal, ipAddress: string | null): Actor {
  return principal.kind === 'user'
    ? { kind: 'user', id: principal.userId, displayName: principal.displayName, userPrincipalName: principal.userPrincipalName, ipAddress }
    : { kind: 'app', appId: principal.appId, servicePrincipalId: principal.servicePrincipalId, displayName: principal.displayName, ipAddress };
}
