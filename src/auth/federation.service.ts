import { appendAudit } from '#src/audit/index.ts';
import { effectiveCrossTenant, inboundVerdict, redeemableInvitation, redemptionTargets, type DirDb } from '#src/directory/index.ts';
import { sql } from 'kysely';
import { inTransaction, type Db } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import type { FederatedClaims } from './auth.tables.ts';
import { flowOf, updateFlow, type ExternalFlow } from './external-flows.ts';
import { getIdentityProviderRow, providerForEmail, providerForIssuer, type IdentityProviderRow } from './identity-providers.service.ts';
import { completeRedemption, inviteeActor, type RedemptionDeps } from './redemption.service.ts';
import { finishGuestSignIn, guestOf } from './guest-sign-in.service.ts';
import { settleSignIn, type SignInOutcome, type SignInStep } from './sign-in-pipeline.ts';
import type { UpstreamIdentity, UpstreamOidc, UpstreamState } from './upstream-oidc.ts';
import type { SamlState, UpstreamSaml } from './upstream-saml.ts';
import { constantTimeEqual, randomToken, sha256Hex } from '#src/core/crypto.ts';
import type { AuthDb } from './auth.tables.ts';

/**
 * Partner sign-in for the two external flows: an invitee redeeming (the partner must vouch for the invited
 * address) and a guest signing in (the partner must vouch for the very identity that redeemed). The browser goes to
 * the partner and comes back to one callback; the flow cookie says which flow it belongs to.
 */
export interface FederationDeps extends RedemptionDeps {
  upstream: UpstreamOidc;
  saml: UpstreamSaml;
}

/** What a flow keeps between leaving for the partner and coming back. */
type SavedFederation =
  | ({ protocol: 'oidc' } & UpstreamState)
  | ({ protocol: 'saml'; relayHash: string } & SamlState)
  /** A SAML answer checked at the ACS, waiting for the browser that holds the flow to come and claim it. */
  | { protocol: 'samlVerified'; providerId: string; identity: UpstreamIdentity; claimHash: string };

export const FEDERATION_CALLBACK_PATH = '/portal/api/federation/callback';
const callbackUri = (deps: FederationDeps) => `${deps.config.publicUrl}${FEDERATION_CALLBACK_PATH}`;

/** The address the flow is about, and the provider that serves it. */
async function subjectOf(deps: FederationDeps, flow: ExternalFlow): Promise<{ email: string; provider: IdentityProviderRow | undefined }> {
  if (flow.purpose === 'redeem') {
    const found = await redeemableInvitation(deps.db as DirDb, flow.invitation_id as string);
    return { email: found.invitation.email, provider: await providerForEmail(deps.db, found.invitation.email) };
  }
  const guest = await guestOf(deps, flow);
  const bound = guest.identities.find((i) => i.signInType === 'federated');
  return { email: guest.mail ?? '', provider: bound ? await providerForIssuer(deps.db, bound.issuer) : undefined };
}

/** Where to send the browser to sign in at the partner; the checks it must pass later are kept in the flow. */
export async function beginFederation(deps: FederationDeps, cookieValue: string | undefined): Promise<string> {
  const flow = await flowOf(deps.db, cookieValue, null, deps.clock.now(), false);
  const { email, provider } = await subjectOf(deps, flow);
  if (!provider) throw authError('FEDERATION_FAILED', 'No identity provider serves this address.');
  let url: string;
  let saved: SavedFederation;
  if (provider.kind === 'oidc') {
    const begun = await deps.upstream.begin(provider, callbackUri(deps), email);
    url = begun.url;
    saved = { protocol: 'oidc', ...begun.saved };
  } else {
    // The IdP POSTs its answer back from its own site, so the (SameSite=Lax) flow cookie does not come with it:
    // the RelayState names the flow instead, and only its hash is stored.
    const relay = randomToken(32);
    const begun = await deps.saml.begin(provider, relay);
    url = begun.url;
    saved = { protocol: 'saml', relayHash: sha256Hex(relay), ...begun.saved };
  }
  await updateFlow(deps.db, flow, { federation_state: JSON.stringify(saved) as never, federation_error: null });
  return url;
}

/** The partner key for cross-tenant settings: the provider's configured tenant id, or its issuer — never a claim the partner chooses. */
const partnerOf = (provider: IdentityProviderRow): string => provider.tenant_id ?? provider.issuer;

/**
 * Whether the provider's word for this address counts: it says the address is verified (OIDC email_verified), or
 * the address is in a domain the provider is configured to serve (it is authoritative for those).
 */
