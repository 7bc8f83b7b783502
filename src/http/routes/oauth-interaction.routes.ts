import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { constantTimeEqual } from '#src/core/crypto.ts';
import { forbidden } from '#src/core/errors.ts';
import { accessApplication, escapeHtml, INTERACTION_PATH, type ApplicationAccess } from '#src/auth/index.ts';
import type { App, HttpDeps, OAuthMount, PortalUser } from '../types.ts';
import { applySignInOutcome, pipelineDeps } from './sign-in.routes.ts';

/**
 * The approval step of OAuth sign-ins (`gatehouse login`'s device code, authorization code + PKCE of the CLI or of
 * a registered application): the provider sends the browser here; the portal session says who the user is (no
 * session: sign in first, then come back); Conditional Access decides for the requesting application; the user
 * approves or declines with a CSRF-protected form. An application the user already consented to for these scopes
 * is approved without the page (remembered consent); the CLI is always asked. Checked on every authorization, so
 * an expired or revoked portal session never approves a token.
 */
const INTERACTION_PREFIX = INTERACTION_PATH;
/** A portal sign-in this recent satisfies any max_age (the redirects after signing in take a moment). */
const MAX_AGE_GRACE_SECONDS = 30;

type View = Awaited<ReturnType<OAuthMount['getInteraction']>>;

/**
 * The approval form posts here; the redirect chain that follows ends at the client's redirect URI, whose origin
 * form-action must allow (browsers apply it to redirects after a form submission).
 */
function contentSecurityPolicy(view?: View): string {
  const redirectOrigin = view?.redirectUri ? new URL(view.redirectUri).origin : undefined;
  const formAction = redirectOrigin ? `'self' ${redirectOrigin}` : "'self'";
  return `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Gatehouse</title>
<style>body{font-family:system-ui,sans-serif;background:#f8f9fa;margin:0}main{max-width:28rem;margin:10vh auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}button{font:inherit;padding:.5rem 1rem;margin-right:.5rem;border-radius:4px;border:1px solid #228be6;background:#228be6;color:#fff;cursor:pointer}button.secondary{background:#fff;color:#228be6}code{background:#f1f3f5;padding:0 .25rem}li{margin:.25rem 0}.new{font-size:.75em;color:#e8590c;margin-left:.25rem}</style></head><body><main>${body}</main></body></html>`;
}

/** What each OpenID Connect scope lets an application see, in the user's words. */
const SCOPE_DESCRIPTIONS: Record<View['oidcScopes'][number], string> = {
  openid: 'Sign you in, and see your account id, organization, group memberships and directory roles',
  profile: 'See your name and user name',
  email: 'See your email address',
  offline_access: 'Keep this access when you are not using it',
};

function approvalForm(view: View, csrfToken: string): string {
  return `<form method="post" action="${INTERACTION_PREFIX}/${encodeURIComponent(view.uid)}">
<input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
<button type="submit" name="decision" value="approve">Approve</button><button class="secondary" type="submit" name="decision" value="deny">Decline</button>
</form>`;
}

function cliApprovalPage(view: View, user: PortalUser, csrfToken: string): string {
  const scopes = view.scopes.filter((s) => !['openid', 'offline_access', 'profile', 'email'].includes(s));
  return page(
    'Approve sign-in',
    `<h1>Approve sign-in</h1>
<p><strong>${escapeHtml(view.clientName)}</strong> wants to act as <strong>${escapeHtml(user.displayName)}</strong> (${escapeHtml(user.userPrincipalName)}) with the permissions of your roles${scopes.length ? ` (<code>${scopes.map(escapeHtml).join('</code>, <code>')}</code>)` : ''}.</p>
<p>Approve only if you started this sign-in yourself.</p>
${approvalForm(view, csrfToken)}`,
  );
}

