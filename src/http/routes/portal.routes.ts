import { Type } from 'typebox';
import { unauthenticated } from '#src/core/errors.ts';
import { signInWithPassword } from '#src/auth/index.ts';
import type { App, HttpDeps } from '../types.ts';
import { errorResponses } from '../schemas/common.ts';
import { applySignInOutcome, pipelineDeps, safeReturnTo, SignInStepResponse, signedInBody } from './sign-in.routes.ts';

const SessionResponse = Type.Object({
  user: Type.Object({ id: Type.String(), displayName: Type.String(), userPrincipalName: Type.String() }),
  csrfToken: Type.String(),
  roles: Type.Array(Type.Object({ id: Type.String(), displayName: Type.String() })),
});

/** The admin portal's cookie session: sign in with a local password, read the session, sign out, set a password. */
export function portalRoutes(app: App, deps: HttpDeps): void {
  const tags = ['portal'];
  const cookie = deps.sessionCookie;
  const cookieName = cookie.name;
  const readCookie = (cookies: Record<string, string | undefined>): string | undefined => cookies[cookieName];
  const pipeline = pipelineDeps(deps);

  app.post(
    '/portal/api/session',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Sign in with user name and password',
        body: Type.Object(
          {
            userName: Type.String({ minLength: 1, maxLength: 256 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            newPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Change the password while signing in (required after PASSWORD_CHANGE_REQUIRED)' })),
            returnTo: Type.Optional(Type.String({ maxLength: 2000, description: 'A path on this server to return to once signed in (kept across a second-factor step)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: SignInStepResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const previous = request.cookies[cookieName];
      const { returnTo, ...credentials } = request.body;
      const result = await signInWithPassword(pipeline, {
        ...credentials,
        returnTo: safeReturnTo(returnTo),
        ipAddress: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        // A session the browser already had ends: every sign-in gets a new id (no fixation).
        ...(previous ? { previousCookieValue: previous } : {}),
      });
      if (result.status === 'mfaRequired') {
        applySignInOutcome(deps, reply, { status: 'mfaRequired', cookieValue: result.pending.cookieValue, view: result.pending.view, returnTo: safeReturnTo(returnTo) });
        return { status: result.status, user: result.user, pending: result.pending.view, returnTo: safeReturnTo(returnTo) };
      }
      const outcome = { status: 'signedIn' as const, userId: result.user.id, session: result.session, persistent: result.persistent, returnTo: safeReturnTo(returnTo) };
      applySignInOutcome(deps, reply, outcome);
      return signedInBody(deps, outcome, { passwordChangeRequired: result.passwordChangeRequired });
    },
  );

  app.get('/portal/api/session', { config: { auth: 'public' }, schema: { tags, summary: 'The current portal session', response: { 200: SessionResponse, ...errorResponses } } }, async (request) => {
    const cookie = readCookie(request.cookies);
    const session = cookie ? await deps.portal.current(cookie) : undefined;
    if (!session) throw unauthenticated('Not signed in.');
    return { ...session, roles: await deps.portal.roles(session.user.id) };
  });

  app.delete('/portal/api/session', { config: { auth: 'session' }, schema: { tags, summary: 'Sign out', response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    const value = readCookie(request.cookies);
    if (value) await deps.portal.signOut(value, request.ip);
    // Browsers ignore clearing a __Host- cookie unless the attributes match the ones it was set with.
    reply.clearCookie(cookieName, { path: '/', secure: cookie.secure, httpOnly: true, sameSite: cookie.sameSite });
    return reply.status(204).send(null);
  });

  app.post(
    '/portal/api/set-password',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Set a password with a one-time link token',
        body: Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deps.portal.setPassword(request.body.token, request.body.password, request.ip);
      return reply.status(204).send(null);
    },
  );
}

