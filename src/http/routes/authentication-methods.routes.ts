import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  AuthErrorCodes,
  beginTotpEnrolment,
  deleteAuthenticationMethod,
  finishTotpEnrolment,
  generateRecoveryCodes,
  getAuthenticationMethod,
  getPerUserMfaState,
  listAuthenticationMethods,
  mfaMethodSummary,
  requireSecondFactor,
  setPerUserMfaState,
  verifyWebAuthnRegistration,
  webauthnRegistrationOptions,
  type MethodKind,
  type MfaDeps,
  type PerUserMfaState,
} from '#src/auth/index.ts';
import { AppError, badRequest, forbidden } from '#src/core/errors.ts';
import { getUserRow } from '#src/directory/index.ts';
import type { App, RouteDeps } from '../types.ts';
import { contextUrl } from '../respond.ts';
import { applySignInOutcome, pipelineDeps } from './sign-in.routes.ts';
import { errorResponses, ODataType } from '../schemas/common.ts';

/**
 * Authentication methods: Graph's /users/{id}/authentication (and /me/authentication) for administrators and
 * scripts, and the "Security info" portal API with which a signed-in user adds and removes their own methods.
 */
const READ = { anyOf: ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'] };
const WRITE = { anyOf: ['UserAuthenticationMethod.ReadWrite.All'] };
const tags = ['authentication methods'];
/** The portal page a step-up for a change to one's own methods returns to. */
const SECURITY_INFO_PAGE = '/security-info';
const portalTags = ['portal'];

/** A method in Graph's shape; `@odata.type` says which (password, softwareOath, fido2, Gatehouse recovery codes). */
const AuthenticationMethod = Type.Object({ '@odata.type': Type.String(), id: Type.String() }, { $id: 'AuthenticationMethod', additionalProperties: true });
const Requirements = Type.Object({ '@odata.type': Type.Optional(Type.String()), perUserMfaState: Type.String() });
const RequirementsPatch = Type.Object({ '@odata.type': ODataType, perUserMfaState: Type.String({ maxLength: 40 }) }, { additionalProperties: false });
const MethodParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 400 }), methodId: Type.String({ minLength: 1, maxLength: 400 }) });
const MeMethodParams = Type.Object({ methodId: Type.String({ minLength: 1, maxLength: 400 }) });
const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 400 }) });

const Summary = Type.Object({ totp: Type.Boolean(), webauthn: Type.Boolean(), recoveryCodesLeft: Type.Integer(), perUserMfaState: Type.String() });
const Registered = Type.Object({ id: Type.String(), displayName: Type.String(), createdDateTime: Type.String() }, { additionalProperties: true });
const DisplayName = Type.Optional(Type.String({ minLength: 1, maxLength: 256 }));
/** WebAuthn options and responses are the browser's JSON (PublicKeyCredential*JSON); the library checks them in full. */
const WebAuthnJson = Type.Object({}, { additionalProperties: true });

type Scope = { self: true } | { self: false };
const TYPE_SEGMENTS: [string, MethodKind][] = [
  ['softwareOathMethods', 'softwareOath'],
  ['fido2Methods', 'fido2'],
];

function signedInUserId(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.kind !== 'user') throw badRequest('/me request is only valid with delegated authentication flow.');
  return principal.userId;
}

/**
 * A portal session that proved only a first factor (a phished password is enough for that) may change the signed-in
 * user's own methods only while they have no second factor yet — registering the first one, as in Entra. Once they
 * have one (an authenticator app, a passkey, or recovery codes left), the session must have proven it (amr `mfa`):
 * otherwise 403 MFA_STEP_UP_REQUIRED, and POST /portal/api/security-info/step-up starts the verification. Bearer
 * tokens are not portal sessions (applications with UserAuthenticationMethod.ReadWrite.All are unaffected).
 */
async function requireStepUpForOwnMethods(deps: RouteDeps, request: FastifyRequest, targetUserId: string): Promise<void> {
  const principal = request.principal;
  if (principal?.kind !== 'user' || principal.via !== 'session' || principal.userId !== targetUserId) return;
  if (principal.amr?.includes('mfa')) return;
  const summary = await mfaMethodSummary(deps.db, targetUserId);
  if (!summary.totp && !summary.webauthn && summary.recoveryCodesLeft === 0) return;
  throw new AppError('MFA_STEP_UP_REQUIRED', AuthErrorCodes.MFA_STEP_UP_REQUIRED.status, 'Verify with your second factor first, then repeat this change to your sign-in methods.');
}

/** The TOTP secret and recovery codes are shown once: no cache may keep them. */
const noStore = (reply: FastifyReply): void => void reply.header('cache-control', 'no-store');

