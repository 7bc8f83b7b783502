import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import {
  beginPendingTotpEnrolment,
  cancelPendingSignIn,
  currentPendingSignIn,
  PENDING_COOKIE,
  PENDING_COOKIE_PATH,
  pendingWebAuthnOptions,
  verifyPendingSignIn,
  type SignInOutcome,
  type SignInPipelineDeps,
} from '#src/auth/index.ts';
import type { App, HttpDeps, RouteDeps } from '../types.ts';
import { errorResponses, Nullable } from '../schemas/common.ts';

/** The sign-in pipeline's dependencies as the HTTP layer builds them (mail and alerts delivered after commit). */
export function pipelineDeps(deps: HttpDeps): SignInPipelineDeps {
  return {
    db: deps.db,
    clock: deps.clock,
    config: deps.config,
    masterKey: deps.masterKey,
    notify: ({ mailIds, alertIds }) => {
      deps.deliverMail(mailIds);
      deps.deliverAlerts(alertIds);
    },
  };
}

const PendingView = Type.Object({
  user: Type.Object({ id: Type.String(), displayName: Type.String(), userPrincipalName: Type.String() }),
  required: Type.Array(Type.String()),
  methods: Type.Object({ totp: Type.Boolean(), webauthn: Type.Boolean(), recoveryCodesLeft: Type.Integer(), perUserMfaState: Type.String() }),
  registration: Type.Object({ totp: Type.Boolean(), passkey: Type.Boolean() }),
  applicationDisplayName: Type.String(),
  expiresDateTime: Type.String(),
});

/** What every sign-in step answers: signed in (with where to go), or a second factor is needed. */
export const SignInStepResponse = Type.Object({
  status: Type.Union([Type.Literal('signedIn'), Type.Literal('mfaRequired')]),
  user: Type.Object({ id: Type.String(), displayName: Type.String(), userPrincipalName: Type.String() }),
  csrfToken: Type.Optional(Type.String()),
  roles: Type.Optional(Type.Array(Type.Object({ id: Type.String(), displayName: Type.String() }))),
  pending: Type.Optional(PendingView),
  returnTo: Type.Optional(Nullable(Type.String())),
  passwordChangeRequired: Type.Optional(Type.Boolean()),
});

/**
 * Put a sign-in outcome on the reply: the session cookie (a browser-session cookie when Conditional Access says
 * persistentBrowser never), or the pending sign-in cookie — HttpOnly, SameSite=Strict, scoped to the sign-in API.
 */
export function applySignInOutcome(deps: HttpDeps, reply: FastifyReply, outcome: SignInOutcome): void {
  const secure = deps.config.publicUrl.startsWith('https:');
  if (outcome.status === 'mfaRequired') {
    reply.setCookie(PENDING_COOKIE, outcome.cookieValue, { httpOnly: true, secure, sameSite: 'strict', path: PENDING_COOKIE_PATH, maxAge: 600 });
    return;
  }
  const cookie = deps.sessionCookie;
  const maxAge = Math.max(1, Math.floor((outcome.session.expiresAt.getTime() - deps.clock.now().getTime()) / 1000));
  reply.setCookie(cookie.name, outcome.session.cookieValue, { httpOnly: true, sameSite: cookie.sameSite, secure: cookie.secure, path: '/', ...(outcome.persistent ? { maxAge } : {}) });
  reply.clearCookie(PENDING_COOKIE, { httpOnly: true, secure, sameSite: 'strict', path: PENDING_COOKIE_PATH });
}

/** The answer to a completed sign-in: who, the session's anti-forgery token, roles, where to go. */
export async function signedInBody(deps: HttpDeps, outcome: Extract<SignInOutcome, { status: 'signedIn' }>, extra: { passwordChangeRequired?: boolean } = {}) {
  return {
    status: outcome.status,
    user: await deps.portal.user(outcome.userId),
    csrfToken: outcome.session.csrfToken,
    roles: await deps.portal.roles(outcome.userId),
    returnTo: safeReturnTo(outcome.returnTo, deps.config.publicUrl),
    ...extra,
  };
}

/** An absolute URL on this server (an invitation's redirect URL usually is one) counts as its path; others as nothing. */
function pathOnThisServer(publicUrl: string, value: string | null | undefined): string | null | undefined {
  if (typeof value !== 'string' || value.startsWith('/')) return value;
  try {
    const url = new URL(value);
    return url.origin === new URL(publicUrl).origin ? `${url.pathname}${url.search}${url.hash}` : null;
  } catch {
    return null;
  }
}

/**
 * Only paths on this server are followed after sign-in (no open redirect); an absolute URL of this server (an
 * invitation's redirect URL) becomes its path.
 */
