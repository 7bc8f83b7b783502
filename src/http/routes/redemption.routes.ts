import { Type } from 'typebox';
import {
  beginFederation,
  completeFederation,
  completeSamlFederation,
  continueSamlFederation,
  SAML_CONTINUE_PATH,
  SAML_ACS_PATH,
  currentRedemption,
  FEDERATION_CALLBACK_PATH,
  finishRedemption,
  FLOW_COOKIE,
  FLOW_COOKIE_PATH,
  sendRedemptionOtp,
  startGuestSignIn,
  startRedemption,
  verifyGuestOtp,
  verifyRedemptionOtp,
  type FederationDeps,
  type NewSession,
} from '#src/auth/index.ts';
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { generateServiceProviderMetadata } from '@node-saml/node-saml';
import type { FastifyReply } from 'fastify';
import type { App, RouteDeps } from '../types.ts';
import { applySignInOutcome, pipelineDeps, safeReturnTo, SignInStepResponse, signedInBody } from './sign-in.routes.ts';
import { Nullable, errorResponses } from '../schemas/common.ts';

const RedemptionView = Type.Object({
  tenantDisplayName: Type.String(),
  invitedUserEmailAddress: Type.String(),
  invitedUserDisplayName: Type.String(),
  method: Type.String(),
  providerDisplayName: Nullable(Type.String()),
  step: Type.String(),
  otpSentTo: Nullable(Type.String()),
  federationError: Nullable(Type.String()),
  termsOfUseUrl: Nullable(Type.String()),
  privacyStatementUrl: Nullable(Type.String()),
});
const responses = { 200: RedemptionView, ...errorResponses, 429: errorResponses[400] };
const tags = ['redemption'];
const PATH = '/portal/api/redeem';
const GUEST = '/portal/api/guest-session';

/**
 * The invitee's and the guest's side (public: they have no session yet). A flow lives in an HttpOnly cookie scoped
 * to the portal API; SameSite=Lax lets it come back with the partner provider's redirect, and no other site can
 * send it with a POST.
 */
