import { Type } from 'typebox';
import { getDirectoryAudit, listDirectoryAudits } from '#src/audit/index.ts';
import type { App, HttpDeps } from '../types.ts';
import { listRoute } from '../collection.ts';
import { collectionOf, errorResponses, IdParam } from '../schemas/common.ts';

const READ = { anyOf: ['AuditLog.Read.All'] };

const DirectoryAudit = Type.Object(
  {
    id: Type.String(),
    activityDateTime: Type.String(),
    activityDisplayName: Type.String(),
    category: Type.String(),
    correlationId: Type.Union([Type.String(), Type.Null()]),
    initiatedBy: Type.Object({}, { additionalProperties: true }),
    loggedByService: Type.String(),
    operationType: Type.String(),
    result: Type.String(),
    resultReason: Type.String(),
    targetResources: Type.Array(Type.Object({}, { additionalProperties: true })),
    additionalDetails: Type.Array(Type.Object({ key: Type.String(), value: Type.String() })),
  },
  { $id: 'DirectoryAudit', additionalProperties: true },
);

export function auditRoutes(app: App, deps: HttpDeps): void {
  const tags = ['auditLogs'];
  app.get(
    '/v1.0/auditLogs/directoryAudits',
    { config: { auth: READ }, schema: { tags, summary: 'List audit events (newest first)', response: { 200: collectionOf(Type.Partial(DirectoryAudit)), ...errorResponses } } },
    async (request) => listRoute(deps.config.publicUrl, request, 'auditLogs/directoryAudits', (odata) => listDirectoryAudits(deps.db, odata)),
  );
  app.get(
    '/v1.0/auditLogs/directoryAudits/:id',
    { config: { auth: READ }, schema: { tags, summary: 'Get an audit event', params: IdParam, response: { 200: DirectoryAudit, ...errorResponses } } },
    async (request) => getDirectoryAudit(deps.db, request.params.id),
  );
}
