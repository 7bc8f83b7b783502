import { sql, type Selectable } from 'kysely';
import { changedProperties } from '#src/core/diff.ts';
import { isUuid, newId } from '#src/core/crypto.ts';
import { AppError } from '#src/core/errors.ts';
import { seal, unseal } from '#src/core/seal.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import type { AuthDb, IdentityProviderTable } from './auth.tables.ts';
import { authError } from './auth.errors.ts';
import { parseSamlMetadata } from './saml-metadata.ts';
import { assertPublicUrl } from './outbound-url.ts';

/**
 * Partner identity providers: the OIDC providers and SAML IdPs that invitees and guests of the domains they serve
 * sign in with. Client secrets are sealed with the master key and never returned. Shapes follow Graph: an
 * `#microsoft.graph.openIdConnectIdentityProvider` (as in Graph beta) and a
 * `#microsoft.graph.samlOrWsFedExternalDomainFederation` (as in v1.0), both under /v1.0/identity/identityProviders.
 */
export type IdentityProviderRow = Selectable<IdentityProviderTable>;

export interface ClaimMapping {
  userId: string;
  email: string;
  displayName: string;
  groups: string;
  amr: string;
  /** A boolean claim saying the partner manages the device and found it compliant (default `device_compliant`). */
  deviceCompliant?: string;
}
export const defaultClaimMapping = (): ClaimMapping => ({ userId: 'sub', email: 'email', displayName: 'name', groups: 'groups', amr: 'amr' });

const OIDC_TYPE = '#microsoft.graph.openIdConnectIdentityProvider';
const SAML_TYPE = '#microsoft.graph.samlOrWsFedExternalDomainFederation';
const SECRET_CONTEXT = 'identity-provider-client-secret';
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export type GraphIdentityProvider =
  | {
      '@odata.type': typeof OIDC_TYPE;
      id: string;
      displayName: string;
      issuer: string;
      clientId: string;
      /** Write-only: reads show whether one is set, never the value. */
      clientSecret: string | null;
      scope: string;
      claimsMapping: ClaimMapping;
      domains: string[];
      tenantId: string | null;
      isEnabled: boolean;
    }
  | {
      '@odata.type': typeof SAML_TYPE;
      id: string;
      displayName: string;
      issuerUri: string;
      passiveSignInUri: string;
      metadataExchangeUri: string | null;
      signingCertificate: string;
      preferredAuthenticationProtocol: 'saml';
      domains: { id: string }[];
      tenantId: string | null;
      isEnabled: boolean;
    };

export function toGraphIdentityProvider(row: IdentityProviderRow): GraphIdentityProvider {
  if (row.kind === 'oidc') {
    return {
      '@odata.type': OIDC_TYPE,
      id: row.id,
      displayName: row.display_name,
      issuer: row.issuer,
      clientId: row.client_id ?? '',
      clientSecret: row.sealed_client_secret ? '******' : null,
      scope: row.scopes.join(' '),
      claimsMapping: { ...defaultClaimMapping(), ...(row.claim_mapping as Partial<ClaimMapping>) },
      domains: row.domains,
      tenantId: row.tenant_id,
      isEnabled: row.enabled,
    };
  }
  return {
    '@odata.type': SAML_TYPE,
    id: row.id,
    displayName: row.display_name,
    issuerUri: row.issuer,
    passiveSignInUri: row.saml_sso_url ?? '',
    metadataExchangeUri: row.saml_metadata_url,
    signingCertificate: row.saml_certificates[0] ?? '',
    preferredAuthenticationProtocol: 'saml',
    domains: row.domains.map((id) => ({ id })),
    tenantId: row.tenant_id,
    isEnabled: row.enabled,
  };
}

const invalid = (message: string): AppError => new AppError('INVALID_VALUE', 400, message);

function httpsUrl(property: string, value: unknown, allowLoopbackHttp: boolean): string {
  if (typeof value !== 'string' || value.length > 2048) throw invalid(`${property} must be a URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${property} '${value}' is not an absolute URL`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback && allowLoopbackHttp)) throw invalid(`${property} must be an https:// URL`);
  if (url.hash || url.username || url.password) throw invalid(`${property} must not contain a fragment or credentials`);
  return value;
}

function domainsOf(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length > 200) throw invalid('domains must be a list of at most 200 domain names');
  const out = new Set<string>();
  for (const item of raw) {
    const value = typeof item === 'string' ? item : (item as { id?: unknown })?.id;
    const domain = typeof value === 'string' ? value.trim().toLowerCase() : '';
    if (!DOMAIN.test(domain)) throw invalid(`domains: '${String(value)}' is not a domain name`);
    out.add(domain);
  }
  return [...out].sort();
}

