import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, type InteractionDetails, type Provider } from 'oidc-provider';
import type { Clock } from '#src/core/clock.ts';
import { appendAudit } from '#src/audit/index.ts';
import { findClient, findUserRow, type DirDb } from '#src/directory/index.ts';
import { inTransaction } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import { GATEHOUSE_CLI_CLIENT_ID, cliClientMetadata } from './oauth-clients.ts';
import { consentCovers, consentedScopes, oidcScopesOf, rememberConsent, type OidcScope } from './oauth-consents.ts';
import { defaultScope, type ApiResources } from './oauth-resources.ts';

/**
 * The interaction step of the authorization-code and device flows. The provider redirects the browser to the
 * interaction page (served by the HTTP layer) with a signed interaction cookie; that page establishes who the
 * user is from the portal browser session and calls `finishInteraction`. The portal session is checked on every
 * authorization, so a revoked or expired one never approves a token. Gatehouse's CLI is approved by hand every
 * time; a registered application once per user and set of scopes (remembered consent, oauth-consents.ts).
 */
export interface InteractionView {
  uid: string;
  /** `device_code`: the user already typed and confirmed the device's code; `authorization_code`: browser sign-in. */
  flow: 'device_code' | 'authorization_code';
  /** `cli`: Gatehouse's own CLI (acts with the user's roles); `application`: a registered app signing the user in. */
  client: 'cli' | 'application';
  clientId: string;
  /** The CLI's name or the application's displayName. */
  clientName: string;
  /** Scopes requested, as sent by the client. */
  scopes: string[];
  /** The OpenID Connect scopes among them, in the order the approval page lists them. */
  oidcScopes: OidcScope[];
  /** Those the user has not consented to yet (all of them for the CLI). */
  newScopes: OidcScope[];
  /** Where the browser returns (authorization code), already checked by the provider against the registration. */
  redirectUri: string | null;
  /**
   * The client's max_age (seconds): an older portal sign-in must be repeated. 0 for prompt=login (the provider turns
   * max_age=0 into prompt=login and drops the max_age).
   */
  maxAge: number | null;
  /**
   * Whether the user must approve on the page. False only for a registered application whose remembered consent
   * covers every requested scope and that did not send prompt=consent (computed when `forUserId` was given).
   */
  consentRequired: boolean;
}

export interface InteractionDeps {
  db: DirDb;
  clock: Clock;
  resources: ApiResources;
}

export interface FinishInteractionInput {
  userId: string;
  ipAddress?: string | null;
  /** How the portal session authenticated (and any step-up the pipeline demanded), for the ID token's `amr`. */
  amr?: string[];
  /** When the portal session authenticated, for the ID token's `auth_time` (default: now). */
  authenticatedAt?: Date;
  /**
   * `prompted` (default): the user pressed Approve; `remembered`: approval without a page, refused unless the
   * remembered consent covers the request (the caller's decision is checked again here).
   */
  approval?: 'prompted' | 'remembered';
}

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
const scopesOf = (interaction: InteractionDetails): string[] => (typeof interaction.params.scope === 'string' ? interaction.params.scope.split(' ').filter(Boolean) : []);
const prompts = (interaction: InteractionDetails, name: string): boolean => typeof interaction.params.prompt === 'string' && interaction.params.prompt.split(' ').includes(name);
const promptsConsent = (interaction: InteractionDetails): boolean => prompts(interaction, 'consent');

/** How recent the portal sign-in must be (seconds), or null: prompt=login (and max_age=0) mean 0. */
function maxAgeOf(interaction: InteractionDetails): number | null {
  if (prompts(interaction, 'login')) return 0;
  const maxAge = interaction.params.max_age === undefined ? null : Number(interaction.params.max_age);
  return maxAge !== null && Number.isSafeInteger(maxAge) && maxAge >= 0 ? maxAge : null;
}

/** The registered application behind a client id, or INTERACTION_REFUSED when it can no longer sign anyone in. */
async function registeredApplication(db: DirDb, clientId: string): Promise<{ appId: string; displayName: string }> {
  const record = await findClient(db, clientId);
  if (!record || !record.servicePrincipalId || !record.enabled) {
    throw authError('INTERACTION_REFUSED', 'This application is no longer registered with Gatehouse, or its service principal is disabled. Ask an administrator.');
  }
  return { appId: record.appId, displayName: record.displayName };
}

/**
 * What the interaction page shows; throws INTERACTION_NOT_FOUND when the interaction cookie is missing or stale and
 * INTERACTION_REFUSED when the application was disabled meanwhile. With `forUserId`, whether that user's
 * remembered consent covers the request.
 */
