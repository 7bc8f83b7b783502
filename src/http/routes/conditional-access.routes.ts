import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import {
  createConditionalAccessPolicy,
  createNamedLocation,
  deleteConditionalAccessPolicy,
  deleteNamedLocation,
  evaluateWhatIf,
  getConditionalAccessPolicy,
  getNamedLocation,
  listConditionalAccessPolicies,
  listNamedLocations,
  updateConditionalAccessPolicy,
  updateNamedLocation,
} from '#src/auth/index.ts';
import { badRequest } from '#src/core/errors.ts';
import type { ODataQuery } from '#src/core/odata/index.ts';
import type { App, RouteDeps } from '../types.ts';
import { listRoute } from '../collection.ts';
import { contextUrl } from '../respond.ts';
import { collectionOf, errorResponses, IdParam, ODataQuerystring } from '../schemas/common.ts';

const READ = { anyOf: ['Policy.Read.All', 'Policy.Read.ConditionalAccess', 'Policy.ReadWrite.ConditionalAccess'] };
const WRITE = { anyOf: ['Policy.ReadWrite.ConditionalAccess'] };
const BASE = '/v1.0/identity/conditionalAccess';
const TAGS = ['conditionalAccess'];

/**
 * Bodies are checked in full by the pure validators (src/policy), which name every problem by its property path;
 * the schemas here only say the body is an object and document the properties.
 */
