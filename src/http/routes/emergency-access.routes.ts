import { Type } from 'typebox';
import {
  acknowledgeEmergencyAccessAlert,
  addEmergencyAccessAccount,
  getEmergencyAccessSettings,
  listEmergencyAccessAccounts,
  listEmergencyAccessAlerts,
  removeEmergencyAccessAccount,
  updateEmergencyAccessAccount,
  updateEmergencyAccessSettings,
} from '#src/auth/index.ts';
import { badRequest, forbidden } from '#src/core/errors.ts';
import type { App, RouteDeps } from '../types.ts';
import { contextUrl } from '../respond.ts';
import { collectionOf, errorResponses, IdParam, Nullable } from '../schemas/common.ts';

const READ = { anyOf: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess'] };
const WRITE = { anyOf: ['Policy.ReadWrite.ConditionalAccess'] };
const tags = ['emergencyAccess'];
const BASE = '/v1.0/privilegedAccess/emergencyAccess';

const Account = Type.Object({
  id: Type.String({ description: 'The user id' }),
  displayName: Type.String(),
  userPrincipalName: Type.String(),
  excludeFromConditionalAccess: Type.Boolean(),
  createdDateTime: Type.String(),
  lastSignInDateTime: Nullable(Type.String()),
  validationDue: Type.Boolean(),
});
const Settings = Type.Object({ webhookUrl: Nullable(Type.String()), hasWebhookSecret: Type.Boolean(), notifyEmails: Type.Array(Type.String()) });
const Alert = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  userId: Nullable(Type.String()),
  userPrincipalName: Type.String(),
  createdDateTime: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  webhookState: Type.String(),
  webhookError: Nullable(Type.String()),
  acknowledgedDateTime: Nullable(Type.String()),
  acknowledgedBy: Nullable(Type.String()),
});

/**
 * Emergency-access (break-glass) accounts, where their alerts go, and the alerts themselves (the admin portal
 * shows open ones as a banner). Gatehouse resources under /v1.0/privilegedAccess, in Graph's conventions.
 */
export function emergencyAccessRoutes(app: App, deps: RouteDeps): void {
  const base = deps.config.publicUrl;
  const dir = { db: deps.db, clock: deps.clock };

  app.get(`${BASE}/accounts`, { config: { auth: READ }, schema: { tags, summary: 'Emergency-access accounts', response: { 200: collectionOf(Account), ...errorResponses } } }, async () => ({
    '@odata.context': contextUrl(base, 'privilegedAccess/emergencyAccess/accounts'),
    value: await listEmergencyAccessAccounts(dir),
  }));
  app.post(
    `${BASE}/accounts`,
    {
      config: { auth: WRITE },
      schema: {
        tags,
        summary: 'Mark a cloud-only member account as an emergency-access account',
        body: Type.Object({ userId: Type.String({ format: 'uuid' }), excludeFromConditionalAccess: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 201: Account, ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.status(201);
      return addEmergencyAccessAccount(dir, request.actor(), request.body);
    },
  );
  app.patch(
    `${BASE}/accounts/:id`,
    {
      config: { auth: WRITE },
      schema: { tags, summary: 'Change whether the account is left out of Conditional Access', params: IdParam, body: Type.Object({ excludeFromConditionalAccess: Type.Boolean() }, { additionalProperties: false }), response: { 200: Account, ...errorResponses } },
    },
    async (request) => updateEmergencyAccessAccount(dir, request.actor(), request.params.id, request.body),
  );
  app.delete(`${BASE}/accounts/:id`, { config: { auth: WRITE }, schema: { tags, summary: 'Stop treating the account as emergency access', params: IdParam, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await removeEmergencyAccessAccount(dir, request.actor(), request.params.id);
    return reply.status(204).send(null);
  });

  app.get(`${BASE}/settings`, { config: { auth: READ }, schema: { tags, summary: 'Where emergency-access alerts go', response: { 200: Settings, ...errorResponses } } }, async () => getEmergencyAccessSettings(deps.db));
  app.patch(
    `${BASE}/settings`,
    {
      config: { auth: WRITE },
      schema: {
        tags,
        summary: 'Set the alert webhook (URL and HMAC secret, write-only) and mail recipients',
        body: Type.Object(
          {
            webhookUrl: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
            webhookSecret: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
            notifyEmails: Type.Optional(Type.Array(Type.String({ maxLength: 254 }), { maxItems: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Settings, ...errorResponses },
      },
    },
    async (request) => updateEmergencyAccessSettings({ ...dir, masterKey: deps.masterKey }, request.actor(), request.body),
  );

  app.get(
    `${BASE}/alerts`,
    {
      config: { auth: READ },
      schema: {
        tags,
        summary: 'Emergency-access alerts, newest first ($filter=acknowledgedDateTime eq null for open ones)',
        querystring: Type.Object({ $filter: Type.Optional(Type.String({ maxLength: 200 })), $top: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: '1 to 999' })) }),
        response: { 200: collectionOf(Alert), ...errorResponses },
      },
    },
    async (request) => {
      const filter = request.query.$filter?.trim();
      if (filter && filter !== 'acknowledgedDateTime eq null') throw badRequest(`$filter '${filter}' is not supported here; use acknowledgedDateTime eq null`);
      return {
        '@odata.context': contextUrl(base, 'privilegedAccess/emergencyAccess/alerts'),
        value: await listEmergencyAccessAlerts(deps.db, { open: filter === 'acknowledgedDateTime eq null', ...(request.query.$top ? { top: Number(request.query.$top) } : {}) }),
      };
    },
  );
  app.post(`${BASE}/alerts/:id/acknowledge`, { config: { auth: WRITE }, schema: { tags, summary: 'Acknowledge an alert (it leaves the banner)', params: IdParam, response: { 200: Alert, ...errorResponses } } }, async (request) => {
    const actor = request.actor();
    if (actor.kind !== 'user') throw forbidden('An alert is acknowledged by a person: sign in as a user.');
    return acknowledgeEmergencyAccessAlert(dir, actor, request.params.id);
  });
}