export function safeReturnTo(value: string | null | undefined, publicUrl?: string): string | null {
  const local = publicUrl ? pathOnThisServer(publicUrl, value) : value;
  return typeof local === 'string' && local.length <= 2000 && /^\/(?![/\\])[\x21-\x7e]*$/.test(local) ? local : null;
}

/**
 * The second step of a sign-in that Conditional Access interrupted: what is required, proving a factor (TOTP,
 * recovery code, passkey), or registering one when the account has none. Public routes: the pending sign-in
 * cookie is the credential.
 */
export function signInFlowRoutes(app: App, deps: RouteDeps): void {
  const tags = ['portal'];
  const pipeline = pipelineDeps(deps);
  const pendingCookie = (request: { cookies: Record<string, string | undefined> }) => request.cookies[PENDING_COOKIE];
  const answer = async (reply: FastifyReply, outcome: SignInOutcome) => {
    applySignInOutcome(deps, reply, outcome);
    if (outcome.status === 'mfaRequired') return { status: outcome.status, user: outcome.view.user, pending: outcome.view, returnTo: safeReturnTo(outcome.returnTo, deps.config.publicUrl) };
    return signedInBody(deps, outcome);
  };

  app.get(`${PENDING_COOKIE_PATH}/pending`, { config: { auth: 'public' }, schema: { tags, summary: 'The sign-in waiting for a second factor', response: { 200: PendingView, ...errorResponses } } }, async (request) =>
    currentPendingSignIn(pipeline, pendingCookie(request)),
  );

  app.post(
    `${PENDING_COOKIE_PATH}/pending/verify`,
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Prove a second factor: an authenticator app code, a recovery code, or a passkey assertion',
        body: Type.Union([
          Type.Object({ method: Type.Literal('totp'), code: Type.String({ minLength: 1, maxLength: 12 }) }, { additionalProperties: false }),
          Type.Object({ method: Type.Literal('recoveryCode'), code: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false }),
          Type.Object({ method: Type.Literal('webauthn'), response: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false }),
        ]),
        response: { 200: SignInStepResponse, ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const proof = body.method === 'webauthn' ? { type: 'webauthn' as const, response: body.response } : { type: body.method, code: body.code };
      return answer(reply, await verifyPendingSignIn(pipeline, pendingCookie(request), proof));
    },
  );

  app.post(
    `${PENDING_COOKIE_PATH}/pending/webauthn-options`,
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'WebAuthn options for signing in with a passkey, or for registering one when the sign-in requires it',
        body: Type.Object({ purpose: Type.Union([Type.Literal('authenticate'), Type.Literal('register')]) }, { additionalProperties: false }),
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses },
      },
    },
    async (request) => (await pendingWebAuthnOptions(pipeline, pendingCookie(request), request.body.purpose)) as Record<string, unknown>,
  );

  app.post(
    `${PENDING_COOKIE_PATH}/pending/passkey`,
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Register a passkey during sign-in (when required and none is registered) and continue',
        body: Type.Object({ response: Type.Object({}, { additionalProperties: true }), displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) }, { additionalProperties: false }),
        response: { 200: SignInStepResponse, ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const proof = { type: 'passkeyRegistration' as const, response: request.body.response, ...(request.body.displayName ? { displayName: request.body.displayName } : {}) };
      return answer(reply, await verifyPendingSignIn(pipeline, pendingCookie(request), proof));
    },
  );

  app.post(
    `${PENDING_COOKIE_PATH}/pending/totp`,
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Begin registering an authenticator app during sign-in (accounts without a second factor)',
        response: { 200: Type.Object({ enrolmentId: Type.String(), secret: Type.String(), otpauthUri: Type.String(), qrCodeDataUrl: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return beginPendingTotpEnrolment(pipeline, pendingCookie(request));
    },
  );

  app.post(
    `${PENDING_COOKIE_PATH}/pending/totp/:enrolmentId`,
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Finish registering the authenticator app with its current code, and continue signing in',
        params: Type.Object({ enrolmentId: Type.String({ minLength: 1, maxLength: 100 }) }),
        body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 12 }), displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) }, { additionalProperties: false }),
        response: { 200: SignInStepResponse, ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const proof = { type: 'totpEnrolment' as const, enrolmentId: request.params.enrolmentId, code: request.body.code, ...(request.body.displayName ? { displayName: request.body.displayName } : {}) };
      return answer(reply, await verifyPendingSignIn(pipeline, pendingCookie(request), proof));
    },
  );

  app.delete(`${PENDING_COOKIE_PATH}/pending`, { config: { auth: 'public' }, schema: { tags, summary: 'Cancel the pending sign-in', response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await cancelPendingSignIn(pipeline, pendingCookie(request));
    reply.clearCookie(PENDING_COOKIE, { httpOnly: true, secure: deps.config.publicUrl.startsWith('https:'), sameSite: 'strict', path: PENDING_COOKIE_PATH });
    return reply.status(204).send(null);
  });
}