/** Taking an administrator's second factors away needs the right to manage roles, as other changes to administrators. */
const manage = (request: FastifyRequest) => ({ mayManagePrivileged: request.principal?.permissions.has('RoleManagement.ReadWrite.Directory') ?? false });

export function authenticationMethodRoutes(app: App, deps: RouteDeps): void {
  const mfa: MfaDeps = { db: deps.db, clock: deps.clock, config: deps.config, masterKey: deps.masterKey };
  const userOf = async (request: FastifyRequest, scope: Scope): Promise<string> =>
    scope.self ? signedInUserId(request) : (await getUserRow(deps.db, (request.params as { id: string }).id)).id;

  for (const scope of [{ self: false }, { self: true }] as Scope[]) {
    const base = scope.self ? '/v1.0/me/authentication' : '/v1.0/users/:id/authentication';
    const who = scope.self ? 'the signed-in user' : 'a user';
    const read = scope.self ? 'signedIn' : READ;
    const write = scope.self ? 'signedIn' : WRITE;
    const params = scope.self ? undefined : UserParams;
    const methodParams = scope.self ? MeMethodParams : MethodParams;

    app.get(
      `${base}/methods`,
      { config: { auth: read }, schema: { tags, summary: `Authentication methods of ${who}`, ...(params ? { params } : {}), response: { 200: Type.Object({ '@odata.context': Type.String(), value: Type.Array(AuthenticationMethod) }), ...errorResponses } } },
      async (request) => {
        const userId = await userOf(request, scope);
        return { '@odata.context': contextUrl(deps.config.publicUrl, `users('${userId}')/authentication/methods`), value: await listAuthenticationMethods(deps.db, userId) };
      },
    );

    for (const [segment, kind] of TYPE_SEGMENTS) {
      app.get(
        `${base}/${segment}/:methodId`,
        { config: { auth: read }, schema: { tags, summary: `One ${kind === 'fido2' ? 'passkey (FIDO2)' : 'authenticator app (software OATH)'} method of ${who}`, params: methodParams, response: { 200: AuthenticationMethod, ...errorResponses } } },
        async (request) => {
          const userId = await userOf(request, scope);
          const method = await getAuthenticationMethod(deps.db, userId, kind, request.params.methodId);
          return { '@odata.context': contextUrl(deps.config.publicUrl, `users('${userId}')/authentication/${segment}/$entity`), ...method };
        },
      );
      app.delete(
        `${base}/${segment}/:methodId`,
        { config: { auth: write }, schema: { tags, summary: `Delete ${kind === 'fido2' ? 'a passkey' : 'an authenticator app'} of ${who}`, params: methodParams, response: { 204: Type.Null(), ...errorResponses } } },
        async (request, reply) => {
          const userId = await userOf(request, scope);
          await requireStepUpForOwnMethods(deps, request, userId);
          await deleteAuthenticationMethod(mfa, request.actor(), userId, request.params.methodId, { kind, ...manage(request) });
          return reply.status(204).send(null);
        },
      );
    }

    app.get(
      `${base}/requirements`,
      { config: { auth: read }, schema: { tags, summary: `Per-user MFA state of ${who} (Graph beta strongAuthenticationRequirements)`, ...(params ? { params } : {}), response: { 200: Requirements, ...errorResponses } } },
      async (request) => ({ '@odata.type': '#microsoft.graph.strongAuthenticationRequirements', perUserMfaState: await getPerUserMfaState(deps.db, await userOf(request, scope)) }),
    );
    // Users do not lift an MFA requirement from themselves: /me needs the same permission as for anyone else.
    app.patch(
      `${base}/requirements`,
      { config: { auth: WRITE }, schema: { tags, summary: `Require MFA of ${who} ('enforced') or not ('disabled')`, ...(params ? { params } : {}), body: RequirementsPatch, response: { 204: Type.Null(), ...errorResponses } } },
      async (request, reply) => {
        const userId = await userOf(request, scope);
        await requireStepUpForOwnMethods(deps, request, userId);
        await setPerUserMfaState(mfa, request.actor(), userId, request.body.perUserMfaState as PerUserMfaState, manage(request));
        return reply.status(204).send(null);
      },
    );
  }

  portalRoutes(app, deps, mfa);
}

