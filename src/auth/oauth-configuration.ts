import { hkdfSync } from 'node:crypto';
import { Provider, errors, interactionPolicy, type ProviderContext, type ProviderModel } from 'oidc-provider';
import type { DirDb } from '#src/directory/index.ts';
import type { AuthDeps } from './auth.deps.ts';
import type { AuthDb } from './auth.tables.ts';
import type { SigningKeySet } from './keys.service.ts';
import { PostgresAdapter } from './oidc-adapter.ts';
import { GATEHOUSE_CLI_CLIENT_ID, clientAdapter, cliClientMetadata, corsAllowed, type AppClientInfo } from './oauth-clients.ts';
import { OIDC_SCOPES } from './oauth-consents.ts';
import { defaultScope, type ApiResources } from './oauth-resources.ts';
import { OAUTH_ROUTES, type ProviderPaths } from './oauth-routes.ts';
import { deviceCodeErrorMessage, type OAuthViews } from './oauth-views.ts';
import { conditionalAccessOnRefresh } from './oauth-refresh.ts';
import type { SignInPipelineDeps } from './sign-in-pipeline.ts';
import { CLAIMS_BY_SCOPE, customizeAccessToken, findAccount, type AccountContext } from './token-claims.ts';

/**
 * The oidc-provider configuration, one named piece per concern. Everything insecure or unused is off: no dev
 * interactions, no implicit or hybrid response types, PKCE (S256) always, no dynamic registration, introspection,
 * PAR, DPoP or RP-initiated logout; refresh tokens rotate on every use and pass Conditional Access again; cookie
 * keys come from the master key.
 */
export interface ConfigurationInput {
  /** `notify` delivers emergency-access alerts raised by a refresh at once (SignInPipelineDeps). */
  deps: AuthDeps & { masterKey: Buffer; notify?: SignInPipelineDeps['notify'] };
  keys: SigningKeySet;
  resources: ApiResources;
  views: OAuthViews;
  tenantId: () => Promise<string>;
  /** Placeholder client_secret of application clients (never compared; see oauth-clients.ts). */
  unusableSecret: string;
  paths: ProviderPaths;
}

/** Lifetimes that are not configuration options (seconds). */
const TTL = {
  authorizationCode: 60,
  deviceCode: 600,
  interaction: 600,
  /** The provider's own session only bridges one interaction: Gatehouse asks the portal session every time. */
  session: 600,
  refreshToken: 14 * 86_400,
  grant: 14 * 86_400,
};

/** Cookie signing keys derived from the master key, so every node agrees and nothing else needs storing. */
const cookieKeys = (masterKey: Buffer): string[] => [Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'gatehouse/oidc-provider/cookies/v1', 32)).toString('base64url')];

function cookies(input: ConfigurationInput) {
  const secure = input.deps.config.publicUrl.startsWith('https:');
  return {
    keys: cookieKeys(input.deps.masterKey),
    names: { session: 'gh_oidc_session', interaction: 'gh_oidc_interaction', resume: 'gh_oidc_resume' },
    long: { httpOnly: true, sameSite: 'lax', secure },
    short: { httpOnly: true, sameSite: 'lax', secure },
  };
}

/** Every authorization goes through the interaction page, which checks the portal session; the provider's own session cookie is never enough. */
function portalSessionPolicy(): ProviderModel {
  const policy = interactionPolicy.base();
  const { Check } = interactionPolicy;
  policy.get('login').checks.add(
    new Check('gatehouse_portal_session', 'Gatehouse confirms the portal session for every authorization', (ctx: ProviderContext) =>
      ctx.oidc.result?.login ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
    ),
  );
  return policy;
}

function deviceFlow(views: OAuthViews) {
  return {
    enabled: true,
    charset: 'base-20',
    mask: '****-****',
    userCodeInputSource: async (ctx: ProviderContext, form: string, _out: unknown, err: { name?: string } | undefined) => {
      const error = deviceCodeErrorMessage(err);
      ctx.type = 'html';
      ctx.body = views.deviceCodeInput(error === undefined ? { form } : { form, error });
    },
    userCodeConfirmSource: async (ctx: ProviderContext, form: string, client: { clientName?: string; clientId: string }, _info: unknown, userCode: string) => {
      ctx.type = 'html';
      ctx.body = views.deviceCodeConfirm({ form, clientName: client.clientName ?? client.clientId, userCode });
    },
    successSource: async (ctx: ProviderContext) => {
      ctx.type = 'html';
      ctx.body = views.deviceSuccess({ clientName: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId ?? 'The device' });
    },
  };
}

type RequestingClient = { clientId: string } | undefined;

const isClientCredentials = (ctx: ProviderContext): boolean => ctx.oidc?.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials';
const namesApiScope = (scope: unknown): boolean => typeof scope === 'string' && scope.split(' ').some((value) => value.endsWith('/.default'));

/**
 * Tokens for the API: the CLI acting for a user, or an application acting as itself (client credentials). A
 * registered application signing a user in gets an ID token and an access token for userinfo only — the API does
 * not accept delegated tokens of other clients (access-tokens.ts), so it would be a token that cannot be used.
 */
const apiTokenAllowed = (ctx: ProviderContext, client: RequestingClient): boolean => client?.clientId === GATEHOUSE_CLI_CLIENT_ID || isClientCredentials(ctx);

/**
 * Access tokens for the API are JWTs (ES256), whichever of its identifiers was asked for. Without a resource (an
 * application's OpenID Connect sign-in) the access token is the provider's opaque one, valid at userinfo only.
 */