function applicationApprovalPage(view: View, user: PortalUser, csrfToken: string): string {
  const items = view.oidcScopes
    .map((scope) => `<li>${escapeHtml(SCOPE_DESCRIPTIONS[scope])}${view.newScopes.includes(scope) && view.newScopes.length < view.oidcScopes.length ? '<span class="new">new</span>' : ''}</li>`)
    .join('');
  return page(
    'Approve sign-in',
    `<h1>Approve sign-in</h1>
<p><strong>${escapeHtml(view.clientName)}</strong> wants to sign you in as <strong>${escapeHtml(user.displayName)}</strong> (${escapeHtml(user.userPrincipalName)}).</p>
${items ? `<p>It asks to:</p><ul>${items}</ul>` : ''}
<p>Gatehouse remembers your answer for this application; it asks again only if the application asks for more.</p>
${approvalForm(view, csrfToken)}`,
  );
}

const approvalPage = (view: View, user: PortalUser, csrfToken: string): string =>
  view.client === 'cli' ? cliApprovalPage(view, user, csrfToken) : applicationApprovalPage(view, user, csrfToken);

function refusedPage(message: string): string {
  return page('Sign-in refused', `<h1>Sign-in refused</h1><p>${escapeHtml(message)}</p><p><a href="/">Back to Gatehouse</a></p>`);
}

function blockedPage(message: string): string {
  return page('Access blocked', `<h1>Access blocked</h1><p>${escapeHtml(message)}</p><p><a href="/">Back to Gatehouse</a></p>`);
}