export async function getInteraction(deps: InteractionDeps, provider: Provider, req: IncomingMessage, res: ServerResponse, forUserId?: string): Promise<InteractionView> {
  const interaction = await details(provider, req, res);
  const clientId = String(interaction.params.client_id ?? '');
  const flow = flowOf(interaction);
  const scopes = scopesOf(interaction);
  const oidcScopes = oidcScopesOf(scopes);
  const redirectUri = flow === 'authorization_code' && typeof interaction.params.redirect_uri === 'string' ? interaction.params.redirect_uri : null;
  const common = { uid: interaction.uid, flow, clientId, scopes, oidcScopes, redirectUri, maxAge: maxAgeOf(interaction) };
  if (clientId === GATEHOUSE_CLI_CLIENT_ID) {
    return { ...common, client: 'cli', clientName: cliClientMetadata.client_name, newScopes: oidcScopes, consentRequired: true };
  }
  const app = await registeredApplication(deps.db, clientId);
  const granted = forUserId ? await consentedScopes(deps.db, forUserId, app.appId) : new Set<string>();
  const newScopes = oidcScopes.filter((scope) => !granted.has(scope));
  const consentRequired = !forUserId || flow !== 'authorization_code' || promptsConsent(interaction) || !consentCovers(granted, scopes);
  return { ...common, client: 'application', clientName: app.displayName, newScopes, consentRequired };
}

/**
 * Complete the interaction as `userId` (taken by the caller from a validated portal session): sign the user in to
 * the provider for this request only, grant the requested OpenID Connect scopes (and, for the CLI, the API), audit
 * the approval and remember an application's consent (same transaction). Returns where to redirect the browser (303).
 */
export async function finishInteraction(deps: InteractionDeps, provider: Provider, req: IncomingMessage, res: ServerResponse, input: FinishInteractionInput): Promise<{ redirectTo: string }> {
  const interaction = await details(provider, req, res);
  const clientId = String(interaction.params.client_id ?? '');
  const flow = flowOf(interaction);
  const isCli = clientId === GATEHOUSE_CLI_CLIENT_ID;
  const approval = input.approval ?? 'prompted';
  const user = await findUserRow(deps.db, input.userId);
  if (!user || !user.account_enabled) throw authError('INTERACTION_REFUSED', 'This account cannot sign in');
  const app = isCli ? { appId: clientId, displayName: cliClientMetadata.client_name } : await registeredApplication(deps.db, clientId);
  if (!isCli && flow !== 'authorization_code') throw authError('INTERACTION_REFUSED', 'Only the Gatehouse CLI signs in with a device code');

  const requested = scopesOf(interaction);
  if (approval === 'remembered') {
    const covered = !isCli && !promptsConsent(interaction) && consentCovers(await consentedScopes(deps.db, user.id, app.appId), requested);
    if (!covered) throw authError('INTERACTION_REFUSED', 'This sign-in needs your approval: open the approval page again');
  }
  const grant = new provider.Grant({ accountId: user.id, clientId });
  const oidcScopes = oidcScopesOf(requested);
  if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '));
  // Only the CLI gets tokens for the API on a user's behalf; an application gets an ID token and userinfo.
  const resource = isCli ? deps.resources.fromRequest(interaction.params.resource, interaction.params.scope) : null;
  if (resource) grant.addResourceScope(resource, defaultScope(resource));
  const grantId: string = await grant.save();

  const now = deps.clock.now();
  const authenticatedAt = input.authenticatedAt && input.authenticatedAt.getTime() <= now.getTime() ? input.authenticatedAt : now;
  const amr = input.amr && input.amr.length > 0 ? input.amr : ['pwd'];
  const redirectTo = await provider.interactionResult(
    req,
    res,
    { login: { accountId: user.id, remember: false, amr, ts: Math.floor(authenticatedAt.getTime() / 1000) }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
  // Audited once the provider accepted the result, so an expired interaction leaves no "approved" event.
  await inTransaction(deps.db, async (trx) => {
    if (!isCli && approval === 'prompted') await rememberConsent(trx, { userId: user.id, appId: app.appId, scopes: oidcScopes, now });
    await appendAudit(trx, deps.clock, {
      event: flow === 'device_code' ? 'auth.deviceCodeApproved' : 'auth.authorizationApproved',
      actor: { kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, ipAddress: input.ipAddress ?? null },
      targets: [{ id: clientId, type: 'Application', displayName: app.displayName }],
      details: { clientId, ...(resource ? { resource } : {}), scope: requested.join(' '), consent: isCli ? 'prompted' : approval, amr: amr.join(' ') },
    });
  });
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