/** Self-service for the signed-in user (portal session; writes need the session's CSRF token, checked in authorize.ts). */
function portalRoutes(app: App, deps: RouteDeps, mfa: MfaDeps): void {
  const me = (request: FastifyRequest): string => {
    const principal = request.principal;
    if (principal?.kind !== 'user') throw forbidden('Security info is for signed-in users.');
    return principal.userId;
  };
  const auth = 'session' as const;
  /** The signed-in user, once the session may change their methods (see requireStepUpForOwnMethods). */
  const meChanging = async (request: FastifyRequest): Promise<string> => {
    const userId = me(request);
    await requireStepUpForOwnMethods(deps, request, userId);
    return userId;
  };

  app.get(
    '/portal/api/security-info',
    { config: { auth }, schema: { tags: portalTags, summary: 'My authentication methods and whether MFA is required of me', response: { 200: Type.Object({ summary: Summary, methods: Type.Array(AuthenticationMethod) }), ...errorResponses } } },
    async (request) => ({ summary: await mfaMethodSummary(deps.db, me(request)), methods: await listAuthenticationMethods(deps.db, me(request)) }),
  );

  app.post(
    '/portal/api/security-info/totp',
    {
      config: { auth },
      schema: {
        tags: portalTags,
        summary: 'Start adding an authenticator app: a new secret, its otpauth URI and QR code (shown once)',
        response: { 200: Type.Object({ enrolmentId: Type.String(), secret: Type.String(), otpauthUri: Type.String(), qrCodeDataUrl: Type.String(), expiresDateTime: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const userId = await meChanging(request);
      noStore(reply);
      return beginTotpEnrolment(mfa, userId);
    },
  );

  app.post(
    '/portal/api/security-info/totp/:enrolmentId/verify',
    {
      config: { auth },
      schema: {
        tags: portalTags,
        summary: 'Finish adding an authenticator app with a code it shows',
        params: Type.Object({ enrolmentId: Type.String({ minLength: 1, maxLength: 100 }) }),
        body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 20 }), displayName: DisplayName }, { additionalProperties: false }),
        response: { 201: Registered, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await finishTotpEnrolment(mfa, await meChanging(request), request.params.enrolmentId, request.body.code, request.body.displayName, request.actor())),
  );

  app.post(
    '/portal/api/security-info/webauthn/registration-options',
    { config: { auth }, schema: { tags: portalTags, summary: 'Options for creating a passkey (navigator.credentials.create)', response: { 200: WebAuthnJson, ...errorResponses } } },
    async (request) => webauthnRegistrationOptions(mfa, await meChanging(request)),
  );

  app.post(
    '/portal/api/security-info/webauthn',
    {
      config: { auth },
      schema: {
        tags: portalTags,
        summary: 'Register the passkey the browser created',
        body: Type.Object({ response: WebAuthnJson, displayName: DisplayName }, { additionalProperties: false }),
        response: { 201: Registered, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await verifyWebAuthnRegistration(mfa, await meChanging(request), request.body.response, request.body.displayName, request.actor())),
  );

  app.post(
    '/portal/api/security-info/recovery-codes',
    { config: { auth }, schema: { tags: portalTags, summary: 'A new set of 10 recovery codes (shown once; the old set stops working)', response: { 200: Type.Object({ codes: Type.Array(Type.String()) }), ...errorResponses } } },
    async (request, reply) => {
      const userId = await meChanging(request);
      noStore(reply);
      return { codes: await generateRecoveryCodes(mfa, request.actor(), userId) };
    },
  );

  app.delete(
    '/portal/api/security-info/methods/:id',
    { config: { auth }, schema: { tags: portalTags, summary: 'Remove one of my methods (authenticator app, passkey, or the recovery codes)', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 400 }) }), response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await deleteAuthenticationMethod(mfa, request.actor(), await meChanging(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/portal/api/security-info/step-up',
    {
      config: { auth },
      schema: {
        tags: portalTags,
        summary: 'Verify with my second factor before changing my methods: allowed already, or a verification the sign-in MFA page (/signin/mfa) completes',
        response: { 200: Type.Object({ status: Type.Union([Type.Literal('allowed'), Type.Literal('mfaRequired')]) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      const cookieValue = request.cookies[deps.sessionCookie.name];
      if (principal?.kind !== 'user' || principal.via !== 'session' || !cookieValue) throw forbidden('Security info is for signed-in users.');
      const outcome = await requireSecondFactor(
        pipelineDeps(deps),
        { cookieValue, userId: principal.userId, amr: [...(principal.amr ?? [])] },
        { ipAddress: request.ip, userAgent: request.headers['user-agent'] ?? null, returnTo: SECURITY_INFO_PAGE },
      );
      // Completing it on the MFA page rotates the session cookie, adds the factor to its amr, and returns here.
      if (outcome.status === 'mfaRequired') applySignInOutcome(deps, reply, { ...outcome, returnTo: SECURITY_INFO_PAGE });
      return { status: outcome.status };
    },
  );
}
