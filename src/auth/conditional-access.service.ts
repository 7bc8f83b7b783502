import type { Selectable } from 'kysely';
import { changedProperties } from '#src/core/diff.ts';
import { isUuid, newId } from '#src/core/crypto.ts';
import { AppError, isAppError } from '#src/core/errors.ts';
import type { ODataQuery } from '#src/core/odata/index.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { builtInRoles, findUserRow, getApplicationRow, getGroupRow, type DirDb } from '#src/directory/index.ts';
import {
  conditionalAccessReferences,
  validateConditionalAccessPolicy,
  type ConditionalAccessPolicy,
  type ConditionalAccessPolicyBody,
  type KnownPolicyIds,
  type PolicyReferences,
} from '#src/policy/index.ts';
import { inTransaction, listPage, type Db, type FieldMap } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import { BUILT_IN_APPLICATIONS } from './conditional-access.applications.ts';
import { assertNoAdminLockout, LockoutRefusal } from './conditional-access.lockout.ts';
import type { CaDb, ConditionalAccessPolicyTable } from './conditional-access.tables.ts';
import { bumpVersion, canonicalJson, lockConditionalAccess, versionedLoader } from './conditional-access.versions.ts';
import { existingNamedLocationIds, type ConditionalAccessDeps } from './named-locations.service.ts';

/**
 * Conditional Access policies (Graph `/identity/conditionalAccess/policies`): stored as the validated body, served
 * in Graph's shape, audited with modifiedProperties, and guarded so no change locks every administrator out.
 * The sign-in pipeline reads them through `loadConditionalAccessPolicies`, cached until a policy changes.
 */
type Row = Selectable<ConditionalAccessPolicyTable>;

/** The policy as Graph returns it: the stored body plus the properties Graph has and Gatehouse leaves empty. */
export interface GraphConditionalAccessPolicy extends ConditionalAccessPolicy {
  templateId: null;
  description: null;
  createdDateTime: string;
  modifiedDateTime: string;
}

export interface PolicyChangeOptions {
  /** The caller confirmed that only emergency-access accounts may be left able to sign in as administrator. */
  confirmLockoutRisk?: boolean;
}

function graphConditions(conditions: ConditionalAccessPolicy['conditions']): Record<string, unknown> {
  return {
    ...conditions,
    users: { ...conditions.users, includeGuestsOrExternalUsers: conditions.users.includeGuestsOrExternalUsers ?? null, excludeGuestsOrExternalUsers: conditions.users.excludeGuestsOrExternalUsers ?? null },
    applications: { ...conditions.applications, includeUserActions: [], includeAuthenticationContextClassReferences: [], applicationFilter: null },
    platforms: conditions.platforms ?? null,
    locations: conditions.locations ?? null,
    servicePrincipalRiskLevels: [],
    clientApplications: null,
    devices: null,
    insiderRiskLevels: null,
    authenticationFlows: null,
  };
}

export function toGraphPolicy(row: Row): GraphConditionalAccessPolicy {
  const { conditions, grantControls, sessionControls } = row.body;
  return {
    id: row.id,
    templateId: null,
    displayName: row.display_name,
    description: null,
    createdDateTime: row.created_at.toISOString(),
    modifiedDateTime: row.modified_at.toISOString(),
    state: row.state,
    conditions: graphConditions(conditions) as unknown as ConditionalAccessPolicy['conditions'],
    grantControls: grantControls ? { ...grantControls, customAuthenticationFactors: [] } as ConditionalAccessPolicy['grantControls'] : null,
    sessionControls: sessionControls
      ? ({
          applicationEnforcedRestrictions: null,
          cloudAppSecurity: null,
          disableResilienceDefaults: null,
          persistentBrowser: sessionControls.persistentBrowser ?? null,
          signInFrequency: sessionControls.signInFrequency ? { ...sessionControls.signInFrequency, authenticationType: 'primaryAndSecondaryAuthentication' } : null,
        } as ConditionalAccessPolicy['sessionControls'])
      : null,
  };
}

/** What the evaluator reads, nothing more (the cached set the pipeline evaluates). */
const toPolicy = (row: Row): ConditionalAccessPolicy => ({ id: row.id, displayName: row.display_name, state: row.state, ...row.body });
const bodyOf = (row: Row): ConditionalAccessPolicyBody => ({ displayName: row.display_name, state: row.state, ...row.body });

