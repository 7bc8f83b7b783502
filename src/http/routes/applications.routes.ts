import { Type } from 'typebox';
import {
  addPassword,
  createApplication,
  createServicePrincipal,
  deleteApplication,
  deleteServicePrincipal,
  getApplication,
  getServicePrincipal,
  grantAppRole,
  listAppRoleAssignments,
  listApplications,
  listServicePrincipals,
  removePassword,
  revokeAppRole,
  updateApplication,
  updateServicePrincipal,
} from '#src/directory/index.ts';
import { badRequest } from '#src/core/errors.ts';
import type { App, HttpDeps } from '../types.ts';
import { contextUrl } from '../respond.ts';
import { collectionOf, errorResponses, IdParam, IdRefParams } from '../schemas/common.ts';
import {
  AddPasswordBody,
  AppRoleAssignment,
  Application,
  CreateAppRoleAssignmentBody,
  CreateApplicationBody,
  CreateServicePrincipalBody,
  PasswordCredential,
  RemovePasswordBody,
  ServicePrincipal,
  UpdateApplicationBody,
  UpdateServicePrincipalBody,
} from '../schemas/applications.ts';
import { listRoute } from '../collection.ts';

const READ = { anyOf: ['Application.ReadWrite.All', 'Directory.Read.All'] };
const WRITE = { anyOf: ['Application.ReadWrite.All'] };
// Granting application permissions is granting privilege (an app could grant itself RoleManagement.*): it takes
// the right to manage roles, not merely to manage applications (Entra: AppRoleAssignment.ReadWrite.All).
const GRANT = { anyOf: ['RoleManagement.ReadWrite.Directory'] };