/** PEM or bare base64 DER; stored as bare base64 (what SAML metadata and node-saml use). */
function certificateOf(value: unknown): string {
  if (typeof value !== 'string') throw invalid('signingCertificate must be the base64 (or PEM) X.509 certificate of the IdP');
  const bare = value.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(bare) || bare.length < 200 || bare.length > 20_000) throw invalid('signingCertificate is not a base64 X.509 certificate');
  return bare;
}

export interface IdentityProviderDeps {
  db: Db;
  clock: { now(): Date };
  masterKey: Buffer;
  /** http:// issuers on loopback are accepted only for development and tests. */
  allowLoopbackHttp: boolean;
  /** Providers on private/loopback/link-local addresses (config identityProviderPrivateNetworks, or development). */
  allowInternal: boolean;
}

/** Check no other provider has this issuer: a guest bound to an issuer must lead to exactly one provider. */
async function assertIssuerFree(db: AuthDb, issuer: string, exceptId: string | null): Promise<void> {
  let query = db.selectFrom('identity_providers').select('display_name').where('issuer', '=', issuer);
  if (exceptId) query = query.where('id', '<>', exceptId);
  const clash = await query.executeTakeFirst();
  if (clash) throw authError('ISSUER_IN_USE', `The issuer ${issuer} is already the identity provider '${clash.display_name}'.`);
}

/** Check the domains are not served by another provider (a domain leads to exactly one provider). */
async function assertDomainsFree(db: AuthDb, domains: string[], exceptId: string | null): Promise<void> {
  if (domains.length === 0) return;
  let query = db.selectFrom('identity_providers').select(['display_name', 'domains']).where(sql<boolean>`domains && ${sql.val(domains)}::text[]`);
  if (exceptId) query = query.where('id', '<>', exceptId);
  const clash = await query.executeTakeFirst();
  if (clash) {
    const taken = domains.filter((d) => clash.domains.includes(d));
    throw authError('DOMAIN_IN_USE', `The domain ${taken.join(', ')} is already served by the identity provider '${clash.display_name}'.`);
  }
}

function rowFromInput(deps: IdentityProviderDeps, body: Record<string, unknown>, before: IdentityProviderRow | null): Omit<IdentityProviderRow, 'id' | 'created_at' | 'updated_at'> {
  const type = body['@odata.type'] ?? (before ? (before.kind === 'oidc' ? OIDC_TYPE : SAML_TYPE) : undefined);
  const pick = <T>(key: string, fallback: T): unknown => (key in body ? body[key] : fallback);
  const displayName = pick('displayName', before?.display_name);
  if (typeof displayName !== 'string' || !displayName.trim() || displayName.length > 256) throw invalid('displayName is required (at most 256 characters)');
  const domains = domainsOf(pick('domains', before?.domains ?? []));
  const tenantId = pick('tenantId', before?.tenant_id ?? null);
  if (tenantId !== null && (typeof tenantId !== 'string' || !/^\S{1,2048}$/.test(tenantId))) throw invalid('tenantId must be the partner tenant id (or null to use the issuer)');
  const enabled = pick('isEnabled', before?.enabled ?? true);
  if (typeof enabled !== 'boolean') throw invalid('isEnabled must be true or false');
  const common = { display_name: displayName.trim(), domains, tenant_id: tenantId as string | null, enabled };
  if (type === OIDC_TYPE) {
    if (before && before.kind !== 'oidc') throw invalid("@odata.type cannot change; delete the provider and create a new one");
    const issuer = httpsUrl('issuer', pick('issuer', before?.issuer), deps.allowLoopbackHttp).replace(/\/$/, '');
    const clientId = pick('clientId', before?.client_id);
    if (typeof clientId !== 'string' || !clientId.trim() || clientId.length > 512) throw invalid('clientId is required');
    const secret = body.clientSecret;
    if (secret !== undefined && secret !== null && (typeof secret !== 'string' || secret.length > 2048 || secret === '******')) throw invalid('clientSecret must be the secret issued by the provider');
    if (!before && (typeof secret !== 'string' || !secret)) throw invalid('clientSecret is required');
    const scope = pick('scope', before ? before.scopes.join(' ') : 'openid email profile');
    if (typeof scope !== 'string' || !scope.split(/\s+/).includes('openid')) throw invalid("scope must include 'openid'");
    const mapping = pick('claimsMapping', before?.claim_mapping ?? {});
    if (typeof mapping !== 'object' || mapping === null) throw invalid('claimsMapping must be an object');
    for (const [key, value] of Object.entries(mapping)) {
      if (!['userId', 'email', 'displayName', 'groups', 'amr', 'deviceCompliant', 'givenName', 'surname'].includes(key) || typeof value !== 'string' || !/^[\w.:/-]{1,200}$/.test(value)) {
        throw invalid(`claimsMapping.${key} must name a claim (userId, email, displayName, groups, amr, deviceCompliant)`);
      }
    }
    return {
      ...common,
      kind: 'oidc',
      issuer,
      client_id: clientId.trim(),
      sealed_client_secret: typeof secret === 'string' ? seal(deps.masterKey, secret, SECRET_CONTEXT) : (before?.sealed_client_secret ?? null),
      scopes: [...new Set(scope.split(/\s+/).filter(Boolean))],
      claim_mapping: { ...defaultClaimMapping(), ...(mapping as Partial<ClaimMapping>) },
      saml_sso_url: null,
      saml_metadata_url: null,
      saml_certificates: [],
    };
  }
  if (type === SAML_TYPE) {
    if (before && before.kind !== 'saml') throw invalid("@odata.type cannot change; delete the provider and create a new one");
    const issuer = pick('issuerUri', before?.issuer);
    if (typeof issuer !== 'string' || !issuer.trim() || issuer.length > 2048) throw invalid('issuerUri is required: the IdP entity id');
    const sso = httpsUrl('passiveSignInUri', pick('passiveSignInUri', before?.saml_sso_url), deps.allowLoopbackHttp);
    const metadata = pick('metadataExchangeUri', before?.saml_metadata_url ?? null);
    const cert = certificateOf(pick('signingCertificate', before?.saml_certificates[0]));
    return {
      ...common,
      kind: 'saml',
      issuer: issuer.trim(),
      client_id: null,
      sealed_client_secret: null,
      scopes: [],
      claim_mapping: {},
      saml_sso_url: sso,
      saml_metadata_url: metadata === null ? null : httpsUrl('metadataExchangeUri', metadata, deps.allowLoopbackHttp),
      saml_certificates: [cert],
    };
  }
  throw invalid(`@odata.type must be ${OIDC_TYPE} or ${SAML_TYPE}`);
}

