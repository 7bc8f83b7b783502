import { Type } from 'typebox';
import { ping } from '#src/store/index.ts';
import type { App, RouteDeps } from '../types.ts';

/** Liveness, readiness and Prometheus metrics: unauthenticated, for load balancers and monitoring. */
export function healthRoutes(app: App, deps: RouteDeps): void {
  const tags = ['operations'];
  app.get('/healthz', { config: { auth: 'public' }, schema: { tags, summary: 'Liveness: the process is running', response: { 200: Type.Object({ status: Type.String() }) } } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { config: { auth: 'public' }, schema: { tags, summary: 'Readiness: accepting traffic and the database answers', response: { 200: Type.Object({ status: Type.String() }), 503: Type.Object({ status: Type.String(), reason: Type.String() }) } } },
    async (_request, reply) => {
      if (!deps.isReady()) return reply.status(503).send({ status: 'unavailable', reason: 'starting or shutting down' });
      try {
        await ping(deps.db);
      } catch {
        return reply.status(503).send({ status: 'unavailable', reason: 'database unreachable' });
      }
      return { status: 'ok' };
    },
  );

  app.get('/metrics', { config: { auth: 'public' }, schema: { tags, summary: 'Prometheus metrics', hide: true } }, async (_request, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