function resourceIndicators(resources: ApiResources, accessTokenTtl: number) {
  return {
    enabled: true,
    defaultResource: async (ctx: ProviderContext, client: RequestingClient, oneOf?: string[]) => {
      if (oneOf && oneOf.length > 0) return oneOf[0];
      const scope = ctx.oidc.params?.scope;
      if (!apiTokenAllowed(ctx, client) && !namesApiScope(scope)) return undefined;
      return resources.fromRequest(undefined, scope);
    },
    useGrantedResource: async () => true,
    getResourceServerInfo: async (ctx: ProviderContext, indicator: string, client: RequestingClient) => {
      const resource = resources.canonical(indicator);
      if (!resource) throw new errors.InvalidTarget(`resource '${indicator}' is not served by Gatehouse`);
      if (!apiTokenAllowed(ctx, client)) {
        throw new errors.InvalidTarget(
          `an application signing a user in gets an ID token and userinfo access, not tokens for '${resource}': call the API with the application's own identity (client credentials)`,
        );
      }
      return { scope: defaultScope(resource), audience: resource, accessTokenTTL: accessTokenTtl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
    },
  };
}

function features(input: ConfigurationInput) {
  return {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    deviceFlow: deviceFlow(input.views),
    resourceIndicators: resourceIndicators(input.resources, input.deps.config.accessTokenLifetimeSeconds),
    revocation: { enabled: true, allowedPolicy: async (_ctx: ProviderContext, client: { clientId: string }, token: { clientId: string }) => token.clientId === client.clientId },
    rpInitiatedLogout: { enabled: false },
    // OpenID Connect userinfo for applications' sign-ins (opaque access tokens without an API audience).
    userinfo: { enabled: true },
    introspection: { enabled: false },
    pushedAuthorizationRequests: { enabled: false },
    dPoP: { enabled: false },
    registration: { enabled: false },
  };
}

function ttl(accessTokenTtl: number) {
  return {
    AccessToken: accessTokenTtl,
    ClientCredentials: accessTokenTtl,
    IdToken: accessTokenTtl,
    AuthorizationCode: TTL.authorizationCode,
    DeviceCode: TTL.deviceCode,
    Interaction: TTL.interaction,
    Session: TTL.session,
    RefreshToken: TTL.refreshToken,
    Grant: TTL.grant,
  };
}

/** Errors shown to a person in the browser, with what to do about the ones an administrator can fix. */
function errorDescription(out: { error?: string; error_description?: string }): string {
  switch (out.error) {
    case 'invalid_client':
      return 'This application is not registered with Gatehouse, or it is disabled (its service principal is missing or disabled). Ask an administrator.';
    case 'invalid_redirect_uri':
      return "The application asked to return to an address it has not registered. An administrator adds it to the application's web, publicClient or spa redirect URIs.";
    default:
      return out.error_description ?? 'The request could not be completed.';
  }
}

export function providerConfiguration(input: ConfigurationInput): Record<string, unknown> {
  const { deps, views } = input;
  const db = deps.db as DirDb;
  const accounts: AccountContext = { db, tenantId: input.tenantId, publicUrl: deps.config.publicUrl };
  return {
    adapter: (name: string) =>
      name === 'Client' ? clientAdapter(db, input.unusableSecret, () => Provider.ctx) : new PostgresAdapter(name, deps.db as AuthDb, deps.masterKey),
    clients: [cliClientMetadata],
    clientDefaults: { grant_types: [], response_types: [], id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'client_secret_basic' },
    // No client_secret_jwt: secrets are stored hashed, so an HMAC over one cannot be checked.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    // Only single-page apps call the token endpoint from a browser, from the origin of a spa redirect URI.
    clientBasedCORS: (_ctx: ProviderContext, origin: string, client: { gatehouse?: AppClientInfo }) => corsAllowed(origin, client),
    extraClientMetadata: { properties: ['gatehouse'], validator: () => undefined },
    jwks: input.keys.privateJwks,
    cookies: cookies(input),
    claims: CLAIMS_BY_SCOPE,
    scopes: [...OIDC_SCOPES],
    // ID tokens carry every claim the granted scopes release (as Entra's do), not only `sub`.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    routes: OAUTH_ROUTES,
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'EdDSA'],
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'],
      requestObjectSigningAlgValues: ['ES256', 'EdDSA'],
    },
    features: features(input),
    formats: {
      customizers: {
        jwt: (ctx: ProviderContext, token: ProviderModel, jwt: { payload: Record<string, unknown> }) => customizeAccessToken(db, input.tenantId, ctx, token, jwt),
      },
    },
    findAccount: (_ctx: ProviderContext, sub: string, token?: { iat?: number }) => findAccount(accounts, sub, token),
    interactions: {
      policy: portalSessionPolicy(),
      url: (_ctx: ProviderContext, interaction: { uid: string }) => input.paths.interactionPath(interaction.uid),
    },
    // Every use of a refresh token returns a new one; presenting a used one revokes the whole grant (reuse detection).
    // Called once per refresh_token grant, after the token was validated and before it is consumed: Conditional
    // Access is evaluated again there (oauth-refresh.ts), and a refusal ends the grant request with invalid_grant.
    rotateRefreshToken: async (ctx: ProviderContext) => {
      await conditionalAccessOnRefresh(deps, ctx);
      return true;
    },
    // The provider's session only bridges one interaction (TTL.session); tokens must not die with it. Revocation is
    // Gatehouse's own (findAccount checks the user on every refresh and userinfo call).
    expiresWithSession: async () => false,
    issueRefreshToken: async (_ctx: ProviderContext, client: { grantTypeAllowed(type: string): boolean }, code: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: ttl(deps.config.accessTokenLifetimeSeconds),
    renderError: async (ctx: ProviderContext, out: { error?: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = views.error({ error: out.error ?? 'server_error', description: errorDescription(out) });
    },
  };
}
