import { Type } from 'typebox';
import {
  createIdentityProvider,
  deleteIdentityProvider,
  getIdentityProviderRow,
  listIdentityProviders,
  toGraphIdentityProvider,
  updateIdentityProvider,
  type IdentityProviderDeps,
} from '#src/auth/index.ts';
import {
  addOrganizationSponsor,
  createConnectedOrganization,
  createCrossTenantPartner,
  deleteConnectedOrganization,
  deleteCrossTenantPartner,
  getConnectedOrganization,
  getCrossTenantDefault,
  getCrossTenantPartner,
  listConnectedOrganizations,
  listCrossTenantPartners,
  listOrganizationSponsors,
  removeOrganizationSponsor,
  resetCrossTenantDefault,
  updateConnectedOrganization,
  updateCrossTenantDefault,
  updateCrossTenantPartner,
  type SponsorKind,
} from '#src/directory/index.ts';
import type { App, RouteDeps } from '../types.ts';
import { contextUrl, refId } from '../respond.ts';
import { listRoute } from '../collection.ts';
import { collectionOf, errorResponses, IdParam, IdRefParams, Nullable, ODataQuerystring, ODataType, RefBody } from '../schemas/common.ts';
import { User } from '../schemas/users.ts';

const IDP_READ = { anyOf: ['IdentityProvider.ReadWrite.All', 'Policy.Read.All'] };
const IDP_WRITE = { anyOf: ['IdentityProvider.ReadWrite.All'] };
const ORG_READ = { anyOf: ['EntitlementManagement.Read.All', 'EntitlementManagement.ReadWrite.All'] };
const ORG_WRITE = { anyOf: ['EntitlementManagement.ReadWrite.All'] };
const XT_READ = { anyOf: ['Policy.Read.All', 'Policy.ReadWrite.CrossTenantAccess'] };
const XT_WRITE = { anyOf: ['Policy.ReadWrite.CrossTenantAccess'] };

const IdentityProviderBody = Type.Object(
  {
    '@odata.type': ODataType,
    displayName: Type.Optional(Type.String({ maxLength: 256 })),
    isEnabled: Type.Optional(Type.Boolean()),
    tenantId: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
    domains: Type.Optional(Type.Array(Type.Union([Type.String({ maxLength: 253 }), Type.Object({ id: Type.String({ maxLength: 253 }) })]), { maxItems: 200 })),
    issuer: Type.Optional(Type.String({ maxLength: 2048 })),
    clientId: Type.Optional(Type.String({ maxLength: 512 })),
    clientSecret: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
    scope: Type.Optional(Type.String({ maxLength: 1000 })),
    claimsMapping: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 200 }))),
    issuerUri: Type.Optional(Type.String({ maxLength: 2048 })),
    passiveSignInUri: Type.Optional(Type.String({ maxLength: 2048 })),
    metadataExchangeUri: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
    metadataXml: Type.Optional(Type.String({ maxLength: 1_000_000, description: 'Gatehouse extension: the IdP metadata document; fills issuerUri, passiveSignInUri and signingCertificate' })),
    signingCertificate: Type.Optional(Type.String({ maxLength: 20_000 })),
    preferredAuthenticationProtocol: Type.Optional(Type.Literal('saml')),
  },
  { additionalProperties: false },
);
const IdentityProvider = Type.Object({ id: Type.String(), '@odata.type': Type.String(), displayName: Type.String() }, { additionalProperties: true });

const Sources = Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 50 });
const OrgCreate = Type.Object(
  { '@odata.type': ODataType, displayName: Type.String({ minLength: 1, maxLength: 256 }), description: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))), identitySources: Sources, state: Type.Optional(Type.Union([Type.Literal('configured'), Type.Literal('proposed')])) },
  { additionalProperties: false },
);
const OrgPatch = Type.Partial(OrgCreate, { additionalProperties: false });
const Organization = Type.Object({ id: Type.String(), displayName: Type.String(), state: Type.String() }, { additionalProperties: true });

