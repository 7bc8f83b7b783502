import type { IncomingMessage, ServerResponse } from 'node:http';
import { proxyTrust, type ProxyTrust } from '#src/core/proxies.ts';
import type { JWK } from 'jose';
import { Provider, type ProviderContext } from 'oidc-provider';
import { randomToken } from '#src/core/crypto.ts';
import { getTenant, type DirDb } from '#src/directory/index.ts';
import type { AuthDeps } from './auth.deps.ts';
import { createAccessTokenVerifier, type Principal } from './access-tokens.ts';
import { loadSigningKeys, type SigningKeySet } from './keys.service.ts';
import { compareHashedClientSecret } from './oauth-clients.ts';
import { providerConfiguration, type ConfigurationInput } from './oauth-configuration.ts';
import { abortInteraction, finishInteraction, getInteraction, type FinishInteractionInput, type InteractionView } from './oauth-interactions.ts';
import { apiResources } from './oauth-resources.ts';
import { providerPaths, type ProviderPaths } from './oauth-routes.ts';
import { defaultViews, type OAuthViews } from './oauth-views.ts';

export interface OAuthServerDeps extends AuthDeps {
  masterKey: Buffer;
  /** Reverse proxies in front of Gatehouse (the `trustProxy` option): X-Forwarded-For entries trusted from the right; host and scheme always come from publicUrl. */
  trustProxy?: number;
  /** Where those proxies are (the `trustedProxies` option); X-Forwarded-For from any other peer is dropped. */
  trustedProxies?: string;
  /** Replace some or all of the provider's HTML pages. */
  views?: Partial<OAuthViews>;
  /** Server errors inside the provider (a bug or an unreachable database); the response is a generic error. */
  onServerError?: (error: unknown) => void;
  /** Deliver mail and emergency-access alerts a refresh raised (Conditional Access on refresh tokens), after commit. */
  notify?: (effects: { mailIds: string[]; alertIds: string[] }) => void;
}