export function applicationRoutes(app: App, deps: HttpDeps): void {
  const dir = { db: deps.db, clock: deps.clock };
  const tags = ['applications'];

  app.get('/v1.0/applications', { config: { auth: READ }, schema: { tags, summary: 'List app registrations', response: { 200: collectionOf(Type.Partial(Application)), ...errorResponses } } }, async (request) =>
    listRoute(deps.config.publicUrl, request, 'applications', (odata) => listApplications(deps.db, odata)),
  );
  app.post('/v1.0/applications', { config: { auth: WRITE }, schema: { tags, summary: 'Register an application', body: CreateApplicationBody, response: { 201: Application, ...errorResponses } } }, async (request, reply) => {
    const { '@odata.type': _t, keyCredentials, ...rest } = request.body;
    const created = await createApplication(dir, request.actor(), { ...rest, keyCredentials: keyCredentials?.map((k) => ({ key: k.key, displayName: k.displayName ?? null })) });
    reply.status(201);
    return { '@odata.context': contextUrl(deps.config.publicUrl, 'applications/$entity'), ...created };
  });
  app.get('/v1.0/applications/:id', { config: { auth: READ }, schema: { tags, summary: 'Get an application by object id', params: IdParam, response: { 200: Application, ...errorResponses } } }, async (request) =>
    getApplication(deps.db, request.params.id),
  );
  app.patch('/v1.0/applications/:id', { config: { auth: WRITE }, schema: { tags, summary: 'Update an application', params: IdParam, body: UpdateApplicationBody, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    const { '@odata.type': _t, keyCredentials, ...rest } = request.body;
    await updateApplication(dir, request.actor(), request.params.id, { ...rest, ...(keyCredentials ? { keyCredentials: keyCredentials.map((k) => ({ key: k.key, displayName: k.displayName ?? null })) } : {}) });
    return reply.status(204).send(null);
  });
  app.delete('/v1.0/applications/:id', { config: { auth: WRITE }, schema: { tags, summary: 'Delete an application', params: IdParam, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await deleteApplication(dir, request.actor(), request.params.id);
    return reply.status(204).send(null);
  });
  app.post('/v1.0/applications/:id/addPassword', { config: { auth: WRITE }, schema: { tags, summary: 'Add a client secret (returned once)', params: IdParam, body: AddPasswordBody, response: { 200: PasswordCredential, ...errorResponses } } }, async (request) =>
    addPassword(dir, request.actor(), request.params.id, { displayName: request.body.passwordCredential?.displayName ?? null, endDateTime: request.body.passwordCredential?.endDateTime ?? null }),
  );
  app.post('/v1.0/applications/:id/removePassword', { config: { auth: WRITE }, schema: { tags, summary: 'Remove a client secret', params: IdParam, body: RemovePasswordBody, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await removePassword(dir, request.actor(), request.params.id, request.body.keyId);
    return reply.status(204).send(null);
  });

  const spTags = ['servicePrincipals'];
  app.get('/v1.0/servicePrincipals', { config: { auth: READ }, schema: { tags: spTags, summary: 'List service principals', response: { 200: collectionOf(Type.Partial(ServicePrincipal)), ...errorResponses } } }, async (request) =>
    listRoute(deps.config.publicUrl, request, 'servicePrincipals', (odata) => listServicePrincipals(deps.db, odata)),
  );
  app.post('/v1.0/servicePrincipals', { config: { auth: WRITE }, schema: { tags: spTags, summary: 'Create the service principal of an application', body: CreateServicePrincipalBody, response: { 201: ServicePrincipal, ...errorResponses } } }, async (request, reply) => {
    const sp = await createServicePrincipal(dir, request.actor(), request.body.appId, undefined, { accountEnabled: request.body.accountEnabled ?? true });
    reply.status(201);
    return { '@odata.context': contextUrl(deps.config.publicUrl, 'servicePrincipals/$entity'), ...sp };
  });
  app.get('/v1.0/servicePrincipals/:id', { config: { auth: READ }, schema: { tags: spTags, summary: 'Get a service principal', params: IdParam, response: { 200: ServicePrincipal, ...errorResponses } } }, async (request) =>
    getServicePrincipal(deps.db, request.params.id),
  );
  app.patch('/v1.0/servicePrincipals/:id', { config: { auth: WRITE }, schema: { tags: spTags, summary: 'Enable or disable a service principal', params: IdParam, body: UpdateServicePrincipalBody, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await updateServicePrincipal(dir, request.actor(), request.params.id, { ...(request.body.accountEnabled === undefined ? {} : { accountEnabled: request.body.accountEnabled }) });
    return reply.status(204).send(null);
  });
  app.delete('/v1.0/servicePrincipals/:id', { config: { auth: WRITE }, schema: { tags: spTags, summary: 'Delete a service principal', params: IdParam, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await deleteServicePrincipal(dir, request.actor(), request.params.id);
    return reply.status(204).send(null);
  });
  app.get('/v1.0/servicePrincipals/:id/appRoleAssignments', { config: { auth: READ }, schema: { tags: spTags, summary: 'Application permissions granted to this service principal', params: IdParam, response: { 200: collectionOf(AppRoleAssignment), ...errorResponses } } }, async (request) => ({
    value: await listAppRoleAssignments(deps.db, request.params.id),
  }));
  app.post('/v1.0/servicePrincipals/:id/appRoleAssignments', { config: { auth: GRANT }, schema: { tags: spTags, summary: 'Grant an application permission', params: IdParam, body: CreateAppRoleAssignmentBody, response: { 201: AppRoleAssignment, ...errorResponses } } }, async (request, reply) => {
    const principal = await getServicePrincipal(deps.db, request.params.id);
    if (request.body.principalId.toLowerCase() !== principal.id) throw badRequest(`principalId must be the id in the URL (${principal.id})`);
    const assignment = await grantAppRole(dir, request.actor(), { principalId: principal.id, resourceId: request.body.resourceId, appRoleId: request.body.appRoleId });
    reply.status(201);
    return assignment;
  });
  app.delete('/v1.0/servicePrincipals/:id/appRoleAssignments/:refId', { config: { auth: GRANT }, schema: { tags: spTags, summary: 'Revoke an application permission', params: IdRefParams, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await revokeAppRole(dir, request.actor(), request.params.id, request.params.refId);
    return reply.status(204).send(null);
  });
}
