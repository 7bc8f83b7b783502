import { bulkJobResultsCsv, createBulkJob, getBulkJob, type Inviter } from '#src/directory/index.ts';
import type { FastifyRequest } from 'fastify';
import type { App, RouteDeps } from '../types.ts';
import { errorResponses, GraphError, IdParam } from '../schemas/common.ts';
import { BulkInvitationCsvBody, BulkInvitationJob, BulkInvitationJsonBody, BulkResultsCsv } from '../schemas/bulk-invitations.ts';

const tags = ['invitations'];
/**
 * Room for a 10 MiB file sent as JSON, where escaping can double it; the service refuses anything over 10 MiB of
 * CSV text with a message that says so.
 */
const BODY_LIMIT = 21 * 1024 * 1024;

const inviterOf = (request: FastifyRequest): Inviter => ({ actor: request.actor(), permissions: request.principal?.permissions ?? new Set() });

/** Bulk invitations (Gatehouse extension): upload a CSV, poll the job, download the per-row results. */
export function bulkInvitationRoutes(app: App, deps: RouteDeps): void {
  const dir = { db: deps.db, clock: deps.clock, publicUrl: deps.config.publicUrl, masterKey: deps.masterKey };

  // Its own scope, so the raw text/csv body is accepted by these routes only.
  void app.register(async (scope: App) => {
    scope.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));

    scope.post(
      '/v1.0/invitations/bulk',
      {
        // Anyone signed in may try: the invite policy (allowInvitesFrom) decides, for the upload and for each row.
        config: { auth: 'signedIn' },
        bodyLimit: BODY_LIMIT,
        schema: {
          tags,
          summary: 'Invite external users from a CSV file (Gatehouse extension)',
          description: 'Answers 202 with a job that works through the rows in the background; poll it at the Location, then GET its results.',
          body: { content: { 'text/csv': { schema: BulkInvitationCsvBody }, 'application/json': { schema: BulkInvitationJsonBody } } },
          response: { 202: BulkInvitationJob, ...errorResponses, 413: GraphError, 415: GraphError },
        },
      },
      async (request, reply) => {
        const body = request.body as string | { csv: string };
        const job = await createBulkJob(dir, inviterOf(request), typeof body === 'string' ? body : body.csv);
        deps.runBulkInvitations();
        reply.status(202).header('location', `${deps.config.publicUrl}/v1.0/invitations/bulk/${job.id}`);
        return job;
      },
    );
  });

  app.get(
    '/v1.0/invitations/bulk/:id',
    // The job's creator, or a caller with User.Invite.All (checked by the service; others get 404).
    { config: { auth: 'signedIn' }, schema: { tags, summary: 'Progress of a bulk invitation (Gatehouse extension)', params: IdParam, response: { 200: BulkInvitationJob, ...errorResponses } } },
    async (request) => getBulkJob(deps.db, inviterOf(request), request.params.id),
  );
  app.get(
    '/v1.0/invitations/bulk/:id/results',
    {
      config: { auth: 'signedIn' },
      schema: {
        tags,
        summary: 'Per-row results of a finished bulk invitation as CSV (Gatehouse extension)',
        params: IdParam,
        response: { 200: { content: { 'text/csv': { schema: BulkResultsCsv } } }, ...errorResponses, 409: GraphError },
      },
    },
    async (request, reply) => {
      const csv = await bulkJobResultsCsv(deps.db, inviterOf(request), request.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="bulk-invitation-${request.params.id}.csv"`)
        .send(csv);
    },
  );
}
