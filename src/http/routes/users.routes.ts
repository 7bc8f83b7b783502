import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  createUser,
  deleteUser,
  getUserRow,
  listMemberOf,
  addSponsor,
  listSponsors,
  listUsers,
  removeSponsor,
  revokeSignInSessions,
  toGraphUser,
  updateUser,
  userSelectable,
} from '#src/directory/index.ts';
import type { App, HttpDeps } from '../types.ts';
import { contextUrl, parseEntitySelect, project, refId } from '../respond.ts';
import { collectionOf, errorResponses, IdParam, IdRefParams, RefBody } from '../schemas/common.ts';
import { CreateUserBody, UpdateUserBody, User } from '../schemas/users.ts';
import { Group } from '../schemas/groups.ts';
import { listRoute } from '../collection.ts';

const READ = { anyOf: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'] };
const WRITE = { anyOf: ['User.ReadWrite.All'] };
const tags = ['users'];
/** Administrators (users holding a role) can only be changed by callers who may manage roles. */
const manage = (request: FastifyRequest) => ({ mayManagePrivileged: request.principal?.permissions.has('RoleManagement.ReadWrite.Directory') ?? false });

export function userRoutes(app: App, deps: HttpDeps): void {
  const dir = { db: deps.db, clock: deps.clock };

  app.get('/v1.0/users', { config: { auth: READ }, schema: { tags, summary: 'List users', response: { 200: collectionOf(User), ...errorResponses } } }, async (request) =>
    listRoute(deps.config.publicUrl, request, 'users', (odata) => listUsers(deps.db, odata)),
  );

  app.post(
    '/v1.0/users',
    { config: { auth: WRITE }, schema: { tags, summary: 'Create user', body: CreateUserBody, response: { 201: User, ...errorResponses } } },
    async (request, reply) => {
      const { passwordProfile, ...rest } = request.body;
      const { '@odata.type': _type, ...input } = rest;
      const user = await createUser(dir, request.actor(), {
        ...input,
        ...(passwordProfile ? { password: passwordProfile.password, forceChangePasswordNextSignIn: passwordProfile.forceChangePasswordNextSignIn ?? true } : {}),
      });
      reply.status(201).header('location', `${deps.config.publicUrl}/v1.0/users/${user.id}`);
      return { '@odata.context': contextUrl(deps.config.publicUrl, 'users/$entity'), ...user };
    },
  );

  app.get(
    '/v1.0/users/:id',
    {
      config: { auth: READ },
      schema: { tags, summary: 'Get user by id or userPrincipalName', params: IdParam, querystring: Type.Object({ $select: Type.Optional(Type.String()) }), response: { 200: User, ...errorResponses } },
    },
    async (request) => {
      const select = parseEntitySelect(request.query.$select, userSelectable);
      const row = await getUserRow(deps.db, request.params.id);
      const user = toGraphUser(row, { signInActivity: select?.includes('signInActivity') ?? false });
      return { '@odata.context': contextUrl(deps.config.publicUrl, 'users/$entity'), ...project(user, select) };
    },
  );

  app.patch(
    '/v1.0/users/:id',
    { config: { auth: WRITE }, schema: { tags, summary: 'Update user', params: IdParam, body: UpdateUserBody, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { '@odata.type': _ignored, ...patch } = request.body;
      await updateUser(dir, request.actor(), request.params.id, patch, manage(request));
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/v1.0/users/:id',
    { config: { auth: WRITE }, schema: { tags, summary: 'Delete user', params: IdParam, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await deleteUser(dir, request.actor(), request.params.id, manage(request));
      return reply.status(204).send(null);
    },
  );

  for (const transitive of [false, true]) {
    const segment = transitive ? 'transitiveMemberOf' : 'memberOf';
    app.get(
      `/v1.0/users/:id/${segment}`,
      { config: { auth: READ }, schema: { tags, summary: transitive ? 'Groups the user is a direct or nested member of' : 'Groups the user is a direct member of', params: IdParam, response: { 200: collectionOf(Type.Union([User, Group])), ...errorResponses } } },
      async (request) => {
        const user = await getUserRow(deps.db, request.params.id);
        return { '@odata.context': contextUrl(deps.config.publicUrl, 'directoryObjects'), value: await listMemberOf(deps.db, user.id, { transitive }) };
      },
    );
  }

  app.post(
    '/v1.0/users/:id/revokeSignInSessions',
    { config: { auth: WRITE }, schema: { tags, summary: 'Revoke all sign-in sessions and refresh tokens', params: IdParam, response: { 200: Type.Object({ value: Type.Boolean() }), ...errorResponses } } },
    async (request) => {
      await revokeSignInSessions(dir, request.actor(), request.params.id, manage(request));
      return { value: true };
    },
  );

  app.get(
    '/v1.0/users/:id/sponsors',
    { config: { auth: READ }, schema: { tags, summary: "The user's sponsors", params: IdParam, response: { 200: collectionOf(User), ...errorResponses } } },
    async (request) => ({ '@odata.context': contextUrl(deps.config.publicUrl, 'directoryObjects'), value: await listSponsors(deps.db, request.params.id) }),
  );
  app.post(
    '/v1.0/users/:id/sponsors/$ref',
    { config: { auth: WRITE }, schema: { tags, summary: 'Add a sponsor', params: IdParam, body: RefBody, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await addSponsor(dir, request.actor(), request.params.id, refId(request.body['@odata.id']));
      return reply.status(204).send(null);
    },
  );
  app.delete(
    '/v1.0/users/:id/sponsors/:refId/$ref',
    { config: { auth: WRITE }, schema: { tags, summary: 'Remove a sponsor', params: IdRefParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await removeSponsor(dir, request.actor(), request.params.id, refId(request.params.refId));
      return reply.status(204).send(null);
    },
  );
}
