import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '#src/config/index.ts';
import type { Clock } from '#src/core/clock.ts';
import type { Db } from '#src/store/index.ts';
import type { FinishInteractionInput, InteractionView, UpstreamOidc, UpstreamSaml } from '#src/auth/index.ts';
import type { Metrics } from './metrics.ts';
import type { Authenticator } from './principal.ts';

/** What the HTTP layer needs of the OAuth server: raw mounting, and the interaction (approval) step. */
export interface OAuthMount {
  handles(pathname: string): boolean;
  callback(req: IncomingMessage, res: ServerResponse): Promise<void>;
  getInteraction(req: IncomingMessage, res: ServerResponse, forUserId?: string): Promise<InteractionView>;
  finishInteraction(req: IncomingMessage, res: ServerResponse, input: FinishInteractionInput): Promise<{ redirectTo: string }>;
  abortInteraction(req: IncomingMessage, res: ServerResponse): Promise<{ redirectTo: string }>;
}

export interface PortalUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
}

/** What the portal's session routes need from the auth module (wired in src/main.ts). */
export interface PortalDeps {
  /** Who a user is, for the answer of a completed sign-in. */
  user(userId: string): Promise<PortalUser>;
  signOut(cookieValue: string, ipAddress: string): Promise<void>;
  current(cookieValue: string): Promise<{ user: PortalUser; csrfToken: string; amr: string[]; authenticatedAt: Date } | undefined>;
  setPassword(token: string, password: string, ipAddress: string): Promise<void>;
  roles(userId: string): Promise<{ id: string; displayName: string }[]>;
}

/** Everything the HTTP layer needs, passed in by the composition root (src/main.ts) or a test. */
export interface HttpDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  authenticator: Authenticator;
  /** Portal sign-in, set-password and OAuth mounting, provided by the auth module. */
  portal: PortalDeps;
  /** Name and attributes of the portal session cookie (decided by the auth module). */
  sessionCookie: { name: string; secure: boolean; sameSite: 'lax' | 'strict'; httpOnly: true; path: '/' };
  /** The OAuth/OIDC server, mounted as a raw Node handler for the paths it serves (its body parsing is its own). */
  oauth?: OAuthMount;
  /** PEM certificate chain and key: serve HTTPS. */
  https?: { cert: Buffer; key: Buffer };
  /** False while starting or shutting down: /readyz answers 503. */
  isReady: () => boolean;
  /** Directory of the built web UI; the UI is not served when it is missing. */
  webRoot?: string;
  metrics?: Metrics;
  /** Seals secrets the HTTP-facing services store (one-time passcodes in the mail outbox). */
  masterKey: Buffer;
  /** The OpenID Connect client for partner identity providers (keeps their discovery documents cached). */
  upstream: UpstreamOidc;
  /** The SAML service provider for partner IdPs. */
  saml: UpstreamSaml;
  /** Deliver outbox messages queued by a request, after its transaction committed (does not wait). */
  deliverMail: (ids: string[]) => void;
  /** Post emergency-access alerts raised by a request to their webhook, after commit (does not wait). */
  deliverAlerts: (ids: string[]) => void;
  /** Start working through unfinished bulk invitation jobs now, on whichever node holds the lock (does not wait). */
  runBulkInvitations: () => void;
}

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;


/** What route modules receive. */
export type RouteDeps = HttpDeps & { metrics: Metrics };