function vouchesFor(provider: IdentityProviderRow, identity: UpstreamIdentity, email: string): boolean {
  if (identity.emailVerified) return true;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return provider.domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

export interface FederationOutcome {
  /** Where the browser goes next (the page of the flow, or the destination once finished). */
  redirectTo: string;
  /** Signed in, or waiting for a second factor (the browser goes to the MFA page). */
  signIn?: SignInOutcome;
}

/**
 * Handle the partner's OIDC redirect back. Any refusal is kept on the flow (the page shows it) and audited; the
 * browser always lands back on the flow's page, never on an error stack.
 */
export async function completeFederation(deps: FederationDeps, cookieValue: string | undefined, callbackUrl: URL, ctx: Ctx): Promise<FederationOutcome> {
  const flow = await flowOf(deps.db, cookieValue, null, deps.clock.now(), false);
  return settle(deps, flow, ctx, async (saved, provider) => {
    if (saved.protocol !== 'oidc' || provider.kind !== 'oidc') throw authError('FEDERATION_FAILED', 'This sign-in was not started with an OpenID provider.');
    return deps.upstream.complete(provider, callbackUrl, saved);
  });
}

/**
 * Handle a SAML response POSTed by the partner's IdP. The RelayState names the flow, but the POST comes from the
 * IdP's site without the flow cookie, so nothing is granted here: the checked answer is parked on the flow and the
 * browser that posted it is sent on to `continueSamlFederation` with a one-time claim: a top-level GET that carries
 * the flow cookie. Only a browser holding both the cookie (where the flow started) and the claim (where the IdP's
 * answer arrived) can finish, so an answer delivered to one browser cannot complete a flow held by another.
 */
export async function completeSamlFederation(deps: FederationDeps, relayState: string | undefined, samlResponse: string | undefined, ctx: Ctx): Promise<FederationOutcome> {
  const relayHash = typeof relayState === 'string' && /^[A-Za-z0-9_-]{43}$/.test(relayState) ? sha256Hex(relayState) : '';
  const flow = relayHash
    ? ((await (deps.db as AuthDb).selectFrom('redemption_flows').selectAll().where(sql<boolean>`federation_state->>'relayHash' = ${relayHash}`).where('expires_at', '>', deps.clock.now()).executeTakeFirst()) as ExternalFlow | undefined)
    : undefined;
  if (!flow) return { redirectTo: '/signin/guest?refused=1' };
  const page = flow.purpose === 'redeem' ? '/redeem' : '/signin/guest?refused=1';
  const saved = flow.federation_state as SavedFederation | null;
  try {
    if (saved?.protocol !== 'saml') throw authError('FEDERATION_FAILED', 'This sign-in was not started with a SAML identity provider.');
    const provider = await getIdentityProviderRow(deps.db, saved.providerId);
    if (provider.kind !== 'saml') throw authError('FEDERATION_FAILED', 'This sign-in was not started with a SAML identity provider.');
    if (typeof samlResponse !== 'string' || !samlResponse) throw authError('FEDERATION_FAILED', 'The identity provider sent no SAML response.');
    const identity = await deps.saml.complete(provider, samlResponse, saved);
    const claim = randomToken(32);
    const parked: SavedFederation = { protocol: 'samlVerified', providerId: provider.id, identity, claimHash: sha256Hex(claim) };
    await updateFlow(deps.db, flow, { federation_state: JSON.stringify(parked) as never });
    return { redirectTo: `${SAML_CONTINUE_PATH}?claim=${claim}` };
  } catch (error) {
    await updateFlow(deps.db, flow, { federation_state: null as never }).catch(() => undefined);
    await recordRefusal(deps, flow, (error as Error).message, ctx);
    return { redirectTo: page };
  }
}

/** Where the browser goes after the SAML ACS: the flow cookie must be the one of the flow the answer was parked on. */
export const SAML_CONTINUE_PATH = '/portal/api/federation/saml/continue';

export async function continueSamlFederation(deps: FederationDeps, cookieValue: string | undefined, claim: string | undefined, ctx: Ctx): Promise<FederationOutcome> {
  const flow = await flowOf(deps.db, cookieValue, null, deps.clock.now(), false);
  return settle(deps, flow, ctx, async (saved, provider) => {
    if (saved.protocol !== 'samlVerified' || provider.kind !== 'saml') throw authError('FEDERATION_FAILED', 'This sign-in was not completed at a SAML identity provider.');
    if (typeof claim !== 'string' || !constantTimeEqual(sha256Hex(claim), saved.claimHash)) {
      throw authError('FEDERATION_FAILED', 'The identity provider answered in another browser than the one that started this sign-in. Start again in one browser.');
    }
    return saved.identity;
  });
}

type Ctx = { ipAddress: string | null; userAgent: string | null };

/** The checks every partner answer goes through, then the step that follows (consent, redemption, or a session). */
async function settle(deps: FederationDeps, flow: ExternalFlow, ctx: Ctx, resolve: (saved: SavedFederation, provider: IdentityProviderRow) => Promise<UpstreamIdentity>): Promise<FederationOutcome> {
  const page = flow.purpose === 'redeem' ? '/redeem' : '/signin/guest?refused=1';
  try {
    const saved = flow.federation_state as SavedFederation | null;
    if (!saved) throw authError('FEDERATION_FAILED', 'This sign-in was not started here (or was already used). Start again.');
    const provider = await getIdentityProviderRow(deps.db, saved.providerId);
    // The saved state is single-use: a replayed answer finds nothing to check against.
    await updateFlow(deps.db, flow, { federation_state: null as never });
    const identity = await resolve(saved, provider);
    const { email } = await subjectOf(deps, flow);
    if (!identity.email || identity.email.toLowerCase() !== email.toLowerCase()) {
      throw authError('FEDERATION_FAILED', `You signed in at ${provider.display_name} as ${identity.email ?? 'an account without an email address'}, but this ${flow.purpose === 'redeem' ? 'invitation is' : 'guest account is'} for ${email}. Sign out there and sign in with ${email}.`);
    }
    if (!vouchesFor(provider, identity, email)) {
      throw authError('FEDERATION_FAILED', `${provider.display_name} did not confirm that ${email} is verified, and it is not configured to serve that domain.`);
    }
    if (provider.tenant_id && identity.tenantId && identity.tenantId !== provider.tenant_id) {
      throw authError('FEDERATION_FAILED', `${provider.display_name} answered for another tenant (${identity.tenantId}) than the one configured for it.`);
    }
    const claims: FederatedClaims = { providerId: provider.id, partner: partnerOf(provider), amr: identity.amr, groups: identity.groups, displayName: identity.displayName, deviceCompliant: identity.deviceCompliant };
    const settings = await effectiveCrossTenant(deps.db as DirDb, [claims.partner]);
    const verdict = inboundVerdict(settings, { subject: identity.subject, groups: identity.groups, applicationId: null });
    if (!verdict.allowed) throw authError('FEDERATION_FAILED', `This organization does not accept your sign-in: ${verdict.reason}.`);

    const done: { redirectTo: string; step?: SignInStep } = await inTransaction(deps.db, async (trx) => {
      const current = await lockedFlow(trx, flow);
      const verified = { method: provider.kind, verified_issuer: identity.issuer, verified_subject: identity.subject, verified_email: identity.email, verified_claims: JSON.stringify(claims) };
      await updateFlow(trx, current, verified);
      const next: ExternalFlow = { ...current, ...verified, verified_claims: claims };
      if (flow.purpose === 'signIn') return { redirectTo: '/my-account', step: await finishGuestSignIn(trx, deps, next, ctx) };
      if (settings.automaticUserConsentSettings?.inboundAllowed === true) {
        const redeemed = await completeRedemption(trx, deps, next, 'automatic', ctx);
        return { redirectTo: redeemed.redirectUrl, step: redeemed.step };
      }
      return { redirectTo: page };
    });
    if (!done.step) return { redirectTo: done.redirectTo };
    let signIn: SignInOutcome;
    try {
      signIn = await settleSignIn(deps, done.step);
    } catch (error) {
      // Conditional Access refused the (otherwise valid) sign-in: already logged and audited; say so on a page.
      if ((error as { code?: string }).code === 'SIGN_IN_BLOCKED') {
        // Only the sign-in log reference travels in the URL (no free text on Gatehouse's origin).
        const ref = String((error as { details?: { signInId?: unknown } }).details?.signInId ?? '');
        return { redirectTo: `/signin/blocked?ref=${encodeURIComponent(ref)}` };
      }
      throw error;
    }
    return { redirectTo: signIn.status === 'mfaRequired' ? '/signin/mfa' : done.redirectTo, signIn };
  } catch (error) {
    await recordRefusal(deps, flow, (error as Error).message, ctx);
    return { redirectTo: page };
  }
}

async function lockedFlow(trx: Db, flow: ExternalFlow): Promise<ExternalFlow> {
  const row = await (trx as AuthDb).selectFrom('redemption_flows').selectAll().where('id_hash', '=', flow.id_hash).forUpdate().executeTakeFirst();
  if (!row) throw authError('REDEMPTION_NOT_FOUND', 'This page expired. Start again.');
  return row as ExternalFlow;
}

async function recordRefusal(deps: FederationDeps, flow: ExternalFlow, message: string, ctx: Ctx): Promise<void> {
  await updateFlow(deps.db, flow, { federation_error: message }).catch(() => undefined);
  if (flow.purpose === 'redeem' && flow.invitation_id) {
    const found = await redeemableInvitation(deps.db as DirDb, flow.invitation_id);
    await inTransaction(deps.db, (trx) =>
      appendAudit(trx, deps.clock, { event: 'invitation.redemptionBlocked', actor: inviteeActor(found, ctx.ipAddress), result: 'failure', resultReason: message, targets: redemptionTargets(found) }),
    );
    return;
  }
  await inTransaction(deps.db, (trx) =>
    appendAudit(trx, deps.clock, { event: 'auth.signInFailed', actor: { kind: 'user', id: flow.user_id as string, ipAddress: ctx.ipAddress }, result: 'failure', resultReason: message, targets: [{ id: flow.user_id as string, type: 'User' }], details: { method: 'federated' } }),
  );
}