const target = (row: Pick<IdentityProviderRow, 'id' | 'display_name'>) => ({ id: row.id, type: 'IdentityProvider', displayName: row.display_name });
/** What the audit log shows of a provider: never the sealed secret. */
const auditable = (row: Omit<IdentityProviderRow, 'id' | 'created_at' | 'updated_at'>) => ({ ...row, sealed_client_secret: row.sealed_client_secret ? 'set' : null });

/**
 * A SAML IdP may be described by its metadata instead of field by field: `metadataXml` (Gatehouse extension) or
 * `metadataExchangeUri` (fetched once, here). Fields given explicitly win over the metadata.
 */
async function withSamlMetadata(deps: IdentityProviderDeps, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { metadataXml, ...rest } = body;
  if (body['@odata.type'] !== SAML_TYPE && metadataXml === undefined) return rest;
  let xml = typeof metadataXml === 'string' ? metadataXml : undefined;
  const complete = ['issuerUri', 'passiveSignInUri', 'signingCertificate'].every((k) => typeof body[k] === 'string');
  if (xml === undefined && typeof body.metadataExchangeUri === 'string' && !complete) {
    const url = httpsUrl('metadataExchangeUri', body.metadataExchangeUri, deps.allowLoopbackHttp);
    await assertPublicUrl('metadataExchangeUri', url, deps.allowInternal);
    xml = await fetchCapped(url);
  }
  if (xml === undefined) return rest;
  if (xml.length > 1_000_000) throw authError('INVALID_METADATA', 'The SAML metadata is larger than 1 MB.');
  const parsed = parseSamlMetadata(xml);
  return { issuerUri: parsed.entityId, passiveSignInUri: parsed.ssoUrl, signingCertificate: parsed.certificates[0], ...rest };
}

/** The metadata document, at most 1 MB, read as it streams in; the error says no more than that it failed. */
async function fetchCapped(url: string): Promise<string> {
  const limit = 1_000_000;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > limit) throw new Error('too large');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch {
    throw authError('INVALID_METADATA', `The SAML metadata could not be fetched from ${url} (it must answer 200 with at most 1 MB, without redirects, within 10 seconds).`);
  }
}

/** Where a provider's URLs point must be public (unless allowed), checked whenever they are saved. */
async function assertPublicEndpoints(deps: IdentityProviderDeps, row: Omit<IdentityProviderRow, 'id' | 'created_at' | 'updated_at'>): Promise<void> {
  if (row.kind === 'oidc') await assertPublicUrl('issuer', row.issuer, deps.allowInternal);
  if (row.saml_sso_url) await assertPublicUrl('passiveSignInUri', row.saml_sso_url, deps.allowInternal);
}

