import { Type } from 'typebox';
import { builtInRoles, createRoleAssignment, listRoleAssignments, deleteRoleAssignment, getRoleAssignment, roleById, toGraphRoleDefinition } from '#src/directory/index.ts';
import { notFound } from '#src/core/errors.ts';
import type { App, HttpDeps } from '../types.ts';
import { contextUrl } from '../respond.ts';
import { collectionOf, errorResponses, IdParam } from '../schemas/common.ts';
import { CreateRoleAssignmentBody, RoleAssignment, RoleDefinition } from '../schemas/roles.ts';
import { listRoute } from '../collection.ts';

const READ = { anyOf: ['Directory.Read.All', 'RoleManagement.ReadWrite.Directory'] };
const WRITE = { anyOf: ['RoleManagement.ReadWrite.Directory'] };
const tags = ['roleManagement'];
const base = '/v1.0/roleManagement/directory';

export function roleRoutes(app: App, deps: HttpDeps): void {
  const dir = { db: deps.db, clock: deps.clock };

  app.get(`${base}/roleDefinitions`, { config: { auth: READ }, schema: { tags, summary: 'List built-in directory roles', response: { 200: collectionOf(RoleDefinition), ...errorResponses } } }, async () => ({
    '@odata.context': contextUrl(deps.config.publicUrl, 'roleManagement/directory/roleDefinitions'),
    value: builtInRoles.map(toGraphRoleDefinition),
  }));

  app.get(`${base}/roleDefinitions/:id`, { config: { auth: READ }, schema: { tags, summary: 'Get a role definition', params: IdParam, response: { 200: RoleDefinition, ...errorResponses } } }, async (request) => {
    const role = roleById(request.params.id);
    if (!role) throw notFound(`Resource '${request.params.id}' does not exist.`);
    return toGraphRoleDefinition(role);
  });

  app.get(`${base}/roleAssignments`, { config: { auth: READ }, schema: { tags, summary: 'List role assignments ($filter on principalId, roleDefinitionId)', response: { 200: collectionOf(Type.Partial(RoleAssignment)), ...errorResponses } } }, async (request) =>
    listRoute(deps.config.publicUrl, request, 'roleManagement/directory/roleAssignments', (odata) => listRoleAssignments(deps.db, odata)),
  );

  app.post(
    `${base}/roleAssignments`,
    { config: { auth: WRITE }, schema: { tags, summary: 'Assign a directory role', body: CreateRoleAssignmentBody, response: { 201: RoleAssignment, ...errorResponses } } },
    async (request, reply) => {
      const assignment = await createRoleAssignment(dir, request.actor(), request.body);
      reply.status(201);
      return { '@odata.context': contextUrl(deps.config.publicUrl, 'roleManagement/directory/roleAssignments/$entity'), ...assignment };
    },
  );

  app.get(`${base}/roleAssignments/:id`, { config: { auth: READ }, schema: { tags, summary: 'Get a role assignment', params: IdParam, response: { 200: RoleAssignment, ...errorResponses } } }, async (request) =>
    getRoleAssignment(deps.db, request.params.id),
  );

  app.delete(`${base}/roleAssignments/:id`, { config: { auth: WRITE }, schema: { tags, summary: 'Remove a role assignment', params: IdParam, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await deleteRoleAssignment(dir, request.actor(), request.params.id);
    return reply.status(204).send(null);
  });
}