const B2BSetting = Type.Union([Type.Null(), Type.Object({ '@odata.type': ODataType, usersAndGroups: Type.Optional(Type.Unknown()), applications: Type.Optional(Type.Unknown()) }, { additionalProperties: false })]);
const crossTenantProperties = {
  '@odata.type': ODataType,
  b2bCollaborationInbound: Type.Optional(B2BSetting),
  b2bCollaborationOutbound: Type.Optional(B2BSetting),
  b2bDirectConnectInbound: Type.Optional(B2BSetting),
  b2bDirectConnectOutbound: Type.Optional(B2BSetting),
  inboundTrust: Type.Optional(Nullable(Type.Object({ '@odata.type': ODataType, isMfaAccepted: Type.Optional(Nullable(Type.Boolean())), isCompliantDeviceAccepted: Type.Optional(Nullable(Type.Boolean())), isHybridAzureADJoinedDeviceAccepted: Type.Optional(Nullable(Type.Boolean())) }, { additionalProperties: false }))),
  automaticUserConsentSettings: Type.Optional(Nullable(Type.Object({ '@odata.type': ODataType, inboundAllowed: Type.Optional(Nullable(Type.Boolean())), outboundAllowed: Type.Optional(Nullable(Type.Boolean())) }, { additionalProperties: false }))),
};
const DefaultPatch = Type.Object({ ...crossTenantProperties, invitationRedemptionIdentityProviderConfiguration: Type.Optional(Type.Unknown()) }, { additionalProperties: false });
const PartnerBody = Type.Object({ ...crossTenantProperties, tenantId: Type.Optional(Type.String({ maxLength: 2048 })), isServiceProvider: Type.Optional(Nullable(Type.Boolean())), identitySynchronization: Type.Optional(Type.Unknown()) }, { additionalProperties: false });
const CrossTenant = Type.Object({}, { additionalProperties: true });
const PartnerParam = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 2048 }) });
const strip = <T extends Record<string, unknown>>(body: T) => {
  const { '@odata.type': _t, invitationRedemptionIdentityProviderConfiguration: _i, identitySynchronization: _s, ...rest } = body as Record<string, unknown>;
  return rest;
};

