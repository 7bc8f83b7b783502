import { sql, type Expression, type SqlBool } from 'kysely';
import type { Literal, ODataQuery, PredicateExpr } from '#src/core/odata/index.ts';
import { notFound } from '#src/core/errors.ts';
import { isUuid } from '#src/core/crypto.ts';
import { listPage, validateSelect, type CustomFilterContext, type Db, type FieldMap } from '#src/store/index.ts';
import { CREDENTIAL_FAILURE_CODES } from './sign-in-log.codes.ts';
import type { SignInLogDb } from './sign-in-log.tables.ts';
import type { SignIn, SignInRiskHistory } from './sign-in-log.types.ts';

const INT32_MAX = 2_147_483_647;

/** `status/errorCode` compared as the integer column it is, so the failures index serves `ne 0`. */
function errorCodeFilter(predicate: PredicateExpr, context: CustomFilterContext): Expression<SqlBool> {
  const code = (literal: Literal) => {
    const value = context.value(literal, 'number');
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > INT32_MAX) {
      throw context.unsupported('status/errorCode is a whole number such as 0 or 50126');
    }
    return sql`${value}::integer`;
  };
  const ops = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;
  if (predicate.type === 'compare' && predicate.right.type !== 'null') {
    return sql<SqlBool>`error_code ${sql.raw(ops[predicate.op])} ${code(predicate.right)}`;
  }
  if (predicate.type === 'in' && predicate.values.every((v) => v.type !== 'null')) {
    return sql<SqlBool>`error_code IN (${sql.join(predicate.values.map(code))})`;
  }
  throw context.unsupported('use eq, ne, gt, ge, lt, le or in with a number');
}

/** $filter/$orderby of /v1.0/auditLogs/signIns. Everything filterable has an index, alone or with createdDateTime. */
export const signInFields: FieldMap = {
  id: { column: 'id', type: 'guid', operators: ['eq', 'in'] },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true, operators: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] },
  userId: { column: 'user_id', type: 'guid', operators: ['eq', 'ne', 'in'] },
  userPrincipalName: { column: 'user_principal_name', type: 'string', operators: ['eq', 'ne', 'in', 'startsWith'] },
  userDisplayName: { column: 'user_display_name', type: 'string', operators: ['eq', 'in', 'startsWith'] },
  // Graph beta's signInUserType; values match case-insensitively (`userType eq 'Guest'` works too).
  userType: { column: 'user_type', type: 'enum', values: ['member', 'guest'] },
  appId: { column: 'app_id', type: 'string', operators: ['eq', 'ne', 'in'] },
  appDisplayName: { column: 'app_display_name', type: 'string', operators: ['eq', 'in', 'startsWith'] },
  ipAddress: { column: 'ip_address', type: 'string', operators: ['eq', 'ne', 'in', 'startsWith'] },
  clientAppUsed: { column: 'client_app_used', type: 'string', operators: ['eq', 'ne', 'in'] },
  isInteractive: { column: 'is_interactive', type: 'boolean' },
  correlationId: { column: 'correlation_id', type: 'string', operators: ['eq'] },
  conditionalAccessStatus: { column: 'conditional_access_status', type: 'enum', values: ['success', 'failure', 'notApplied'] },
  riskLevelDuringSignIn: { column: 'risk_level', type: 'enum', values: ['none', 'low', 'medium', 'high', 'hidden'] },
  riskEventTypes_v2: { column: 'risk_event_types', type: 'stringCollection', operators: ['any', 'eq', 'in'] },
  status: {
    type: 'custom',
    filter: (predicate, context) => {
      if (context.subPath === 'errorCode') return errorCodeFilter(predicate, context);
      throw context.unsupported('only status/errorCode can be filtered');
    },
  },
  location: {
    type: 'custom',
    filter: (_predicate, context) => {
      if (context.subPath === 'countryOrRegion') return context.translateAs({ column: 'country', type: 'string', operators: ['eq', 'ne', 'in'] });
      if (context.subPath === 'city') return context.translateAs({ column: 'city', type: 'string', operators: ['eq', 'in', 'startsWith'] });
      throw context.unsupported('only location/countryOrRegion and location/city can be filtered');
    },
  },
  appliedConditionalAccessPolicies: {
    type: 'objectCollection',
    column: sql`data -> 'appliedConditionalAccessPolicies'`,
    fields: { id: { type: 'string', operators: ['eq', 'in'] }, displayName: { type: 'string', operators: ['eq', 'startsWith'] }, result: { type: 'string', operators: ['eq', 'ne', 'in'] } },
  },
};

