import { forgettingClients } from './client-cache.ts';
import { X509Certificate, createHash } from 'node:crypto';
import { isUuid, newId, randomToken, sha256Hex } from '#src/core/crypto.ts';
import { appendAudit, type Actor, type AuditTarget } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import { type DirDb as Db, type DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import { assertNoImplicitGrant, validateRedirectSettings } from './applications.redirects.ts';
import {
  toGraphApplication,
  toPasswordCredential,
  type ApplicationRow,
  type CredentialRow,
  type GraphApplication,
  type PasswordCredential,
  type RequiredResourceAccess,
} from './applications.shape.ts';

export interface CreateApplicationInput {
  displayName: string;
  description?: string | null;
  signInAudience?: string;
  requiredResourceAccess?: RequiredResourceAccess[];
  web?: WebSettingsInput;
  publicClient?: { redirectUris?: string[] };
  spa?: { redirectUris?: string[] };
  keyCredentials?: { key: string; displayName?: string | null }[];
}

/** Graph's web object as a client writes it; implicitGrantSettings may only say false. */
export interface WebSettingsInput {
  redirectUris?: string[];
  homePageUrl?: string | null;
  implicitGrantSettings?: { enableIdTokenIssuance?: boolean; enableAccessTokenIssuance?: boolean };
}

/** What PATCH /applications/{id} may change. Graph semantics: web, publicClient and spa are replaced property by property. */
export interface UpdateApplicationInput {
  displayName?: string;
  description?: string | null;
  web?: WebSettingsInput;
  publicClient?: { redirectUris?: string[] };
  spa?: { redirectUris?: string[] };
  keyCredentials?: { key: string; displayName?: string | null }[];
}

type RedirectColumns = Pick<ApplicationRow, 'web_redirect_uris' | 'web_home_page_url' | 'public_client_redirect_uris' | 'spa_redirect_uris'>;

/** The redirect columns after applying `input` to `current`, validated (INVALID_VALUE on a bad URI or a confidential/public mix). */
function redirectColumns(current: RedirectColumns, input: Pick<UpdateApplicationInput, 'web' | 'publicClient' | 'spa'>): RedirectColumns {
  assertNoImplicitGrant(input.web?.implicitGrantSettings);
  const next: RedirectColumns = {
    web_redirect_uris: input.web?.redirectUris ?? current.web_redirect_uris,
    web_home_page_url: input.web?.homePageUrl === undefined ? current.web_home_page_url : input.web.homePageUrl,
    public_client_redirect_uris: input.publicClient?.redirectUris ?? current.public_client_redirect_uris,
    spa_redirect_uris: input.spa?.redirectUris ?? current.spa_redirect_uris,
  };
  validateRedirectSettings({
    webRedirectUris: next.web_redirect_uris,
    webHomePageUrl: next.web_home_page_url,
    publicClientRedirectUris: next.public_client_redirect_uris,
    spaRedirectUris: next.spa_redirect_uris,
  });
  return next;
}

const NO_REDIRECTS: RedirectColumns = { web_redirect_uris: [], web_home_page_url: null, public_client_redirect_uris: [], spa_redirect_uris: [] };

const DEFAULT_SECRET_DAYS = 180;
const MAX_SECRET_DAYS = 730;
const isId = isUuid;

const appTarget = (row: Pick<ApplicationRow, 'id' | 'display_name'>): AuditTarget => ({ id: row.id, type: 'Application', displayName: row.display_name });

/** Parse an X.509 certificate given as PEM or base64 DER; its public key verifies client assertions. */
function parseCertificate(key: string): { pem: string; thumbprint: string; start: Date; end: Date } {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(key.includes('BEGIN CERTIFICATE') ? key : Buffer.from(key, 'base64'));
  } catch {
    throw directoryError('INVALID_VALUE', 'keyCredentials.key must be an X.509 certificate (PEM or base64 DER)');
  }
  const keyType = cert.publicKey.asymmetricKeyType;
  if (keyType !== 'rsa' && keyType !== 'rsa-pss' && keyType !== 'ec' && keyType !== 'ed25519') {
    throw directoryError('INVALID_VALUE', `keyCredentials.key: a ${keyType ?? 'unknown'} key cannot sign client assertions; use an RSA, EC or Ed25519 certificate`);
  }
  const thumbprint = createHash('sha1').update(cert.raw).digest('base64');
  return { pem: cert.toString(), thumbprint, start: new Date(cert.validFrom), end: new Date(cert.validTo) };
}

