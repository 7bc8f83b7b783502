import { Type } from 'typebox';
import { getSignIn, listSignIns } from '#src/audit/index.ts';
import type { App, HttpDeps } from '../types.ts';
import { listRoute } from '../collection.ts';
import { collectionOf, errorResponses, IdParam, ODataQuerystring } from '../schemas/common.ts';
import { SignIn } from '../schemas/sign-ins.ts';

const READ = { anyOf: ['AuditLog.Read.All'] };

/** The sign-in log: every sign-in attempt with its Conditional Access and risk outcome (docs/graph-compat.md). */
export function signInRoutes(app: App, deps: HttpDeps): void {
  const tags = ['auditLogs'];
  app.get(
    '/v1.0/auditLogs/signIns',
    {
      config: { auth: READ },
      schema: { tags, summary: 'List sign-ins (newest first)', querystring: ODataQuerystring, response: { 200: collectionOf(Type.Partial(SignIn)), ...errorResponses } },
    },
    async (request) => listRoute(deps.config.publicUrl, request, 'auditLogs/signIns', (odata) => listSignIns(deps.db, odata)),
  );
  app.get(
    '/v1.0/auditLogs/signIns/:id',
    { config: { auth: READ }, schema: { tags, summary: 'Get a sign-in', params: IdParam, response: { 200: SignIn, ...errorResponses } } },
    async (request) => getSignIn(deps.db, request.params.id),
  );
}