export function redemptionRoutes(app: App, deps: RouteDeps): void {
  const auth: FederationDeps = { ...pipelineDeps(deps), upstream: deps.upstream, saml: deps.saml };
  const secure = deps.config.publicUrl.startsWith('https:');
  const flowCookie = (request: { cookies: Record<string, string | undefined> }) => request.cookies[FLOW_COOKIE];
  const setFlow = (reply: FastifyReply, value: string) => reply.setCookie(FLOW_COOKIE, value, { httpOnly: true, secure, sameSite: 'lax', path: FLOW_COOKIE_PATH, maxAge: 3600 });
  const clearFlow = (reply: FastifyReply) => reply.clearCookie(FLOW_COOKIE, { httpOnly: true, secure, sameSite: 'lax', path: FLOW_COOKIE_PATH });
  const ctx = (request: { ip: string; headers: Record<string, string | string[] | undefined> }) => ({ ipAddress: request.ip, userAgent: (request.headers['user-agent'] as string | undefined) ?? null });

  app.post(
    PATH,
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'Open a redeem link (the token from the link’s #rd= fragment)', body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }), response: responses },
    },
    async (request, reply) => {
      const { cookieValue, view } = await startRedemption(auth, request.body.token, { ipAddress: request.ip });
      setFlow(reply, cookieValue);
      return view;
    },
  );
  app.get(PATH, { config: { auth: 'public' }, schema: { tags, summary: 'Where the redemption in this browser stands', response: responses } }, async (request) => currentRedemption(auth, flowCookie(request)));
  app.post(`${PATH}/otp`, { config: { auth: 'public' }, schema: { tags, summary: 'Send a one-time passcode to the invited address', response: responses } }, async (request) => {
    const { mailIds, view } = await sendRedemptionOtp(auth, flowCookie(request), { ipAddress: request.ip });
    deps.deliverMail(mailIds);
    return view;
  });
  app.post(
    `${PATH}/otp/verify`,
    { config: { auth: 'public' }, schema: { tags, summary: 'Check the one-time passcode', body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }), response: responses } },
    async (request) => verifyRedemptionOtp(auth, flowCookie(request), request.body.code, { ipAddress: request.ip }),
  );
  app.post(
    `${PATH}/consent`,
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Accept (or decline) the terms and finish: the guest is signed in and sent to the redirect URL',
        body: Type.Object({ accept: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Type.Object({ redirectUrl: Type.Union([Type.String(), Type.Null()]), mfaRequired: Type.Optional(Type.Boolean()) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await finishRedemption(auth, flowCookie(request), request.body.accept, ctx(request));
      clearFlow(reply);
      if ('declined' in result) return { redirectUrl: null };
      applySignInOutcome(deps, reply, result.outcome);
      // A second factor first: the MFA page continues to the redirect URL (kept with the pending sign-in).
      return result.outcome.status === 'mfaRequired' ? { redirectUrl: result.redirectUrl, mfaRequired: true } : { redirectUrl: result.redirectUrl };
    },
  );

  // The browser leaves for the partner provider and comes back here; both are top-level navigations.
  app.get('/portal/api/federation/start', { config: { auth: 'public' }, schema: { tags, summary: 'Go to the partner identity provider of the current flow', response: { 302: Type.Null(), ...errorResponses } } }, async (request, reply) =>
    reply.redirect(await beginFederation(auth, flowCookie(request)), 302),
  );
  app.get(FEDERATION_CALLBACK_PATH, { config: { auth: 'public' }, schema: { tags, summary: 'Where the partner identity provider sends the browser back', response: { 302: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    const outcome = await completeFederation(auth, flowCookie(request), new URL(request.url, deps.config.publicUrl), ctx(request));
    if (outcome.signIn) {
      applySignInOutcome(deps, reply, outcome.signIn);
      clearFlow(reply);
    }
    return reply.redirect(outcome.redirectTo, 302);
  });

  // SAML IdPs POST their answer (HTTP-POST binding) from their own site; form bodies are read on this route only.
  void app.register(async (plugin) => {
    await plugin.register(formbody, { bodyLimit: 512 * 1024 });
    plugin.withTypeProvider<TypeBoxTypeProvider>().post(
      SAML_ACS_PATH,
      {
        config: { auth: 'public' },
        schema: { tags, summary: 'SAML assertion consumer service (the partner IdP posts here)', body: Type.Object({ SAMLResponse: Type.String({ maxLength: 500_000 }), RelayState: Type.Optional(Type.String({ maxLength: 200 })) }), response: { 303: Type.Null(), ...errorResponses } },
      },
      async (request, reply) => {
        const outcome = await completeSamlFederation(auth, request.body.RelayState, request.body.SAMLResponse, ctx(request));
        return reply.redirect(outcome.redirectTo, 303);
      },
    );
  });
  app.get(
    SAML_CONTINUE_PATH,
    { config: { auth: 'public' }, schema: { tags, summary: 'After the SAML ACS: the browser that holds the flow claims the checked answer', querystring: Type.Object({ claim: Type.Optional(Type.String({ maxLength: 100 })) }), response: { 302: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
    const outcome = await continueSamlFederation(auth, flowCookie(request), request.query.claim, ctx(request));
    if (outcome.signIn) {
      applySignInOutcome(deps, reply, outcome.signIn);
      clearFlow(reply);
    }
    return reply.redirect(outcome.redirectTo, 302);
  });
  app.get('/saml/sp', { config: { auth: 'public' }, schema: { tags, summary: "Gatehouse's SAML service provider metadata (give it to partner IdPs)" } }, async (_request, reply) =>
    reply.type('application/samlmetadata+xml').send(generateServiceProviderMetadata({ issuer: deps.saml.entityId, callbackUrl: deps.saml.acsUrl, wantAssertionsSigned: true, identifierFormat: null })),
  );

  app.post(
    GUEST,
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Guest sign-in: start with the invited address',
        body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ method: Type.String(), providerDisplayName: Nullable(Type.String()) }), ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const started = await startGuestSignIn(auth, request.body.email, { ipAddress: request.ip });
      setFlow(reply, started.cookieValue);
      deps.deliverMail(started.mailIds);
      return { method: started.method, providerDisplayName: started.providerDisplayName };
    },
  );
  app.post(
    `${GUEST}/verify`,
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'Guest sign-in: the code from the email', body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }), response: { 200: SignInStepResponse, ...errorResponses, 429: errorResponses[400] } },
    },
    async (request, reply) => {
      const outcome = await verifyGuestOtp(auth, flowCookie(request), request.body.code, ctx(request));
      applySignInOutcome(deps, reply, outcome);
      clearFlow(reply);
      if (outcome.status === 'mfaRequired') return { status: outcome.status, user: outcome.view.user, pending: outcome.view, returnTo: safeReturnTo(outcome.returnTo, deps.config.publicUrl) };
      return signedInBody(deps, outcome);
    },
  );
}
