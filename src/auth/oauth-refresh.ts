import { errors, type ProviderContext } from 'oidc-provider';
import { evaluateTokenRefresh, type SignInApplication, type SignInPipelineDeps } from './sign-in-pipeline.ts';

/**
 * Conditional Access on the refresh_token grant: a refresh token lives up to 14 days, and a policy added since
 * (a block, a country, MFA, a sign-in frequency) must apply to it as to a new sign-in. The provider calls
 * `rotateRefreshToken(ctx)` once per refresh_token grant, after it validated the refresh token (found, this
 * client's, not expired, its grant and user still valid — findAccount refuses a revoked or disabled user — and
 * not a reuse of a rotated one) and before it consumes it or issues anything; oauth-configuration.ts evaluates
 * there. The other grants (client credentials: no user) never reach it.
 *
 * The evaluation is the sign-in pipeline's, non-interactive (evaluateTokenRefresh): application id = client id,
 * the request's address (Koa's `ctx.ip`, which honours trustProxy as oauth-provider.ts configures it) and
 * User-Agent, and the amr and auth_time the refresh token carries from the original sign-in. A refusal is the
 * OAuth error invalid_grant naming Conditional Access; the client signs the user in again interactively.
 */
export async function conditionalAccessOnRefresh(deps: SignInPipelineDeps, ctx: ProviderContext): Promise<void> {
  const { RefreshToken: token, Client: client } = ctx.oidc.entities as {
    RefreshToken: { accountId: string; amr?: unknown; authTime?: unknown; gty?: unknown };
    Client: { clientId: string; clientName?: string };
  };
  const application: SignInApplication = {
    id: client.clientId,
    displayName: client.clientName ?? client.clientId,
    // As on the interaction page: the device flow is a desktop client, an authorization-code sign-in a browser.
    clientAppType: typeof token.gty === 'string' && token.gty.includes('device_code') ? 'mobileAppsAndDesktopClients' : 'browser',
  };
  const userAgent: unknown = ctx.get('user-agent');
  const outcome = await evaluateTokenRefresh(deps, {
    userId: token.accountId,
    application,
    amr: Array.isArray(token.amr) ? token.amr.filter((value): value is string => typeof value === 'string') : [],
    authTime: typeof token.authTime === 'number' ? new Date(token.authTime * 1000) : null,
    ipAddress: typeof ctx.ip === 'string' && ctx.ip !== '' ? ctx.ip : null,
    userAgent: typeof userAgent === 'string' && userAgent !== '' ? userAgent : null,
  });
  if (outcome.status === 'allowed') return;
  const reference = outcome.signInId && !outcome.message.includes(outcome.signInId) ? ` Sign-in log reference: ${outcome.signInId}.` : '';
  throw new errors.CustomOIDCProviderError('invalid_grant', `Conditional Access refused this refresh token (error ${outcome.errorCode}): ${outcome.message}${reference}`);
}