export const conditionalAccessPolicyFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  displayName: { column: 'display_name', type: 'string', sortable: true },
  state: { column: 'state', type: 'enum', values: ['enabled', 'disabled', 'enabledForReportingButNotEnforced'] },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true },
  modifiedDateTime: { column: 'modified_at', type: 'datetime', sortable: true },
};

const invalid = (problems: string[]): AppError => new AppError('INVALID_VALUE', 400, problems.join('; '), { details: { problems } });
const target = (row: { id: string; display_name: string }) => ({ id: row.id, type: 'Policy', displayName: row.display_name });

async function rowOf(db: Db, id: string): Promise<Row> {
  const row = isUuid(id) ? await (db as CaDb).selectFrom('conditional_access_policies').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw authError('CONDITIONAL_ACCESS_POLICY_NOT_FOUND', `Conditional Access policy '${id}' does not exist.`);
  return row;
}

export async function getConditionalAccessPolicy(db: Db, id: string): Promise<GraphConditionalAccessPolicy> {
  return toGraphPolicy(await rowOf(db, id));
}

export async function listConditionalAccessPolicies(db: Db, odata: ODataQuery) {
  const page = await listPage(db, (db as CaDb).selectFrom('conditional_access_policies').selectAll(), odata, conditionalAccessPolicyFields, 'conditionalAccessPolicies');
  return { ...page, select: odata.select, value: (page.rows as Row[]).map(toGraphPolicy) };
}

/** Every stored policy in Graph's shape, in a stable order (what-if answers with these). */
export async function allConditionalAccessPolicies(db: Db): Promise<GraphConditionalAccessPolicy[]> {
  const rows = await (db as CaDb).selectFrom('conditional_access_policies').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toGraphPolicy);
}

async function readPolicies(db: Db): Promise<ConditionalAccessPolicy[]> {
  const rows = await (db as CaDb).selectFrom('conditional_access_policies').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toPolicy);
}

const policies = versionedLoader('policies', async (db) => Object.freeze(await readPolicies(db)) as readonly ConditionalAccessPolicy[]);

/**
 * Every policy (all states) for evaluating a sign-in. The same frozen array comes back until a policy changes, so
 * the evaluator compiles it once; a change on another node is seen within a second.
 */
export async function loadConditionalAccessPolicies(db: Db): Promise<readonly ConditionalAccessPolicy[]> {
  return policies.load(db);
}

/** Which of the ids a policy names exist (one lookup per id: policies name few, and this runs only on writes). */
async function knownIds(db: Db, refs: PolicyReferences): Promise<KnownPolicyIds> {
  const found = async (ids: string[], exists: (id: string) => Promise<boolean>): Promise<Set<string>> => {
    const out = new Set<string>();
    for (const id of ids) if (await exists(id)) out.add(id);
    return out;
  };
  const notFound = async (probe: () => Promise<unknown>): Promise<boolean> => {
    try {
      await probe();
      return true;
    } catch (error) {
      if (isAppError(error) && error.status === 404) return false;
      throw error;
    }
  };
  const builtIn = new Set(BUILT_IN_APPLICATIONS.map((app) => app.appId));
  return {
    users: await found(refs.users, async (id) => isUuid(id) && (await findUserRow(db as DirDb, id))?.id === id),
    groups: await found(refs.groups, async (id) => isUuid(id) && notFound(() => getGroupRow(db as DirDb, id))),
    roles: new Set(refs.roles.filter((id) => builtInRoles.some((role) => role.id === id))),
    namedLocations: await existingNamedLocationIds(db, refs.namedLocations),
    applications: await found(refs.applications, async (id) => {
      if (builtIn.has(id)) return true;
      if (!isUuid(id)) return false;
      try {
        return (await getApplicationRow(db as DirDb, id)).app_id === id;
      } catch (error) {
        if (isAppError(error) && error.status === 404) return false;
        throw error;
      }
    }),
  };
}

async function validated(db: Db, body: unknown, before: ConditionalAccessPolicyBody | null): Promise<ConditionalAccessPolicyBody> {
  const known = await knownIds(db, conditionalAccessReferences(body, before));
  const checked = validateConditionalAccessPolicy(body, { before, known });
  if (!checked.ok) throw invalid(checked.problems);
  return checked.value;
}

/**
 * Run a change under the lock, with the lockout guard over the policy set before and after it. A refusal is
 * audited (GH2204W) in a transaction of its own, since the change's own is rolled back.
 */