export async function createIdentityProvider(deps: IdentityProviderDeps, actor: Actor, input: Record<string, unknown>): Promise<GraphIdentityProvider> {
  const body = await withSamlMetadata(deps, input);
  const values = rowFromInput(deps, body, null);
  await assertPublicEndpoints(deps, values);
  const now = deps.clock.now();
  const row: IdentityProviderRow = { id: newId(), ...values, created_at: now, updated_at: now };
  await inTransaction(deps.db, async (trx) => {
    await sqlLock(trx);
    await assertDomainsFree(trx as AuthDb, row.domains, null);
    await assertIssuerFree(trx as AuthDb, row.issuer, null);
    await (trx as AuthDb).insertInto('identity_providers').values({ ...row, claim_mapping: JSON.stringify(row.claim_mapping) }).execute();
    await appendAudit(trx, deps.clock, { event: 'identityProvider.created', actor, targets: [target(row)], details: { kind: row.kind, issuer: row.issuer, domains: row.domains.join(', ') } });
  });
  return toGraphIdentityProvider(row);
}

/** Providers are few and change rarely: one lock makes the domain-uniqueness check race-free. */
async function sqlLock(trx: Db): Promise<void> {
  await (trx as AuthDb).selectFrom('identity_providers').select('id').forUpdate().execute();
}

export async function getIdentityProviderRow(db: Db, id: string): Promise<IdentityProviderRow> {
  const row = isUuid(id) ? await (db as AuthDb).selectFrom('identity_providers').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw authError('IDENTITY_PROVIDER_NOT_FOUND', `Identity provider '${id}' does not exist.`);
  return row;
}

export async function listIdentityProviders(db: Db): Promise<GraphIdentityProvider[]> {
  const rows = await (db as AuthDb).selectFrom('identity_providers').selectAll().orderBy('display_name').orderBy('id').execute();
  return rows.map(toGraphIdentityProvider);
}

export async function updateIdentityProvider(deps: IdentityProviderDeps, actor: Actor, id: string, input: Record<string, unknown>): Promise<void> {
  const body = await withSamlMetadata(deps, input);
  await inTransaction(deps.db, async (trx) => {
    await sqlLock(trx);
    const before = await getIdentityProviderRow(trx, id);
    const after = rowFromInput(deps, body, before);
    await assertPublicEndpoints(deps, after);
    await assertDomainsFree(trx as AuthDb, after.domains, before.id);
    await assertIssuerFree(trx as AuthDb, after.issuer, before.id);
    const changes = changedProperties(auditable(before), auditable(after));
    if (typeof body.clientSecret === 'string') changes.push({ displayName: 'clientSecret', oldValue: null, newValue: '"(changed)"' });
    if (changes.length === 0) return;
    await (trx as AuthDb).updateTable('identity_providers').set({ ...after, claim_mapping: JSON.stringify(after.claim_mapping), updated_at: deps.clock.now() }).where('id', '=', before.id).execute();
    await appendAudit(trx, deps.clock, { event: 'identityProvider.updated', actor, targets: [{ ...target(before), modifiedProperties: changes.filter((c) => c.displayName !== 'sealed_client_secret') }] });
  });
}

export async function deleteIdentityProvider(deps: IdentityProviderDeps, actor: Actor, id: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await getIdentityProviderRow(trx, id);
    await (trx as AuthDb).deleteFrom('identity_providers').where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, { event: 'identityProvider.deleted', actor, targets: [target(row)] });
  });
}

/** The enabled provider serving an address's domain (or a parent domain), if any. */
export async function providerForEmail(db: Db, email: string): Promise<IdentityProviderRow | undefined> {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const labels = domain.split('.');
  const candidates = labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
  const rows = await (db as AuthDb).selectFrom('identity_providers').selectAll().where('enabled', '=', true).where(sql<boolean>`domains && ${sql.val(candidates)}::text[]`).execute();
  // The most specific domain wins (sub.vendor.com before vendor.com).
  return rows.sort((a, b) => Math.max(...b.domains.filter((d) => candidates.includes(d)).map((d) => d.length)) - Math.max(...a.domains.filter((d) => candidates.includes(d)).map((d) => d.length)))[0];
}

export const clientSecretOf = (deps: Pick<IdentityProviderDeps, 'masterKey'>, row: IdentityProviderRow): string =>
  row.sealed_client_secret ? unseal(deps.masterKey, row.sealed_client_secret, SECRET_CONTEXT).toString('utf8') : '';

/** The enabled provider with this issuer (a guest bound to it signs in there, whatever their domain maps to now). */
export async function providerForIssuer(db: Db, issuer: string): Promise<IdentityProviderRow | undefined> {
  return (db as AuthDb).selectFrom('identity_providers').selectAll().where('issuer', '=', issuer).where('enabled', '=', true).orderBy('created_at').executeTakeFirst();
}
