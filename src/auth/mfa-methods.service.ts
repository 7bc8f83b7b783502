import { appendAudit, type Actor } from '#src/audit/index.ts';
import { AppError } from '#src/core/errors.ts';
import { isUuid } from '#src/core/crypto.ts';
import { roleIdsForUser, type UserRow } from '#src/directory/index.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import { mfaUser, userTarget, type MfaDeps } from './mfa-deps.ts';
import type { MfaDb, MfaMethodTable } from './mfa-methods.tables.ts';

/**
 * A user's authentication methods in Graph's shapes (/users/{id}/authentication/methods), deleting them, and the
 * per-user MFA state (Graph beta strongAuthenticationRequirements) the sign-in pipeline reads.
 */
export type PerUserMfaState = 'disabled' | 'enforced';
export const PER_USER_MFA_STATES: readonly PerUserMfaState[] = ['disabled', 'enforced'];

/** Graph's fixed id of the password method. */
export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
export const RECOVERY_CODES_TYPE = '#microsoft.graph.gatehouseRecoveryCodesAuthenticationMethod';

export type GraphAuthenticationMethod =
  | { '@odata.type': '#microsoft.graph.passwordAuthenticationMethod'; id: string; password: null; createdDateTime: null }
  | { '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod'; id: string; secretKey: null; displayName: string; createdDateTime: string; lastUsedDateTime: string | null }
  | {
      '@odata.type': '#microsoft.graph.fido2AuthenticationMethod';
      id: string;
      displayName: string;
      createdDateTime: string;
      lastUsedDateTime: string | null;
      aaGuid: string | null;
      model: null;
      attestationCertificates: string[];
      attestationLevel: 'notAttested';
    }
  | { '@odata.type': typeof RECOVERY_CODES_TYPE; id: string; createdDateTime: string; codesLeft: number };

export type MethodKind = 'softwareOath' | 'fido2';

export interface MfaMethodSummary {
  totp: boolean;
  webauthn: boolean;
  recoveryCodesLeft: number;
  perUserMfaState: PerUserMfaState;
}