function certificateRows(applicationId: string, keys: CreateApplicationInput['keyCredentials']): CredentialRow[] {
  return (keys ?? []).map((k) => {
    const cert = parseCertificate(k.key);
    return {
      key_id: newId(),
      application_id: applicationId,
      kind: 'certificate' as const,
      display_name: k.displayName ?? null,
      hint: null,
      secret_hash: null,
      certificate: cert.pem,
      thumbprint: cert.thumbprint,
      start_at: cert.start,
      end_at: cert.end,
    };
  });
}

export async function getApplicationRow(db: Db, idOrAppId: string): Promise<ApplicationRow> {
  const row = isId(idOrAppId)
    ? await db.selectFrom('applications').selectAll().where((eb) => eb.or([eb('id', '=', idOrAppId), eb('app_id', '=', idOrAppId)])).executeTakeFirst()
    : undefined;
  if (!row) throw directoryError('APPLICATION_NOT_FOUND', `Resource '${idOrAppId}' does not exist or one of its queried reference-property objects are not present.`);
  return row as ApplicationRow;
}

export async function credentialsOf(db: Db, applicationIds: string[]): Promise<CredentialRow[]> {
  if (applicationIds.length === 0) return [];
  return db.selectFrom('application_credentials').selectAll().where('application_id', 'in', applicationIds).orderBy('start_at').execute();
}

export async function getApplication(db: Db, idOrAppId: string): Promise<GraphApplication> {
  const row = await getApplicationRow(db, idOrAppId);
  return toGraphApplication(row, await credentialsOf(db, [row.id]));
}

/** Register an application (Graph POST /applications). Its service principal is created separately. */
async function createApplicationNow(deps: DirectoryDeps, actor: Actor, input: CreateApplicationInput, trx?: Db): Promise<GraphApplication> {
  const row: ApplicationRow = {
    id: newId(),
    app_id: newId(),
    display_name: input.displayName,
    description: input.description ?? null,
    sign_in_audience: input.signInAudience ?? 'AzureADMyOrg',
    required_resource_access: input.requiredResourceAccess ?? [],
    ...redirectColumns(NO_REDIRECTS, input),
    created_at: deps.clock.now(),
  };
  if (row.sign_in_audience !== 'AzureADMyOrg') throw directoryError('INVALID_VALUE', "signInAudience must be 'AzureADMyOrg' (single tenant)");
  const certs = certificateRows(row.id, input.keyCredentials);
  const work = async (tx: Db): Promise<void> => {
    await tx.insertInto('applications').values({ ...row, required_resource_access: JSON.stringify(row.required_resource_access) }).execute();
    if (certs.length) await tx.insertInto('application_credentials').values(certs).execute();
    await appendAudit(tx, deps.clock, { event: 'application.created', actor, targets: [appTarget(row)] });
  };
  await (trx ? work(trx) : inTransaction(deps.db, work));
  return toGraphApplication(row, certs);
}

async function updateApplicationNow(
  deps: DirectoryDeps,
  actor: Actor,
  idOrAppId: string,
  patch: UpdateApplicationInput,
): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await getApplicationRow(trx, idOrAppId);
    const values: Record<string, unknown> = {};
    if (patch.displayName !== undefined) values.display_name = patch.displayName;
    if (patch.description !== undefined) values.description = patch.description;
    if (patch.web !== undefined || patch.publicClient !== undefined || patch.spa !== undefined) Object.assign(values, redirectColumns(row, patch));
    if (Object.keys(values).length) await trx.updateTable('applications').set(values).where('id', '=', row.id).execute();
    if (patch.keyCredentials !== undefined) {
      // Graph semantics: PATCH keyCredentials replaces the whole collection.
      const certs = certificateRows(row.id, patch.keyCredentials);
      await trx.deleteFrom('application_credentials').where('application_id', '=', row.id).where('kind', '=', 'certificate').execute();
      if (certs.length) await trx.insertInto('application_credentials').values(certs).execute();
    }
    const changed = [...Object.keys(patch)].map((displayName) => ({ displayName, oldValue: null, newValue: displayName === 'keyCredentials' ? '(certificates replaced)' : JSON.stringify((patch as Record<string, unknown>)[displayName]) }));
    await appendAudit(trx, deps.clock, { event: 'application.updated', actor, targets: [{ ...appTarget(row), modifiedProperties: changed }] });
  });
}

