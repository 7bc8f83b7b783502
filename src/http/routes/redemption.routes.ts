import { Type } from 'typebox';
import { currentRedemption, finishRedemption, sendRedemptionOtp, startRedemption, verifyRedemptionOtp, type RedemptionDeps } from '#src/auth/index.ts';
import type { App, RouteDeps } from '../types.ts';
import { errorResponses } from '../schemas/common.ts';

const RedemptionView = Type.Object({
  tenantDisplayName: Type.String(),
  invitedUserEmailAddress: Type.String(),
  invitedUserDisplayName: Type.String(),
  method: Type.String(),
  step: Type.String(),
  otpSentTo: Type.Union([Type.String(), Type.Null()]),
  termsOfUseUrl: Type.Union([Type.String(), Type.Null()]),
  privacyStatementUrl: Type.Union([Type.String(), Type.Null()]),
});
const responses = { 200: RedemptionView, ...errorResponses, 429: errorResponses[400] };
const tags = ['redemption'];
const COOKIE = 'gatehouse_redeem';
const PATH = '/portal/api/redeem';

/**
 * The invitee's side of an invitation (public: the invitee has no account yet). The flow lives in an HttpOnly,
 * SameSite=Strict cookie scoped to these routes, so another site cannot drive it and page scripts cannot read it.
 */
export function redemptionRoutes(app: App, deps: RouteDeps): void {
  const auth: RedemptionDeps = { db: deps.db, clock: deps.clock, config: deps.config, masterKey: deps.masterKey };
  const secure = deps.config.publicUrl.startsWith('https:');
  const flowCookie = (request: { cookies: Record<string, string | undefined> }) => request.cookies[COOKIE];

  app.post(
    PATH,
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'Open a redeem link (the token from the link’s #rd= fragment)', body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }), response: responses },
    },
    async (request, reply) => {
      const { cookieValue, view } = await startRedemption(auth, request.body.token, { ipAddress: request.ip });
      reply.setCookie(COOKIE, cookieValue, { httpOnly: true, secure, sameSite: 'strict', path: PATH, maxAge: 3600 });
      return view;
    },
  );
  app.get(PATH, { config: { auth: 'public' }, schema: { tags, summary: 'Where the redemption in this browser stands', response: responses } }, async (request) =>
    currentRedemption(auth, flowCookie(request)),
  );
  app.post(`${PATH}/otp`, { config: { auth: 'public' }, schema: { tags, summary: 'Send a one-time passcode to the invited address', response: responses } }, async (request) => {
    const { mailIds, view } = await sendRedemptionOtp(auth, flowCookie(request), { ipAddress: request.ip });
    deps.deliverMail(mailIds);
    return view;
  });
  app.post(
    `${PATH}/otp/verify`,
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'Check the one-time passcode', body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }), response: responses },
    },
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
        response: { 200: Type.Object({ redirectUrl: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await finishRedemption(auth, flowCookie(request), request.body.accept, { ipAddress: request.ip, userAgent: request.headers['user-agent'] ?? null });
      reply.clearCookie(COOKIE, { httpOnly: true, secure, sameSite: 'strict', path: PATH });
      if ('declined' in result) return { redirectUrl: null };
      const session = deps.sessionCookie;
      const maxAge = Math.max(1, Math.floor((result.session.expiresAt.getTime() - deps.clock.now().getTime()) / 1000));
      reply.setCookie(session.name, result.session.cookieValue, { httpOnly: true, sameSite: session.sameSite, secure: session.secure, path: '/', maxAge });
      return { redirectUrl: result.redirectUrl };
    },
  );
}