/** Partner identity providers, partner organizations (connectedOrganization) and cross-tenant access settings. */
export function partnerRoutes(app: App, deps: RouteDeps): void {
  const development = deps.config.environment === 'development';
  const idp: IdentityProviderDeps = { db: deps.db, clock: deps.clock, masterKey: deps.masterKey, allowLoopbackHttp: development, allowInternal: development || deps.config.identityProviderPrivateNetworks };
  const dir = { db: deps.db, clock: deps.clock };
  const base = deps.config.publicUrl;

  app.get('/v1.0/identity/identityProviders', { config: { auth: IDP_READ }, schema: { tags: ['identityProviders'], summary: 'Partner identity providers', response: { 200: collectionOf(IdentityProvider), ...errorResponses } } }, async () => ({
    '@odata.context': contextUrl(base, 'identity/identityProviders'),
    value: await listIdentityProviders(deps.db),
  }));
  app.post('/v1.0/identity/identityProviders', { config: { auth: IDP_WRITE }, schema: { tags: ['identityProviders'], summary: 'Add a partner OIDC provider or SAML IdP', body: IdentityProviderBody, response: { 201: IdentityProvider, ...errorResponses } } }, async (request, reply) => {
    reply.status(201);
    return createIdentityProvider(idp, request.actor(), request.body);
  });
  app.get('/v1.0/identity/identityProviders/:id', { config: { auth: IDP_READ }, schema: { tags: ['identityProviders'], summary: 'A partner identity provider', params: IdParam, response: { 200: IdentityProvider, ...errorResponses } } }, async (request) =>
    toGraphIdentityProvider(await getIdentityProviderRow(deps.db, request.params.id)),
  );
  app.patch('/v1.0/identity/identityProviders/:id', { config: { auth: IDP_WRITE }, schema: { tags: ['identityProviders'], summary: 'Change a partner identity provider', params: IdParam, body: IdentityProviderBody, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await updateIdentityProvider(idp, request.actor(), request.params.id, request.body);
    return reply.status(204).send(null);
  });
  app.delete('/v1.0/identity/identityProviders/:id', { config: { auth: IDP_WRITE }, schema: { tags: ['identityProviders'], summary: 'Delete a partner identity provider', params: IdParam, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await deleteIdentityProvider(idp, request.actor(), request.params.id);
    return reply.status(204).send(null);
  });

  const ORGS = '/v1.0/identityGovernance/entitlementManagement/connectedOrganizations';
  app.get(ORGS, { config: { auth: ORG_READ }, schema: { tags: ['connectedOrganizations'], summary: 'Partner organizations', querystring: ODataQuerystring, response: { 200: collectionOf(Type.Partial(Organization, { additionalProperties: true })), ...errorResponses } } }, async (request) =>
    listRoute(base, request, 'identityGovernance/entitlementManagement/connectedOrganizations', (odata) => listConnectedOrganizations(deps.db, odata)),
  );
  app.post(ORGS, { config: { auth: ORG_WRITE }, schema: { tags: ['connectedOrganizations'], summary: 'Create a partner organization', body: OrgCreate, response: { 201: Organization, ...errorResponses } } }, async (request, reply) => {
    const { '@odata.type': _t, ...input } = request.body;
    reply.status(201);
    return createConnectedOrganization(dir, request.actor(), input);
  });
  app.get(`${ORGS}/:id`, { config: { auth: ORG_READ }, schema: { tags: ['connectedOrganizations'], summary: 'A partner organization', params: IdParam, response: { 200: Organization, ...errorResponses } } }, async (request) => getConnectedOrganization(deps.db, request.params.id));
  app.patch(`${ORGS}/:id`, { config: { auth: ORG_WRITE }, schema: { tags: ['connectedOrganizations'], summary: 'Change a partner organization', params: IdParam, body: OrgPatch, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    const { '@odata.type': _t, ...patch } = request.body;
    await updateConnectedOrganization(dir, request.actor(), request.params.id, patch);
    return reply.status(204).send(null);
  });
  app.delete(`${ORGS}/:id`, { config: { auth: ORG_WRITE }, schema: { tags: ['connectedOrganizations'], summary: 'Delete a partner organization', params: IdParam, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await deleteConnectedOrganization(dir, request.actor(), request.params.id);
    return reply.status(204).send(null);
  });
  for (const kind of ['internal', 'external'] as SponsorKind[]) {
    const segment = `${kind}Sponsors`;
    app.get(`${ORGS}/:id/${segment}`, { config: { auth: ORG_READ }, schema: { tags: ['connectedOrganizations'], summary: `The ${kind} sponsors`, params: IdParam, response: { 200: collectionOf(User), ...errorResponses } } }, async (request) => ({
      '@odata.context': contextUrl(base, 'directoryObjects'),
      value: await listOrganizationSponsors(deps.db, request.params.id, kind),
    }));
    app.post(`${ORGS}/:id/${segment}/$ref`, { config: { auth: ORG_WRITE }, schema: { tags: ['connectedOrganizations'], summary: `Add an ${kind} sponsor`, params: IdParam, body: RefBody, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
      await addOrganizationSponsor(dir, request.actor(), request.params.id, kind, refId(request.body['@odata.id']));
      return reply.status(204).send(null);
    });
    app.delete(`${ORGS}/:id/${segment}/:refId/$ref`, { config: { auth: ORG_WRITE }, schema: { tags: ['connectedOrganizations'], summary: `Remove an ${kind} sponsor`, params: IdRefParams, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
      await removeOrganizationSponsor(dir, request.actor(), request.params.id, kind, refId(request.params.refId));
      return reply.status(204).send(null);
    });
  }

  const XT = '/v1.0/policies/crossTenantAccessPolicy';
  app.get(`${XT}/default`, { config: { auth: XT_READ }, schema: { tags: ['crossTenantAccess'], summary: 'Default cross-tenant access settings', response: { 200: CrossTenant, ...errorResponses } } }, async () => ({
    '@odata.context': contextUrl(base, 'policies/crossTenantAccessPolicy/default/$entity'),
    ...(await getCrossTenantDefault(deps.db)),
  }));
  app.patch(`${XT}/default`, { config: { auth: XT_WRITE }, schema: { tags: ['crossTenantAccess'], summary: 'Change the default cross-tenant access settings', body: DefaultPatch, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await updateCrossTenantDefault(dir, request.actor(), strip(request.body));
    return reply.status(204).send(null);
  });
  app.post(`${XT}/default/resetToSystemDefault`, { config: { auth: XT_WRITE }, schema: { tags: ['crossTenantAccess'], summary: 'Reset the default settings to the service defaults', response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await resetCrossTenantDefault(dir, request.actor());
    return reply.status(204).send(null);
  });
  app.get(`${XT}/partners`, { config: { auth: XT_READ }, schema: { tags: ['crossTenantAccess'], summary: 'Partner-specific settings', response: { 200: collectionOf(CrossTenant), ...errorResponses } } }, async () => ({
    '@odata.context': contextUrl(base, 'policies/crossTenantAccessPolicy/partners'),
    value: await listCrossTenantPartners(deps.db),
  }));
  app.post(`${XT}/partners`, { config: { auth: XT_WRITE }, schema: { tags: ['crossTenantAccess'], summary: 'Add settings for a partner (tenant id or identity provider issuer)', body: PartnerBody, response: { 201: CrossTenant, ...errorResponses } } }, async (request, reply) => {
    reply.status(201);
    return createCrossTenantPartner(dir, request.actor(), strip(request.body));
  });
  app.get(`${XT}/partners/:tenantId`, { config: { auth: XT_READ }, schema: { tags: ['crossTenantAccess'], summary: "A partner's settings", params: PartnerParam, response: { 200: CrossTenant, ...errorResponses } } }, async (request) => getCrossTenantPartner(deps.db, request.params.tenantId));
  app.patch(`${XT}/partners/:tenantId`, { config: { auth: XT_WRITE }, schema: { tags: ['crossTenantAccess'], summary: "Change a partner's settings", params: PartnerParam, body: PartnerBody, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await updateCrossTenantPartner(dir, request.actor(), request.params.tenantId, strip(request.body));
    return reply.status(204).send(null);
  });
  app.delete(`${XT}/partners/:tenantId`, { config: { auth: XT_WRITE }, schema: { tags: ['crossTenantAccess'], summary: "Remove a partner's settings (the default applies again)", params: PartnerParam, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await deleteCrossTenantPartner(dir, request.actor(), request.params.tenantId);
    return reply.status(204).send(null);
  });
}