async function deleteApplicationNow(deps: DirectoryDeps, actor: Actor, idOrAppId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await getApplicationRow(trx, idOrAppId);
    // Its service principal (and with it every permission granted to it) goes too, as in Entra.
    const sp = await trx.deleteFrom('service_principals').where('app_id', '=', row.app_id).returning(['id', 'display_name']).executeTakeFirst();
    await trx.deleteFrom('applications').where('id', '=', row.id).execute();
    await appendAudit(trx, deps.clock, [
      ...(sp ? [{ event: 'servicePrincipal.deleted' as const, actor, targets: [{ id: sp.id, type: 'ServicePrincipal', displayName: sp.display_name }] }] : []),
      { event: 'application.deleted', actor, targets: [appTarget(row)] },
    ]);
  });
}

/** Graph addPassword: a new client secret, returned once in secretText and stored only as a hash. */
async function addPasswordNow(
  deps: DirectoryDeps,
  actor: Actor,
  idOrAppId: string,
  input: { displayName?: string | null; endDateTime?: string | null } = {},
  trx?: Db,
): Promise<PasswordCredential> {
  const now = deps.clock.now();
  const end = input.endDateTime ? new Date(input.endDateTime) : new Date(now.getTime() + DEFAULT_SECRET_DAYS * 86_400_000);
  if (Number.isNaN(end.getTime()) || end <= now) throw directoryError('INVALID_VALUE', 'passwordCredential.endDateTime must be a future date-time');
  if (end.getTime() - now.getTime() > MAX_SECRET_DAYS * 86_400_000) {
    throw directoryError('INVALID_VALUE', `passwordCredential.endDateTime must be within ${MAX_SECRET_DAYS} days; rotate secrets instead of making them long-lived`);
  }
  const secret = randomToken(30);
  let credential: CredentialRow | undefined;
  const work = async (tx: Db): Promise<void> => {
    const app = await getApplicationRow(tx, idOrAppId);
    credential = {
      key_id: newId(),
      application_id: app.id,
      kind: 'password',
      display_name: input.displayName ?? null,
      hint: secret.slice(0, 3),
      secret_hash: sha256Hex(secret),
      certificate: null,
      thumbprint: null,
      start_at: now,
      end_at: end,
    };
    await tx.insertInto('application_credentials').values(credential).execute();
    await appendAudit(tx, deps.clock, {
      event: 'application.credentialAdded',
      actor,
      targets: [{ ...appTarget(app), modifiedProperties: [{ displayName: 'passwordCredentials', oldValue: null, newValue: JSON.stringify({ keyId: credential.key_id, hint: credential.hint }) }] }],
    });
  };
  await (trx ? work(trx) : inTransaction(deps.db, work));
  return toPasswordCredential(credential as CredentialRow, secret);
}

async function removePasswordNow(deps: DirectoryDeps, actor: Actor, idOrAppId: string, keyId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const app = await getApplicationRow(trx, idOrAppId);
    const deleted = isId(keyId)
      ? await trx.deleteFrom('application_credentials').where('application_id', '=', app.id).where('key_id', '=', keyId).where('kind', '=', 'password').executeTakeFirst()
      : undefined;
    if (!deleted || Number(deleted.numDeletedRows) === 0) throw directoryError('INVALID_VALUE', `No password credential with keyId '${keyId}' on this application`);
    await appendAudit(trx, deps.clock, {
      event: 'application.credentialRemoved',
      actor,
      targets: [{ ...appTarget(app), modifiedProperties: [{ displayName: 'passwordCredentials', oldValue: JSON.stringify({ keyId }), newValue: null }] }],
    });
  });
}

/** The writes that change what a client may do; each forgets cached client records once it has finished. */
export const createApplication = forgettingClients(createApplicationNow);
export const updateApplication = forgettingClients(updateApplicationNow);
export const deleteApplication = forgettingClients(deleteApplicationNow);
export const addPassword = forgettingClients(addPasswordNow);
export const removePassword = forgettingClients(removePasswordNow);
