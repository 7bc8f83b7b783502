import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { constantTimeEqual } from '#src/core/crypto.ts';
import { forbidden } from '#src/core/errors.ts';
import { escapeHtml, INTERACTION_PATH } from '#src/auth/index.ts';
import type { App, HttpDeps, OAuthMount, PortalUser } from '../types.ts';

/**
 * The approval step of OAuth sign-ins (`gatehouse login`'s device code, authorization code + PKCE): the provider
 * sends the browser here; the portal session says who the user is (no session: sign in first, then come back);
 * the user approves or declines with a CSRF-protected form. Asked on every authorization, so an expired or revoked
 * portal session never approves a token.
 */
const INTERACTION_PREFIX = INTERACTION_PATH;


// The approval form posts here; the redirect chain that follows ends at the CLI's loopback listener.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://127.0.0.1:* http://localhost:* http://[::1]:*; frame-ancestors 'none'; base-uri 'none'";

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Gatehouse</title>
<style>body{font-family:system-ui,sans-serif;background:#f8f9fa;margin:0}main{max-width:28rem;margin:10vh auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}button{font:inherit;padding:.5rem 1rem;margin-right:.5rem;border-radius:4px;border:1px solid #228be6;background:#228be6;color:#fff;cursor:pointer}button.secondary{background:#fff;color:#228be6}code{background:#f1f3f5;padding:0 .25rem}</style></head><body><main>${body}</main></body></html>`;
}

function approvalPage(view: Awaited<ReturnType<OAuthMount['getInteraction']>>, user: PortalUser, csrfToken: string): string {
  const scopes = view.scopes.filter((s) => !['openid', 'offline_access', 'profile'].includes(s));
  return page(
    'Approve sign-in',
    `<h1>Approve sign-in</h1>
<p><strong>${escapeHtml(view.clientName)}</strong> wants to act as <strong>${escapeHtml(user.displayName)}</strong> (${escapeHtml(user.userPrincipalName)}) with the permissions of your roles${scopes.length ? ` (<code>${scopes.map(escapeHtml).join('</code>, <code>')}</code>)` : ''}.</p>
<p>Approve only if you started this sign-in yourself.</p>
<form method="post" action="${INTERACTION_PREFIX}/${encodeURIComponent(view.uid)}">
<input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
<button type="submit" name="decision" value="approve">Approve</button><button class="secondary" type="submit" name="decision" value="deny">Decline</button>
</form>`,
  );
}

export function oauthInteractionRoutes(app: App, deps: HttpDeps): void {
  const oauth = deps.oauth;
  if (!oauth) return;
  const session = async (request: FastifyRequest) => {
    const cookie = request.cookies[deps.sessionCookie.name];
    return cookie ? deps.portal.current(cookie) : undefined;
  };
  const toSignIn = (request: FastifyRequest, reply: FastifyReply) => reply.redirect(`/signin?returnTo=${encodeURIComponent(request.url)}`, 303);
  const Params = Type.Object({ uid: Type.String({ minLength: 1, maxLength: 200 }) });

  void app.register(async (plugin) => {
    await plugin.register(formbody, { bodyLimit: 4096 });
    const scoped = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scoped.get(`${INTERACTION_PREFIX}/:uid`, { config: { auth: 'public' }, schema: { hide: true, params: Params } }, async (request, reply) => {
      reply.header('content-security-policy', CSP).header('cache-control', 'no-store');
      const current = await session(request);
      if (!current) return toSignIn(request, reply);
      // Device code or browser sign-in alike: the user sees which account and which app before approving.
      const view = await oauth.getInteraction(request.raw, reply.raw);
      return reply.type('text/html; charset=utf-8').send(approvalPage(view, current.user, current.csrfToken));
    });

    scoped.post(
      `${INTERACTION_PREFIX}/:uid`,
      {
        config: { auth: 'public' },
        schema: { hide: true, params: Params, body: Type.Object({ csrf: Type.String({ maxLength: 200 }), decision: Type.Union([Type.Literal('approve'), Type.Literal('deny')]) }) },
      },
      async (request, reply) => {
        reply.header('content-security-policy', CSP).header('cache-control', 'no-store');
        const current = await session(request);
        if (!current) return toSignIn(request, reply);
        if (!constantTimeEqual(request.body.csrf, current.csrfToken)) throw forbidden('The approval form expired or did not come from this page; start the sign-in again.');
        const { redirectTo } =
          request.body.decision === 'deny'
            ? await oauth.abortInteraction(request.raw, reply.raw)
            : await oauth.finishInteraction(request.raw, reply.raw, { userId: current.user.id, ipAddress: request.ip });
        return reply.redirect(redirectTo, 303);
      },
    );
  });
}