const PolicyBody = Type.Object(
  {
    displayName: Type.Optional(Type.Unknown({ description: 'Required on create, 1 to 256 characters' })),
    state: Type.Optional(Type.Unknown({ description: 'enabled | disabled | enabledForReportingButNotEnforced; new policies default to enabledForReportingButNotEnforced' })),
    conditions: Type.Optional(Type.Unknown({ description: 'conditionalAccessConditionSet: users, applications, clientAppTypes, platforms, locations, signInRiskLevels, userRiskLevels' })),
    grantControls: Type.Optional(Type.Unknown({ description: 'conditionalAccessGrantControls: operator, builtInControls, authenticationStrength, termsOfUse' })),
    sessionControls: Type.Optional(Type.Unknown({ description: 'conditionalAccessSessionControls: signInFrequency, persistentBrowser' })),
  },
  { additionalProperties: true, description: 'Graph conditionalAccessPolicy; a PATCH is merged into the stored policy' },
);
const Policy = Type.Object({ id: Type.String(), displayName: Type.String(), state: Type.String() }, { additionalProperties: true });
const NamedLocationBody = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Unknown({ description: '#microsoft.graph.ipNamedLocation or #microsoft.graph.countryNamedLocation (required on create)' })),
    displayName: Type.Optional(Type.Unknown()),
    isTrusted: Type.Optional(Type.Unknown()),
    ipRanges: Type.Optional(Type.Unknown({ description: 'iPv4CidrRange / iPv6CidrRange objects with cidrAddress' })),
    countriesAndRegions: Type.Optional(Type.Unknown({ description: 'ISO 3166-1 alpha-2 codes' })),
    includeUnknownCountriesAndRegions: Type.Optional(Type.Unknown()),
    countryLookupMethod: Type.Optional(Type.Unknown({ description: 'clientIpAddress' })),
  },
  { additionalProperties: true, description: 'Graph namedLocation (ipNamedLocation or countryNamedLocation)' },
);
const NamedLocation = Type.Object({ id: Type.String(), '@odata.type': Type.String(), displayName: Type.String() }, { additionalProperties: true });
const WhatIfBody = Type.Object(
  {
    signInIdentity: Type.Unknown({ description: '#microsoft.graph.userSignIn {userId}' }),
    signInContext: Type.Unknown({ description: '#microsoft.graph.applicationContext {includeApplications: [one application id]}' }),
    signInConditions: Type.Optional(Type.Unknown({ description: 'devicePlatform, clientAppType, signInRiskLevel, userRiskLevel, country, ipAddress, deviceInfo' })),
    appliedPoliciesOnly: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);
const WhatIfResponse = Type.Object(
  {
    '@odata.context': Type.String(),
    value: Type.Array(Type.Object({ id: Type.String(), policyApplies: Type.Boolean(), analysisReasons: Type.String() }, { additionalProperties: true })),
    '@gatehouse.decision': Type.Object({ outcome: Type.String(), required: Type.Array(Type.String()) }, { additionalProperties: true, description: 'Gatehouse extension: the final decision and, per policy, its result and why' }),
  },
);
const ConfirmQuery = Type.Object({ confirmLockoutRisk: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false });

/** `?confirmLockoutRisk=true` or the header `Gatehouse-Confirm-Lockout-Risk: true`. */
function confirmed(request: FastifyRequest): boolean {
  const query = (request.query as { confirmLockoutRisk?: string } | undefined)?.confirmLockoutRisk;
  const header = request.headers['gatehouse-confirm-lockout-risk'];
  return query === 'true' || (typeof header === 'string' && header.trim().toLowerCase() === 'true');
}

/** Lists select only properties their resource has. */
function checkSelect(odata: ODataQuery, properties: readonly string[]): ODataQuery {
  const unknown = odata.select?.find((name) => !properties.includes(name));
  if (unknown !== undefined) throw badRequest(`Invalid $select: property '${unknown}' does not exist on this resource`);
  return odata;
}
const POLICY_PROPERTIES = ['id', 'templateId', 'displayName', 'description', 'createdDateTime', 'modifiedDateTime', 'state', 'conditions', 'grantControls', 'sessionControls'];
const LOCATION_PROPERTIES = ['id', 'displayName', 'createdDateTime', 'modifiedDateTime', 'isTrusted', 'ipRanges', 'countriesAndRegions', 'includeUnknownCountriesAndRegions', 'countryLookupMethod'];

/** Conditional Access policies, named locations and what-if (Graph /identity/conditionalAccess). */
export function conditionalAccessRoutes(app: App, deps: RouteDeps): void {
  const ca = { db: deps.db, clock: deps.clock };
  const base = deps.config.publicUrl;

  app.get(`${BASE}/policies`, { config: { auth: READ }, schema: { tags: TAGS, summary: 'Conditional Access policies', querystring: ODataQuerystring, response: { 200: collectionOf(Type.Partial(Policy, { additionalProperties: true })), ...errorResponses } } }, async (request) =>
    listRoute(base, request, 'identity/conditionalAccess/policies', (odata) => listConditionalAccessPolicies(deps.db, checkSelect(odata, POLICY_PROPERTIES))),
  );
  app.post(`${BASE}/policies`, { config: { auth: WRITE }, schema: { tags: TAGS, summary: 'Create a Conditional Access policy (report-only unless state says otherwise)', querystring: ConfirmQuery, body: PolicyBody, response: { 201: Policy, ...errorResponses } } }, async (request, reply) => {
    const created = await createConditionalAccessPolicy(ca, request.actor(), request.body, { confirmLockoutRisk: confirmed(request) });
    reply.status(201);
    return { '@odata.context': contextUrl(base, 'identity/conditionalAccess/policies/$entity'), ...created };
  });
  app.get(`${BASE}/policies/:id`, { config: { auth: READ }, schema: { tags: TAGS, summary: 'A Conditional Access policy', params: IdParam, response: { 200: Policy, ...errorResponses } } }, async (request) => ({
    '@odata.context': contextUrl(base, 'identity/conditionalAccess/policies/$entity'),
    ...(await getConditionalAccessPolicy(deps.db, request.params.id)),
  }));
  app.patch(`${BASE}/policies/:id`, { config: { auth: WRITE }, schema: { tags: TAGS, summary: 'Change a Conditional Access policy (merged into the stored one)', params: IdParam, querystring: ConfirmQuery, body: PolicyBody, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await updateConditionalAccessPolicy(ca, request.actor(), request.params.id, request.body, { confirmLockoutRisk: confirmed(request) });
    return reply.status(204).send(null);
  });
  app.delete(`${BASE}/policies/:id`, { config: { auth: WRITE }, schema: { tags: TAGS, summary: 'Delete a Conditional Access policy', params: IdParam, querystring: ConfirmQuery, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await deleteConditionalAccessPolicy(ca, request.actor(), request.params.id, { confirmLockoutRisk: confirmed(request) });
    return reply.status(204).send(null);
  });

  app.get(`${BASE}/namedLocations`, { config: { auth: READ }, schema: { tags: TAGS, summary: 'Named locations', querystring: ODataQuerystring, response: { 200: collectionOf(Type.Partial(NamedLocation, { additionalProperties: true })), ...errorResponses } } }, async (request) =>
    listRoute(base, request, 'identity/conditionalAccess/namedLocations', (odata) => listNamedLocations(deps.db, checkSelect(odata, LOCATION_PROPERTIES))),
  );
  app.post(`${BASE}/namedLocations`, { config: { auth: WRITE }, schema: { tags: TAGS, summary: 'Create a named location (IP ranges or countries)', body: NamedLocationBody, response: { 201: NamedLocation, ...errorResponses } } }, async (request, reply) => {
    const created = await createNamedLocation(ca, request.actor(), request.body);
    reply.status(201);
    return { '@odata.context': contextUrl(base, 'identity/conditionalAccess/namedLocations/$entity'), ...created };
  });
  app.get(`${BASE}/namedLocations/:id`, { config: { auth: READ }, schema: { tags: TAGS, summary: 'A named location', params: IdParam, response: { 200: NamedLocation, ...errorResponses } } }, async (request) => ({
    '@odata.context': contextUrl(base, 'identity/conditionalAccess/namedLocations/$entity'),
    ...(await getNamedLocation(deps.db, request.params.id)),
  }));
  app.patch(`${BASE}/namedLocations/:id`, { config: { auth: WRITE }, schema: { tags: TAGS, summary: 'Change a named location (@odata.type must stay the same)', params: IdParam, body: NamedLocationBody, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await updateNamedLocation(ca, request.actor(), request.params.id, request.body);
    return reply.status(204).send(null);
  });
  app.delete(`${BASE}/namedLocations/:id`, { config: { auth: WRITE }, schema: { tags: TAGS, summary: 'Delete a named location no policy uses', params: IdParam, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await deleteNamedLocation(ca, request.actor(), request.params.id);
    return reply.status(204).send(null);
  });

  app.post(`${BASE}/evaluate`, { config: { auth: READ }, schema: { tags: TAGS, summary: 'What-if: which policies would apply to a sign-in, and the final decision', body: WhatIfBody, response: { 200: WhatIfResponse, ...errorResponses } } }, async (request) => {
    const answer = await evaluateWhatIf({ db: deps.db }, request.body);
    return { '@odata.context': contextUrl(base, 'Collection(microsoft.graph.whatIfAnalysisResult)'), value: answer.value, '@gatehouse.decision': answer.decision };
  });
}