export interface OAuthServer {
  /** The issuer (publicUrl). */
  readonly issuer: string;
  /** Raw Node handler to mount: forward requests for which `handles()` is true, without parsing their body. */
  callback(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Path prefixes served by `callback` (informational; `handles` is the exact rule). */
  readonly pathPrefixes: readonly string[];
  /** Whether `callback` serves this path (prefixes plus MSAL's tenant-scoped discovery alias). */
  handles(pathname: string): boolean;
  /** Read the pending interaction for the interaction page; with `forUserId`, whether that user must still consent. */
  getInteraction(req: IncomingMessage, res: ServerResponse, forUserId?: string): Promise<InteractionView>;
  /** Approve the pending interaction as a user whose portal session the caller validated. */
  finishInteraction(req: IncomingMessage, res: ServerResponse, input: FinishInteractionInput): Promise<{ redirectTo: string }>;
  /** Decline the pending interaction. */
  abortInteraction(req: IncomingMessage, res: ServerResponse): Promise<{ redirectTo: string }>;
  /** Verify a bearer token for the /v1.0 API. */
  verifyAccessToken(token: string): Promise<Principal>;
  /** Pick up keys rotated or retired (on any node); rebuilds the provider when the key set changed. */
  reloadSigningKeys(): Promise<boolean>;
  /** The published JWKS (public keys only). */
  publicJwks(): { keys: JWK[] };
}

const SECURITY_HEADERS = {
  // 'script-src' must be present: the provider adds the hash of its one inline auto-submit script to it.
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * The provider builds every URL it emits (discovery, redirects, cookie paths, expected audiences) from the request.
 * Pin those to the public URL instead of trusting the Host header: the host and scheme come from publicUrl, the
 * mount path from the URL below it (as Express's originalUrl would give it), and X-Forwarded-For is dropped unless
 * the proxy is trusted.
 */
function pinToPublicUrl(req: IncomingMessage & { originalUrl?: string }, publicUrl: string, paths: ProviderPaths, proxies: ProxyTrust): void {
  const url = new URL(publicUrl);
  const providerUrl = paths.providerUrl(req.url ?? '/');
  req.url = providerUrl;
  req.originalUrl = `${paths.mountPath}${providerUrl}`;
  req.headers['x-forwarded-host'] = url.host;
  req.headers['x-forwarded-proto'] = url.protocol.slice(0, -1);
  // Only a trusted proxy may name the client (the same rule as the HTTP layer's).
  if (!proxies.trustsPeer(req.socket?.remoteAddress)) delete req.headers['x-forwarded-for'];
}

function buildProvider(input: ConfigurationInput & { deps: OAuthServerDeps }): Provider {
  const { deps } = input;
  const https = deps.config.publicUrl.startsWith('https:');
  const provider = new Provider(deps.config.publicUrl, providerConfiguration(input));
  // Forwarded host and scheme are always set by pinToPublicUrl; the client address only when trustProxy.
  provider.proxy = true;
  // Only the entries the trusted proxies appended count (Koa takes the address that many hops from the right).
  (provider as unknown as { maxIpsCount: number }).maxIpsCount = Math.max(1, deps.trustProxy ?? 0);
  // Secrets are stored as SHA-256 hashes: compare hashes (oauth-clients.ts).
  provider.Client.prototype.compareClientSecret = compareHashedClientSecret;
  provider.use(async (ctx: ProviderContext, next: () => Promise<void>) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) ctx.set(name, value);
    if (https) ctx.set('strict-transport-security', 'max-age=31536000');
    await next();
  });
  provider.on('server_error', (_ctx: unknown, error: unknown) => deps.onServerError?.(error));
  return provider;
}

/**
 * Build the OAuth 2.0 / OpenID Connect authorization server: client credentials for registered applications
 * (secrets or certificates), OpenID Connect sign-in (authorization code + PKCE, ID token, userinfo, rotating
 * refresh tokens) for registered applications with redirect URIs, device flow and authorization code + PKCE for
 * the `gatehouse-cli` public client, JWT access tokens signed ES256 for the Graph-compatible API. State lives in PostgreSQL, so any node serves any
 * step. Signing keys must exist (ensureSigningKeys) before this is called.
 */
export async function createOAuthServer(deps: OAuthServerDeps): Promise<OAuthServer> {
  const resources = apiResources(deps.config.publicUrl);
  const paths = providerPaths(deps.config.publicUrl);
  const views: OAuthViews = { ...defaultViews, ...deps.views };
  let tenant: Promise<string> | undefined;
  const tenantId = (): Promise<string> =>
    (tenant ??= getTenant(deps.db as DirDb).then((t) => {
      if (!t) {
        tenant = undefined;
        throw new Error('the tenant does not exist yet; tokens cannot be issued before bootstrap');
      }
      return t.id;
    }));
  const unusableSecret = randomToken(32);
  let keys = await loadSigningKeys(deps);
  if (!keys.privateJwks.keys.some((key) => key.alg === 'ES256')) throw new Error('no ES256 signing key: call ensureSigningKeys first');

  const build = (): { provider: Provider; handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> } => {
    const provider = buildProvider({ deps, keys, resources, views, tenantId, unusableSecret, paths });
    return { provider, handler: provider.callback() };
  };
  let current = build();
  const verifier = createAccessTokenVerifier({ db: deps.db, clock: deps.clock, issuer: deps.config.publicUrl, audiences: resources.audiences });
  const interactionDeps = { db: deps.db as DirDb, clock: deps.clock, resources };
  const proxies = proxyTrust(deps.trustProxy ?? 0, deps.trustedProxies ?? '127.0.0.0/8,::1/128');
  const kidsOf = (set: SigningKeySet): string => set.privateJwks.keys.map((key) => key.kid).join(',');

  return {
    issuer: deps.config.publicUrl,
    pathPrefixes: paths.pathPrefixes,
    handles: (pathname) => paths.handles(pathname),
    async callback(req, res) {
      pinToPublicUrl(req, deps.config.publicUrl, paths, proxies);
      await current.handler(req, res);
    },
    getInteraction: (req, res, forUserId) => getInteraction(interactionDeps, current.provider, req, res, forUserId),
    finishInteraction: (req, res, input) => finishInteraction(interactionDeps, current.provider, req, res, input),
    abortInteraction: (req, res) => abortInteraction(current.provider, req, res),
    verifyAccessToken: (token) => verifier.verify(token),
    async reloadSigningKeys() {
      const next = await loadSigningKeys(deps);
      await verifier.reloadKeys();
      if (kidsOf(next) === kidsOf(keys)) return false;
      keys = next;
      current = build();
      return true;
    },
    publicJwks: () => keys.publicJwks,
  };
}