async function guardedChange<T>(
  deps: ConditionalAccessDeps,
  actor: Actor,
  options: PolicyChangeOptions,
  change: (trx: Db, current: ConditionalAccessPolicy[]) => Promise<{ after: ConditionalAccessPolicy[]; write: (confirmedRisk: boolean) => Promise<T> } | { result: T }>,
): Promise<T> {
  try {
    const result = await inTransaction(deps.db, async (trx) => {
      await lockConditionalAccess(trx);
      const current = await readPolicies(trx);
      const planned = await change(trx, current);
      if ('result' in planned) return planned.result;
      const { confirmedRisk } = await assertNoAdminLockout(trx, { before: current, after: planned.after, confirmed: options.confirmLockoutRisk === true });
      const written = await planned.write(confirmedRisk);
      await bumpVersion(trx, 'policies');
      return written;
    });
    policies.forget(deps.db);
    return result;
  } catch (error) {
    if (error instanceof LockoutRefusal) {
      await inTransaction(deps.db, (trx) =>
        appendAudit(trx, deps.clock, {
          event: 'conditionalAccessPolicy.lockoutRefused',
          actor,
          result: 'failure',
          resultReason: error.message,
          targets: error.blockingPolicies.map((policy) => ({ id: policy.id, type: 'Policy', displayName: policy.displayName })),
          details: { code: error.code },
        }),
      );
    }
    throw error;
  }
}

export async function createConditionalAccessPolicy(deps: ConditionalAccessDeps, actor: Actor, body: unknown, options: PolicyChangeOptions = {}): Promise<GraphConditionalAccessPolicy> {
  return guardedChange(deps, actor, options, async (trx, current) => {
    const value = await validated(trx, body, null);
    const now = deps.clock.now();
    const row: Row = { id: newId(), display_name: value.displayName, state: value.state, body: { conditions: value.conditions, grantControls: value.grantControls, sessionControls: value.sessionControls }, created_at: now, modified_at: now };
    return {
      after: [...current, toPolicy(row)],
      write: async (confirmedRisk) => {
        await (trx as CaDb).insertInto('conditional_access_policies').values({ ...row, body: JSON.stringify(row.body) }).execute();
        await appendAudit(trx, deps.clock, { event: 'conditionalAccessPolicy.created', actor, targets: [target(row)], details: { state: row.state, ...(confirmedRisk ? { lockoutRiskConfirmed: true } : {}) } });
        return toGraphPolicy(row);
      },
    };
  });
}

export async function updateConditionalAccessPolicy(deps: ConditionalAccessDeps, actor: Actor, id: string, body: unknown, options: PolicyChangeOptions = {}): Promise<void> {
  await guardedChange(deps, actor, options, async (trx, current) => {
    const before = await rowOf(trx, id);
    const value = await validated(trx, body, bodyOf(before));
    const changes = changedProperties(canonicalJson(bodyOf(before)) as unknown as Record<string, unknown>, canonicalJson(value) as unknown as Record<string, unknown>);
    if (changes.length === 0) return { result: undefined };
    const after: Row = { ...before, display_name: value.displayName, state: value.state, body: { conditions: value.conditions, grantControls: value.grantControls, sessionControls: value.sessionControls }, modified_at: deps.clock.now() };
    return {
      after: current.map((policy) => (policy.id === before.id ? toPolicy(after) : policy)),
      write: async (confirmedRisk) => {
        await (trx as CaDb)
          .updateTable('conditional_access_policies')
          .set({ display_name: after.display_name, state: after.state, body: JSON.stringify(after.body), modified_at: after.modified_at })
          .where('id', '=', before.id)
          .execute();
        await appendAudit(trx, deps.clock, {
          event: 'conditionalAccessPolicy.updated',
          actor,
          targets: [{ ...target(before), modifiedProperties: changes }],
          ...(confirmedRisk ? { details: { lockoutRiskConfirmed: true } } : {}),
        });
      },
    };
  });
}

export async function deleteConditionalAccessPolicy(deps: ConditionalAccessDeps, actor: Actor, id: string, options: PolicyChangeOptions = {}): Promise<void> {
  await guardedChange(deps, actor, options, async (trx, current) => {
    const row = await rowOf(trx, id);
    return {
      after: current.filter((policy) => policy.id !== row.id),
      write: async (confirmedRisk) => {
        await (trx as CaDb).deleteFrom('conditional_access_policies').where('id', '=', row.id).execute();
        await appendAudit(trx, deps.clock, { event: 'conditionalAccessPolicy.deleted', actor, targets: [target(row)], details: { state: row.state, ...(confirmedRisk ? { lockoutRiskConfirmed: true } : {}) } });
      },
    };
  });
}