/** What the sign-in pipeline needs to know: which second factors the user can use, and whether MFA is required of them. */
export async function mfaMethodSummary(db: Db, userId: string): Promise<MfaMethodSummary> {
  if (!isUuid(userId)) return { totp: false, webauthn: false, recoveryCodesLeft: 0, perUserMfaState: 'disabled' };
  const mdb = db as MfaDb;
  const [kinds, codes, state] = await Promise.all([
    mdb.selectFrom('mfa_methods').select('kind').distinct().where('user_id', '=', userId).execute(),
    mdb.selectFrom('mfa_recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow(),
    getPerUserMfaState(db, userId),
  ]);
  return { totp: kinds.some((k) => k.kind === 'softwareOath'), webauthn: kinds.some((k) => k.kind === 'fido2'), recoveryCodesLeft: Number(codes.n), perUserMfaState: state };
}

type MethodRow = Pick<MfaMethodTable, 'id' | 'kind' | 'display_name' | 'created_at' | 'last_used_at' | 'aaguid'>;

function toGraphMethod(row: MethodRow): GraphAuthenticationMethod {
  if (row.kind === 'softwareOath') {
    return { '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod', id: row.id, secretKey: null, displayName: row.display_name, createdDateTime: row.created_at.toISOString(), lastUsedDateTime: row.last_used_at?.toISOString() ?? null };
  }
  return {
    '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
    id: row.id,
    displayName: row.display_name,
    createdDateTime: row.created_at.toISOString(),
    lastUsedDateTime: row.last_used_at?.toISOString() ?? null,
    aaGuid: row.aaguid,
    model: null,
    attestationCertificates: [],
    attestationLevel: 'notAttested',
  };
}

const methodColumns = ['id', 'kind', 'display_name', 'created_at', 'last_used_at', 'aaguid'] as const;

async function recoveryCodesMethod(db: MfaDb, userId: string): Promise<GraphAuthenticationMethod | undefined> {
  const row = await db
    .selectFrom('mfa_recovery_codes')
    .select(['set_id', (eb) => eb.fn.min('created_at').as('created_at'), (eb) => eb.fn.count<number>('code_hash').filterWhere('used_at', 'is', null).as('left')])
    .where('user_id', '=', userId)
    .groupBy('set_id')
    .executeTakeFirst();
  return row ? { '@odata.type': RECOVERY_CODES_TYPE, id: row.set_id, createdDateTime: new Date(row.created_at).toISOString(), codesLeft: Number(row.left) } : undefined;
}

/** Every method of the user: the password (when set), authenticator apps, passkeys, the recovery code set. */
export async function listAuthenticationMethods(db: Db, userId: string): Promise<GraphAuthenticationMethod[]> {
  const user = await mfaUser(db, userId);
  const mdb = db as MfaDb;
  const rows = await mdb.selectFrom('mfa_methods').select(methodColumns).where('user_id', '=', user.id).orderBy('created_at').orderBy('id').execute();
  const recovery = await recoveryCodesMethod(mdb, user.id);
  return [
    ...(user.password_hash ? [{ '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', id: PASSWORD_METHOD_ID, password: null, createdDateTime: null } as const] : []),
    ...rows.map(toGraphMethod),
    ...(recovery ? [recovery] : []),
  ];
}

/** One authenticator app or passkey of the user (AUTHENTICATION_METHOD_NOT_FOUND when it is not theirs or not of this kind). */
export async function getAuthenticationMethod(db: Db, userId: string, kind: MethodKind, methodId: string): Promise<GraphAuthenticationMethod> {
  const user = await mfaUser(db, userId);
  const row = isUuid(methodId)
    ? await (db as MfaDb).selectFrom('mfa_methods').select(methodColumns).where('user_id', '=', user.id).where('id', '=', methodId).where('kind', '=', kind).executeTakeFirst()
    : undefined;
  if (!row) throw notFound(methodId);
  return toGraphMethod(row);
}

const notFound = (methodId: string): AppError => authError('AUTHENTICATION_METHOD_NOT_FOUND', `The user has no authentication method with id '${methodId}'.`);

export interface MethodChangeOptions {
  /** Only a method of this kind (the type-specific Graph routes). */
  kind?: MethodKind;
  /**
   * Whether the caller may change users who hold a directory role (as for other user changes, taking an
   * administrator's second factors away needs RoleManagement.ReadWrite.Directory). Users acting on themselves may.
   */
  mayManagePrivileged?: boolean;
}

async function assertMayChange(db: Db, actor: Actor, user: UserRow, options: MethodChangeOptions): Promise<void> {
  if (options.mayManagePrivileged !== false || (actor.kind === 'user' && actor.id === user.id)) return;
  if ((await roleIdsForUser(db, user.id)).length > 0) {
    throw new AppError('FORBIDDEN', 403, `${user.user_principal_name} holds a directory role: changing this user's authentication methods requires the permission RoleManagement.ReadWrite.Directory.`);
  }
}

/**
 * Remove an authenticator app, a passkey, or the recovery code set (by its id). The password method cannot be
 * removed (PASSWORD_METHOD_NOT_REMOVABLE, as in Graph). Audited.
 */
export async function deleteAuthenticationMethod(deps: MfaDeps, actor: Actor, userId: string, methodId: string, options: MethodChangeOptions = {}): Promise<void> {
  const user = await mfaUser(deps.db, userId);
  if (methodId === PASSWORD_METHOD_ID && !options.kind) throw authError('PASSWORD_METHOD_NOT_REMOVABLE', 'The password method cannot be deleted; reset the password instead.');
  if (!isUuid(methodId)) throw notFound(methodId);
  await assertMayChange(deps.db, actor, user, options);
  await inTransaction(deps.db, async (trx) => {
    const db = trx as MfaDb;
    let query = db.deleteFrom('mfa_methods').where('user_id', '=', user.id).where('id', '=', methodId);
    if (options.kind) query = query.where('kind', '=', options.kind);
    const method = await query.returning(['kind', 'display_name']).executeTakeFirst();
    let kind: string | undefined = method?.kind;
    if (!method && !options.kind) {
      const codes = await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', user.id).where('set_id', '=', methodId).executeTakeFirst();
      if (Number(codes.numDeletedRows) > 0) kind = 'recoveryCodes';
    }
    if (!kind) throw notFound(methodId);
    await appendAudit(trx, deps.clock, { event: 'mfa.methodDeleted', actor, targets: [userTarget(user)], details: { method: kind, methodId, displayName: method?.display_name ?? null } });
  });
}

/** The per-user MFA state ('disabled' unless an administrator enforced it). */
export async function getPerUserMfaState(db: Db, userId: string): Promise<PerUserMfaState> {
  const row = isUuid(userId) ? await (db as MfaDb).selectFrom('mfa_user_settings').select('per_user_mfa_state').where('user_id', '=', userId).executeTakeFirst() : undefined;
  return row?.per_user_mfa_state ?? 'disabled';
}

/**
 * Require MFA of a user ('enforced': they must use a second factor, and register one at their next sign-in) or stop
 * requiring it ('disabled'; Conditional Access may still ask). Graph's 'enabled' stage does not exist here. Audited
 * with the old and new value; setting the current value changes nothing.
 */
export async function setPerUserMfaState(deps: MfaDeps, actor: Actor, userId: string, state: PerUserMfaState, options: MethodChangeOptions = {}): Promise<void> {
  if (!PER_USER_MFA_STATES.includes(state)) {
    throw authError('INVALID_VALUE', `perUserMfaState must be 'disabled' or 'enforced'${state === ('enabled' as string) ? " (Gatehouse has no 'enabled' stage: 'enforced' asks the user to register at their next sign-in)" : ''}.`);
  }
  const user = await mfaUser(deps.db, userId);
  await assertMayChange(deps.db, actor, user, options);
  const now = deps.clock.now();
  await inTransaction(deps.db, async (trx) => {
    const db = trx as MfaDb;
    const before = (await db.selectFrom('mfa_user_settings').select('per_user_mfa_state').where('user_id', '=', user.id).forUpdate().executeTakeFirst())?.per_user_mfa_state ?? 'disabled';
    if (before === state) return;
    await db
      .insertInto('mfa_user_settings')
      .values({ user_id: user.id, per_user_mfa_state: state, updated_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ per_user_mfa_state: state, updated_at: now }))
      .execute();
    await appendAudit(trx, deps.clock, {
      event: 'mfa.perUserStateChanged',
      actor,
      targets: [userTarget(user, { modifiedProperties: [{ displayName: 'perUserMfaState', oldValue: JSON.stringify(before), newValue: JSON.stringify(state) }] })],
    });
  });
}
