import { Type } from 'typebox';
import {
  addMember,
  addOwner,
  createGroup,
  deleteGroup,
  getGroupRow,
  groupSelectable,
  listGroups,
  listMemberOf,
  listMembers,
  listOwners,
  removeMember,
  removeOwner,
  toGraphGroup,
  updateGroup,
} from '#src/directory/index.ts';
import type { App, HttpDeps } from '../types.ts';
import { contextUrl, parseEntitySelect, project, refId } from '../respond.ts';
import { collectionOf, errorResponses, IdParam, IdRefParams, RefBody } from '../schemas/common.ts';
import { CreateGroupBody, Group, UpdateGroupBody } from '../schemas/groups.ts';
import { User } from '../schemas/users.ts';
import { listRoute } from '../collection.ts';

const READ = { anyOf: ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All'] };
const WRITE = { anyOf: ['Group.ReadWrite.All'] };
const tags = ['groups'];
const DirectoryObject = Type.Union([User, Group]);

export function groupRoutes(app: App, deps: HttpDeps): void {
  const dir = { db: deps.db, clock: deps.clock };

  app.get('/v1.0/groups', { config: { auth: READ }, schema: { tags, summary: 'List groups', response: { 200: collectionOf(Group), ...errorResponses } } }, async (request) =>
    listRoute(deps.config.publicUrl, request, 'groups', (odata) => listGroups(deps.db, odata)),
  );

  app.post(
    '/v1.0/groups',
    { config: { auth: WRITE }, schema: { tags, summary: 'Create a security group', body: CreateGroupBody, response: { 201: Group, ...errorResponses } } },
    async (request, reply) => {
      const body = request.body;
      const group = await createGroup(dir, request.actor(), {
        displayName: body.displayName,
        mailNickname: body.mailNickname,
        mailEnabled: body.mailEnabled,
        securityEnabled: body.securityEnabled,
        description: body.description ?? null,
        groupTypes: body.groupTypes ?? [],
        ownerIds: (body['owners@odata.bind'] ?? []).map(refId),
        memberIds: (body['members@odata.bind'] ?? []).map(refId),
      });
      reply.status(201).header('location', `${deps.config.publicUrl}/v1.0/groups/${group.id}`);
      return { '@odata.context': contextUrl(deps.config.publicUrl, 'groups/$entity'), ...group };
    },
  );

  app.get(
    '/v1.0/groups/:id',
    { config: { auth: READ }, schema: { tags, summary: 'Get group', params: IdParam, querystring: Type.Object({ $select: Type.Optional(Type.String()) }), response: { 200: Group, ...errorResponses } } },
    async (request) => {
      const select = parseEntitySelect(request.query.$select, groupSelectable);
      const group = toGraphGroup(await getGroupRow(deps.db, request.params.id));
      return { '@odata.context': contextUrl(deps.config.publicUrl, 'groups/$entity'), ...project(group, select) };
    },
  );

  app.patch(
    '/v1.0/groups/:id',
    { config: { auth: WRITE }, schema: { tags, summary: 'Update group', params: IdParam, body: UpdateGroupBody, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { '@odata.type': _ignored, ...patch } = request.body;
      await updateGroup(dir, request.actor(), request.params.id, patch);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/v1.0/groups/:id',
    { config: { auth: WRITE }, schema: { tags, summary: 'Delete group', params: IdParam, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await deleteGroup(dir, request.actor(), request.params.id);
      return reply.status(204).send(null);
    },
  );

  const lists = [
    ['members', 'Direct members', (id: string) => listMembers(deps.db, id)],
    ['transitiveMembers', 'Direct and nested members', (id: string) => listMembers(deps.db, id, { transitive: true })],
    ['owners', 'Owners', (id: string) => listOwners(deps.db, id)],
    ['memberOf', 'Groups this group is a direct member of', async (id: string) => listMemberOf(deps.db, (await getGroupRow(deps.db, id)).id)],
    ['transitiveMemberOf', 'Groups this group is a direct or nested member of', async (id: string) => listMemberOf(deps.db, (await getGroupRow(deps.db, id)).id, { transitive: true })],
  ] as const;
  for (const [segment, summary, list] of lists) {
    app.get(
      `/v1.0/groups/:id/${segment}`,
      { config: { auth: READ }, schema: { tags, summary, params: IdParam, response: { 200: collectionOf(DirectoryObject), ...errorResponses } } },
      async (request) => ({ '@odata.context': contextUrl(deps.config.publicUrl, 'directoryObjects'), value: await list(request.params.id) }),
    );
  }

  const refs = [
    ['members', addMember, removeMember],
    ['owners', addOwner, removeOwner],
  ] as const;
  for (const [segment, add, remove] of refs) {
    app.post(
      `/v1.0/groups/:id/${segment}/$ref`,
      { config: { auth: WRITE }, schema: { tags, summary: `Add to ${segment}`, params: IdParam, body: RefBody, response: { 204: Type.Null(), ...errorResponses } } },
      async (request, reply) => {
        await add(dir, request.actor(), request.params.id, refId(request.body['@odata.id']));
        return reply.status(204).send(null);
      },
    );
    app.delete(
      `/v1.0/groups/:id/${segment}/:refId/$ref`,
      { config: { auth: WRITE }, schema: { tags, summary: `Remove from ${segment}`, params: IdRefParams, response: { 204: Type.Null(), ...errorResponses } } },
      async (request, reply) => {
        await remove(dir, request.actor(), request.params.id, refId(request.params.refId));
        return reply.status(204).send(null);
      },
    );
  }
}
