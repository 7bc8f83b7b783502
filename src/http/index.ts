/** Build the Fastify app (without listening). */
export { buildApp } from './app.ts';
/** Types the composition root provides to the HTTP layer. */
export type { App, HttpDeps, PortalDeps, PortalUser, RouteDeps } from './types.ts';
/** Who is calling, as the HTTP layer sees it. */
export type { Authenticator, Principal, RouteAuth } from './principal.ts';
/** Error codes and audit events rendered as documentation. */
export { errorCatalog, renderErrorDocs, renderAuditEventDocs } from './error-catalog.ts';
