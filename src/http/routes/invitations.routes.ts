import { Type } from 'typebox';
import {
  createInvitation,
  getExternalCollaboration,
  getInvitation,
  listInvitations,
  updateExternalCollaboration,
  type ExternalCollaborationSettings as Settings,
} from '#src/directory/index.ts';
import { listOutbox } from '#src/mail/index.ts';
import type { App, RouteDeps } from '../types.ts';
import { contextUrl } from '../respond.ts';
import { collectionOf, errorResponses, IdParam, ODataQuerystring } from '../schemas/common.ts';
import {
  AuthorizationPolicy,
  AuthorizationPolicyPatch,
  CreateInvitationBody,
  ExternalCollaborationPatch,
  ExternalCollaborationSettings,
  ExternalIdentitiesPolicy,
  ExternalIdentitiesPolicyPatch,
  Invitation,
  ListedInvitation,
  OutboxMessage,
} from '../schemas/invitations.ts';
import { listRoute } from '../collection.ts';

const INVITE_READ = { anyOf: ['User.Invite.All', 'User.Read.All', 'Directory.Read.All'] };
const POLICY_READ = { anyOf: ['Policy.Read.All', 'Policy.ReadWrite.Authorization'] };
const POLICY_WRITE = { anyOf: ['Policy.ReadWrite.Authorization'] };
const OUTBOX_READ = { anyOf: ['User.Invite.All', 'Directory.Read.All'] };
const tags = ['invitations'];

/** Graph's authorizationPolicy singleton, over the external collaboration settings. */
const authorizationPolicy = (s: Settings) => ({
  id: 'authorizationPolicy',
  displayName: 'Authorization Policy',
  description: 'Used to manage authorization related settings across the company.',
  allowInvitesFrom: s.allowInvitesFrom,
  guestUserRoleId: s.guestUserRoleId,
});
const externalIdentitiesPolicy = (s: Settings) => ({
  id: 'externalIdentitiesPolicy',
  displayName: 'External Identities Policy',
  allowExternalIdentitiesToLeave: s.allowExternalIdentitiesToLeave,
  allowDeletedIdentitiesDataRemoval: false,
});

export function invitationRoutes(app: App, deps: RouteDeps): void {
  const dir = { db: deps.db, clock: deps.clock, publicUrl: deps.config.publicUrl, masterKey: deps.masterKey };

  app.post(
    '/v1.0/invitations',
    // Anyone signed in may try: the invite policy (allowInvitesFrom) decides, in the service.
    { config: { auth: 'signedIn' }, schema: { tags, summary: 'Invite an external user', body: CreateInvitationBody, response: { 201: Invitation, ...errorResponses } } },
    async (request, reply) => {
      const { '@odata.type': _type, ...input } = request.body;
      const principal = request.principal;
      const { invitation, mailIds } = await createInvitation(dir, { actor: request.actor(), permissions: principal?.permissions ?? new Set() }, input);
      deps.deliverMail(mailIds);
      reply.status(201);
      return { '@odata.context': contextUrl(deps.config.publicUrl, 'invitations/$entity'), ...invitation };
    },
  );
  app.get(
    '/v1.0/invitations',
    { config: { auth: INVITE_READ }, schema: { tags, summary: 'List invitations (Gatehouse extension)', querystring: ODataQuerystring, response: { 200: collectionOf(Type.Partial(ListedInvitation)), ...errorResponses } } },
    async (request) => listRoute(deps.config.publicUrl, request, 'invitations', (odata) => listInvitations(deps.db, odata)),
  );
  app.get(
    '/v1.0/invitations/:id',
    { config: { auth: INVITE_READ }, schema: { tags, summary: 'Get an invitation (Gatehouse extension)', params: IdParam, response: { 200: ListedInvitation, ...errorResponses } } },
    async (request) => getInvitation(deps.db, request.params.id),
  );

  app.get(
    '/v1.0/policies/authorizationPolicy',
    { config: { auth: POLICY_READ }, schema: { tags: ['policies'], summary: 'The invite policy and guest user role', response: { 200: AuthorizationPolicy, ...errorResponses } } },
    async () => ({ '@odata.context': contextUrl(deps.config.publicUrl, 'policies/authorizationPolicy/$entity'), ...authorizationPolicy(await getExternalCollaboration(deps.db)) }),
  );
  app.patch(
    '/v1.0/policies/authorizationPolicy',
    { config: { auth: POLICY_WRITE }, schema: { tags: ['policies'], summary: 'Change who may invite guests and the guest user role', body: AuthorizationPolicyPatch, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { '@odata.type': _type, ...patch } = request.body;
      await updateExternalCollaboration(deps, request.actor(), patch);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/v1.0/policies/externalIdentitiesPolicy',
    { config: { auth: POLICY_READ }, schema: { tags: ['policies'], summary: 'Whether guests may leave the organization', response: { 200: ExternalIdentitiesPolicy, ...errorResponses } } },
    async () => ({ '@odata.context': contextUrl(deps.config.publicUrl, 'policies/externalIdentitiesPolicy/$entity'), ...externalIdentitiesPolicy(await getExternalCollaboration(deps.db)) }),
  );
  app.patch(
    '/v1.0/policies/externalIdentitiesPolicy',
    { config: { auth: POLICY_WRITE }, schema: { tags: ['policies'], summary: 'Allow or forbid guests to leave the organization', body: ExternalIdentitiesPolicyPatch, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { '@odata.type': _type, ...patch } = request.body;
      await updateExternalCollaboration(deps, request.actor(), patch);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/v1.0/policies/externalCollaborationSettings',
    { config: { auth: POLICY_READ }, schema: { tags: ['policies'], summary: 'All external collaboration settings (Gatehouse extension)', response: { 200: ExternalCollaborationSettings, ...errorResponses } } },
    async () => getExternalCollaboration(deps.db),
  );
  app.patch(
    '/v1.0/policies/externalCollaborationSettings',
    { config: { auth: POLICY_WRITE }, schema: { tags: ['policies'], summary: 'Change external collaboration settings (Gatehouse extension)', body: ExternalCollaborationPatch, response: { 200: ExternalCollaborationSettings, ...errorResponses } } },
    async (request) => {
      const { '@odata.type': _type, ...patch } = request.body;
      return updateExternalCollaboration(deps, request.actor(), patch);
    },
  );

  app.get(
    '/v1.0/admin/mailOutbox',
    { config: { auth: OUTBOX_READ }, schema: { tags: ['mail'], summary: 'Outgoing mail and its delivery status (Gatehouse extension)', querystring: ODataQuerystring, response: { 200: collectionOf(Type.Partial(OutboxMessage)), ...errorResponses } } },
    async (request) => listRoute(deps.config.publicUrl, request, 'mailOutbox', async (odata) => ({ ...(await listOutbox(deps.db, odata, deps.masterKey)), select: undefined })),
  );
}