export function oauthInteractionRoutes(app: App, deps: HttpDeps): void {
  const oauth = deps.oauth;
  if (!oauth) return;
  const pipeline = pipelineDeps(deps);
  const session = async (request: FastifyRequest) => {
    const cookie = request.cookies[deps.sessionCookie.name];
    const current = cookie ? await deps.portal.current(cookie) : undefined;
    return current && cookie ? { ...current, cookieValue: cookie } : undefined;
  };
  /**
   * Conditional Access for the requesting application, with what the portal session already proved: the one
   * pipeline, so a policy on an app (or the CLI) applies to its tokens. A block ends the OAuth request with
   * access_denied after the page says why.
   */
  const gate = async (
    request: FastifyRequest,
    reply: FastifyReply,
    current: NonNullable<Awaited<ReturnType<typeof session>>>,
    view: View,
    record: boolean,
  ): Promise<ApplicationAccess | 'blocked'> => {
    try {
      return await accessApplication(
        pipeline,
        { cookieValue: current.cookieValue, userId: current.user.id, amr: current.amr, authenticatedAt: current.authenticatedAt },
        { id: view.clientId, displayName: view.clientName, clientAppType: view.flow === 'device_code' ? 'mobileAppsAndDesktopClients' : 'browser' },
        { ipAddress: request.ip, userAgent: request.headers['user-agent'] ?? null, returnTo: request.url },
        { record },
      );
    } catch (error) {
      if ((error as { code?: string }).code !== 'SIGN_IN_BLOCKED') throw error;
      await oauth.abortInteraction(request.raw, reply.raw).catch(() => undefined);
      void reply.status(403).type('text/html; charset=utf-8').send(blockedPage((error as Error).message));
      return 'blocked';
    }
  };
  /**
   * Step-up or sign in again; undefined when the access is allowed. Signing in again never ends the portal session
   * here: this page is reached by a plain GET that any site can link to (`max_age=0` for any registered app), so
   * revoking would be a logout CSRF. The sign-in page with `reauth=1` asks for the password even though a session
   * exists; the new sign-in replaces the session (a new id and a fresh authenticated_at) and returns here.
   */
  const redirectFor = async (request: FastifyRequest, reply: FastifyReply, access: ApplicationAccess) => {
    if (access.status === 'mfaRequired') {
      applySignInOutcome(deps, reply, { status: 'mfaRequired', cookieValue: access.cookieValue, view: access.view, returnTo: request.url });
      return reply.redirect(`/signin/mfa?returnTo=${encodeURIComponent(request.url)}`, 303);
    }
    if (access.status === 'reauthenticate') {
      // Sign-in frequency or the client's max_age: this sign-in is too old for this application.
      return reply.redirect(`/signin?reauth=1&returnTo=${encodeURIComponent(request.url)}`, 303);
    }
    return undefined;
  };
  const toSignIn = (request: FastifyRequest, reply: FastifyReply) => reply.redirect(`/signin?returnTo=${encodeURIComponent(request.url)}`, 303);
  /** The pending interaction, or undefined once a refusal page was sent (the application was disabled meanwhile). */
  const interaction = async (request: FastifyRequest, reply: FastifyReply, forUserId?: string): Promise<View | undefined> => {
    try {
      return await oauth.getInteraction(request.raw, reply.raw, forUserId);
    } catch (error) {
      if ((error as { code?: string }).code !== 'INTERACTION_REFUSED') throw error;
      void reply.status(403).type('text/html; charset=utf-8').send(refusedPage((error as Error).message));
      return undefined;
    }
  };
  /** The client's max_age: a portal sign-in older than that (plus a little grace) must be repeated. */
  const tooOldFor = (view: View, authenticatedAt: Date): boolean =>
    view.maxAge !== null && deps.clock.now().getTime() - authenticatedAt.getTime() > (view.maxAge + MAX_AGE_GRACE_SECONDS) * 1000;
  const Params = Type.Object({ uid: Type.String({ minLength: 1, maxLength: 200 }) });

  void app.register(async (plugin) => {
    await plugin.register(formbody, { bodyLimit: 4096 });
    const scoped = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scoped.get(`${INTERACTION_PREFIX}/:uid`, { config: { auth: 'public' }, schema: { hide: true, params: Params } }, async (request, reply) => {
      reply.header('content-security-policy', contentSecurityPolicy()).header('cache-control', 'no-store');
      const current = await session(request);
      if (!current) return toSignIn(request, reply);
      // Device code or browser sign-in alike: the user sees which account and which app before approving.
      const view = await interaction(request, reply, current.user.id);
      if (!view) return reply;
      reply.header('content-security-policy', contentSecurityPolicy(view));
      if (tooOldFor(view, current.authenticatedAt)) return redirectFor(request, reply, { status: 'reauthenticate' });
      // Remembered consent: this request is the moment of issuance, so the decision is logged.
      const access = await gate(request, reply, current, view, !view.consentRequired);
      if (access === 'blocked') return reply;
      const redirected = await redirectFor(request, reply, access);
      if (redirected) return redirected;
      if (!view.consentRequired && access.status === 'allowed') {
        const { redirectTo } = await oauth.finishInteraction(request.raw, reply.raw, {
          userId: current.user.id,
          ipAddress: request.ip,
          amr: access.amr,
          authenticatedAt: current.authenticatedAt,
          approval: 'remembered',
        });
        return reply.redirect(redirectTo, 303);
      }
      return reply.type('text/html; charset=utf-8').send(approvalPage(view, current.user, current.csrfToken));
    });

    scoped.post(
      `${INTERACTION_PREFIX}/:uid`,
      {
        config: { auth: 'public' },
        schema: { hide: true, params: Params, body: Type.Object({ csrf: Type.String({ maxLength: 200 }), decision: Type.Union([Type.Literal('approve'), Type.Literal('deny')]) }) },
      },
      async (request, reply) => {
        reply.header('content-security-policy', contentSecurityPolicy()).header('cache-control', 'no-store');
        const current = await session(request);
        if (!current) return toSignIn(request, reply);
        if (!constantTimeEqual(request.body.csrf, current.csrfToken)) throw forbidden('The approval form expired or did not come from this page; start the sign-in again.');
        if (request.body.decision === 'deny') return reply.redirect((await oauth.abortInteraction(request.raw, reply.raw)).redirectTo, 303);
        // Decided again at the moment of issuance (and logged): the page's check is not trusted.
        const view = await interaction(request, reply);
        if (!view) return reply;
        if (tooOldFor(view, current.authenticatedAt)) return redirectFor(request, reply, { status: 'reauthenticate' });
        const access = await gate(request, reply, current, view, true);
        if (access === 'blocked') return reply;
        const redirected = await redirectFor(request, reply, access);
        if (redirected) return redirected;
        const amr = access.status === 'allowed' ? access.amr : current.amr;
        const { redirectTo } = await oauth.finishInteraction(request.raw, reply.raw, { userId: current.user.id, ipAddress: request.ip, amr, authenticatedAt: current.authenticatedAt });
        return reply.redirect(redirectTo, 303);
      },
    );
  });
}
