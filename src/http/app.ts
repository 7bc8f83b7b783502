import { randomUUID } from 'node:crypto';
import { proxyTrust } from '#src/core/proxies.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App, HttpDeps } from './types.ts';
import type { Clock } from '#src/core/clock.ts';
import { AppError } from '#src/core/errors.ts';
import { PUBLIC_DOCS_PREFIX, registerAuthorization } from './authorize.ts';
import { graphErrorBody, toAppError } from './graph-errors.ts';
import { createMetrics } from './metrics.ts';
import { formatValidationErrors } from './validation.ts';
import { registerRoutes } from './routes/index.ts';

const API_PREFIXES = ['/v1.0', '/portal/', '/oauth2', '/.well-known', '/healthz', '/readyz', '/metrics', '/openapi.json'];

/** Build the Fastify app without listening, so tests can use inject(). */
export async function buildApp(deps: HttpDeps): Promise<App> {
  const app = Fastify({
    ...(deps.https ? { https: deps.https } : {}),
    loggerInstance: deps.logger,
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    // trustProxy hops, each of which must be one of trustedProxies (proxy-addr's function form; Fastify 5 given a
    // bare number trusts nothing, on purpose: a hop count alone cannot tell a proxy from a client).
    trustProxy: deps.config.trustProxy > 0 ? proxyTrust(deps.config.trustProxy, deps.config.trustedProxies).trusts : false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, useDefaults: true } },
    schemaErrorFormatter: formatValidationErrors,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  const metrics = deps.metrics ?? createMetrics();
  app.addHook('onRequest', async (request, reply) => {
    reply.header('request-id', request.id);
    const clientRequestId = request.headers['client-request-id'];
    if (typeof clientRequestId === 'string' && clientRequestId.length <= 100) reply.header('client-request-id', clientRequestId);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
  });

  const oauth = deps.oauth;
  if (oauth) {
    // The authorization server parses its own requests: hand them over before Fastify reads the body.
    app.addHook('onRequest', async (request, reply) => {
      const pathname = request.url.split('?')[0] ?? '/';
      if (!oauth.handles(pathname)) return;
      reply.hijack();
      await oauth.callback(request.raw, reply.raw);
    });
  }

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    hsts: deps.config.publicUrl.startsWith('https:') ? { maxAge: 31_536_000 } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse API', version: '1.0', description: 'Microsoft Graph v1.0-compatible API of Gatehouse. See docs/graph-compat.md for differences.' },
      servers: [{ url: deps.config.publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  registerAuthorization(app, deps.authenticator, deps.sessionCookie.name);
  // PostgreSQL text cannot hold U+0000: refuse it in any input once, here, rather than fail deep inside a query.
  app.addHook('preValidation', async (request) => {
    if (request.url.includes('%00') || containsNul(request.body) || containsNul(request.params)) {
      throw new AppError('BAD_REQUEST', 400, 'The request contains a NUL character (U+0000), which is not allowed in any value.');
    }
  });
  await app.register(swaggerUi, { routePrefix: PUBLIC_DOCS_PREFIX, staticCSP: true, uiConfig: { docExpansion: 'list' } });
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply, deps.clock));
  app.setNotFoundHandler((request, reply) => notFound(request, reply, deps));

  await registerRoutes(app, { ...deps, metrics });

  const webRoot = deps.webRoot;
  if (webRoot && existsSync(path.join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, index: false, cacheControl: false });
  }
  return app;
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v));
  return false;
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply, clock: Clock): void {
  const appError = toAppError(error);
  if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: appError.code, status: appError.status }, appError.message);
  const clientRequestId = request.headers['client-request-id'];
  void reply
    .status(appError.status)
    .header('content-type', 'application/json')
    .send(graphErrorBody(appError, request.id, typeof clientRequestId === 'string' ? clientRequestId : undefined, clock.now()));
}

function notFound(request: FastifyRequest, reply: FastifyReply, deps: HttpDeps): void {
  const url = request.url.split('?')[0] ?? '/';
  const isApi = API_PREFIXES.some((p) => url === p || url.startsWith(p));
  const webIndex = deps.webRoot ? path.join(deps.webRoot, 'index.html') : undefined;
  if (!isApi && request.method === 'GET' && webIndex && existsSync(webIndex)) {
    // Client-side routes of the single-page UI (/users/123 …) all load index.html.
    void reply.header('cache-control', 'no-cache').sendFile('index.html');
    return;
  }
  const segment = url.split('/').filter(Boolean).pop() ?? '/';
  sendError(new AppError('NOT_FOUND', 404, `Resource not found for the segment '${segment}'.`), request, reply, deps.clock);
}