/** Every property a signIn has, for `$select`. */
export const signInSelectable: readonly string[] = [
  'id', 'createdDateTime', 'userId', 'userPrincipalName', 'userDisplayName', 'userType', 'appId', 'appDisplayName', 'resourceId',
  'resourceDisplayName', 'ipAddress', 'clientAppUsed', 'isInteractive', 'homeTenantId', 'resourceTenantId', 'correlationId', 'status',
  'conditionalAccessStatus', 'appliedConditionalAccessPolicies', 'deviceDetail', 'location', 'riskLevelDuringSignIn', 'riskLevelAggregated',
  'riskState', 'riskDetail', 'riskEventTypes_v2', 'riskReasons', 'authenticationRequirement', 'authenticationMethodsUsed', 'authenticationDetails',
];

const NEWEST_FIRST = [{ property: 'createdDateTime', direction: 'desc' as const }];

/** A page of sign-ins, newest first unless `$orderby` says otherwise. */
export async function listSignIns(db: Db, odata: ODataQuery) {
  const select = validateSelect(odata.select, signInSelectable, 'signIns');
  const page = await listPage(
    db,
    (db as SignInLogDb).selectFrom('sign_ins').select(['data']),
    { ...odata, orderBy: odata.orderBy ?? NEWEST_FIRST },
    signInFields,
    'signIns',
  );
  return { ...page, select, value: page.rows.map((r) => r.data as SignIn) };
}

/** One sign-in; 404 for an unknown (or malformed) id. */
export async function getSignIn(db: Db, id: string): Promise<SignIn> {
  const row = isUuid(id) ? await (db as SignInLogDb).selectFrom('sign_ins').select('data').where('id', '=', id.toLowerCase()).executeTakeFirst() : undefined;
  if (!row) throw notFound(`Sign-in '${id}' does not exist.`);
  return row.data as SignIn;
}

export interface RiskHistoryQuery {
  /** Null for a name that matched no account: only the address signals apply. */
  userId: string | null;
  ipAddress: string | null;
  /** Start of the window for the user's successful sign-ins (countries, last location). */
  historySince: Date;
  /** Start of the window for counting failures (brute force, password spray). */
  failuresSince: Date;
}

/**
 * What the sign-in risk signals read from the log, in two indexed queries (by user, by address). Only the
 * log's own rows count: a failure outside it (e.g. older than the retention period) is forgotten.
 */
export async function recentSignInsForRisk(db: Db, query: RiskHistoryQuery): Promise<SignInRiskHistory> {
  const log = db as SignInLogDb;
  const userId = query.userId && isUuid(query.userId) ? query.userId.toLowerCase() : null;
  const failureCodes = sql`ARRAY[${sql.join(CREDENTIAL_FAILURE_CODES.map((c) => sql`${c}::integer`))}]`;
  const history: SignInRiskHistory = { userSuccessCount: 0, userCountries: [], lastLocatedSuccess: null, userFailures: 0, addressFailures: 0, addressDistinctAccounts: 0 };

  if (userId) {
    const summary = await sql<{ successes: number; countries: string[] | null; failures: number }>`
      SELECT count(*) FILTER (WHERE error_code = 0 AND created_at >= ${query.historySince}) AS successes,
             array_agg(DISTINCT country) FILTER (WHERE error_code = 0 AND created_at >= ${query.historySince} AND country IS NOT NULL) AS countries,
             count(*) FILTER (WHERE error_code = ANY(${failureCodes}) AND created_at >= ${query.failuresSince}) AS failures
      FROM sign_ins WHERE user_id = ${userId} AND created_at >= ${earliest(query)}`.execute(log);
    const row = summary.rows[0];
    history.userSuccessCount = Number(row?.successes ?? 0);
    history.userCountries = (row?.countries ?? []).sort();
    history.userFailures = Number(row?.failures ?? 0);
    const last = await log
      .selectFrom('sign_ins')
      .select(['created_at', 'country', 'city', 'latitude', 'longitude'])
      .where('user_id', '=', userId)
      .where('error_code', '=', 0)
      .where('created_at', '>=', query.historySince)
      .where('latitude', 'is not', null)
      .where('longitude', 'is not', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last && last.latitude !== null && last.longitude !== null) {
      history.lastLocatedSuccess = { createdDateTime: last.created_at, countryOrRegion: last.country, city: last.city, latitude: last.latitude, longitude: last.longitude };
    }
  }

  if (query.ipAddress) {
    const address = await sql<{ failures: number; accounts: number }>`
      SELECT count(*) AS failures, count(DISTINCT coalesce(user_id::text, lower(user_principal_name))) AS accounts
      FROM sign_ins
      WHERE lower(ip_address) = lower(${query.ipAddress}::text) AND created_at >= ${query.failuresSince} AND error_code = ANY(${failureCodes})`.execute(log);
    history.addressFailures = Number(address.rows[0]?.failures ?? 0);
    history.addressDistinctAccounts = Number(address.rows[0]?.accounts ?? 0);
  }
  return history;
}

const earliest = (query: RiskHistoryQuery): Date => (query.historySince < query.failuresSince ? query.historySince : query.failuresSince);
