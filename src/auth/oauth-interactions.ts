import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, type InteractionDetails, type Provider } from 'oidc-provider';
import type { Clock } from '#src/core/clock.ts';
import { appendAudit } from '#src/audit/index.ts';
import { findUserRow, type DirDb } from '#src/directory/index.ts';
import { inTransaction } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import { GATEHOUSE_CLI_CLIENT_ID, cliClientMetadata } from './oauth-clients.ts';
import { defaultScope, type ApiResources } from './oauth-resources.ts';

/**
 * The interaction step of the authorization-code and device flows. The provider redirects the browser to the
 * interaction page (served by the HTTP layer) with a signed interaction cookie; that page establishes who the
 * user is from the portal browser session and calls `finishInteraction`. Gatehouse asks on every authorization,
 * so a revoked or expired portal session can never approve a new token.
 */
export interface InteractionView {
  uid: string;
  /** `device_code`: the user already typed and confirmed the device's code; `authorization_code`: browser sign-in. */
  flow: 'device_code' | 'authorization_code';
  clientId: string;
  clientName: string;
  /** Scopes requested, as sent by the client. */
  scopes: string[];
}

export interface InteractionDeps {
  db: DirDb;
  clock: Clock;
  resources: ApiResources;
}

const OIDC_SCOPES = new Set(['openid', 'offline_access', 'profile']);

async function details(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails> {
  try {
    return await provider.interactionDetails(req, res);
  } catch (error) {
    if (error instanceof errors.SessionNotFound) {
      throw authError('INTERACTION_NOT_FOUND', 'This sign-in request has expired or was already completed. Start the sign-in again from your application.');
    }
    throw error;
  }
}

const flowOf = (interaction: InteractionDetails): InteractionView['flow'] => (interaction.deviceCode ? 'device_code' : 'authorization_code');

/** What the interaction page shows; throws INTERACTION_NOT_FOUND when the interaction cookie is missing or stale. */
export async function getInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<InteractionView> {
  const interaction = await details(provider, req, res);
  const clientId = String(interaction.params.client_id ?? '');
  return {
    uid: interaction.uid,
    flow: flowOf(interaction),
    clientId,
    clientName: clientId === GATEHOUSE_CLI_CLIENT_ID ? cliClientMetadata.client_name : clientId,
    scopes: typeof interaction.params.scope === 'string' ? interaction.params.scope.split(' ').filter(Boolean) : [],
  };
}

/**
 * Complete the interaction as `userId` (taken by the caller from a validated portal session): sign the user in
 * to the provider for this request only, grant the requested scopes (Gatehouse's own CLI needs no consent
 * screen), and audit the approval. Returns where to redirect the browser (303).
 */
export async function finishInteraction(
  deps: InteractionDeps,
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  input: { userId: string; ipAddress?: string | null },
): Promise<{ redirectTo: string }> {
  const interaction = await details(provider, req, res);
  const clientId = String(interaction.params.client_id ?? '');
  if (clientId !== GATEHOUSE_CLI_CLIENT_ID) {
    throw authError('INTERACTION_REFUSED', 'Only the Gatehouse CLI can sign in users through this server');
  }
  const user = await findUserRow(deps.db, input.userId);
  if (!user || !user.account_enabled) throw authError('INTERACTION_REFUSED', 'This account cannot sign in');

  const requested = typeof interaction.params.scope === 'string' ? interaction.params.scope.split(' ').filter(Boolean) : [];
  const resource = deps.resources.fromRequest(interaction.params.resource, interaction.params.scope);
  const grant = new provider.Grant({ accountId: user.id, clientId });
  const oidcScopes = requested.filter((scope) => OIDC_SCOPES.has(scope));
  if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '));
  grant.addResourceScope(resource, defaultScope(resource));
  const grantId: string = await grant.save();

  const redirectTo = await provider.interactionResult(
    req,
    res,
    { login: { accountId: user.id, remember: false, amr: ['pwd'] }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
  // Audited once the provider accepted the result, so an expired interaction leaves no "approved" event.
  const flow = flowOf(interaction);
  await inTransaction(deps.db, (trx) =>
    appendAudit(trx, deps.clock, {
      event: flow === 'device_code' ? 'auth.deviceCodeApproved' : 'auth.authorizationApproved',
      actor: { kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, ipAddress: input.ipAddress ?? null },
      targets: [{ id: clientId, type: 'Application', displayName: cliClientMetadata.client_name }],
      details: { clientId, resource, scope: requested.join(' ') },
    }),
  );
  return { redirectTo };
}

/** The user declined: the client receives access_denied. Returns where to redirect the browser (303). */
export async function abortInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<{ redirectTo: string }> {
  await details(provider, req, res);
  const redirectTo = await provider.interactionResult(
    req,
    res,
    { error: 'access_denied', error_description: 'The user declined the sign-in' },
    { mergeWithLastSubmission: false },
  );
  return { redirectTo };
}
