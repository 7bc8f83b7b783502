import { sql } from 'kysely';
import type { Clock } from '#src/core/clock.ts';
import { isUuid, newId } from '#src/core/crypto.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import { appendAudit } from './audit.service.ts';
import { failureReasonFor } from './sign-in-log.codes.ts';
import type { SignInLogDb } from './sign-in-log.tables.ts';
import type { SignIn, SignInLogEntry } from './sign-in-log.types.ts';

/** Names typed at a sign-in form are attacker-controlled: long enough for any real address, no longer. */
const MAX_NAME = 320;
const MAX_TEXT = 1024;
const DAY_MS = 86_400_000;

const clip = (value: string | null | undefined, max = MAX_TEXT): string | null => {
  if (value === null || value === undefined) return null;
  // Control characters would let a typed name forge lines in exported logs.
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > max ? clean.slice(0, max) : clean;
};

const coordinate = (value: number | null | undefined, limit: number): number | null =>
  typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit ? value : null;

const unique = (values: Iterable<string>): string[] => [...new Set(values)];

/** The Graph object for an entry at `at`; pure, so the stored JSON and the columns agree by construction. */
export function toSignIn(entry: SignInLogEntry, id: string, at: Date): SignIn {
  if (!Number.isInteger(entry.status.errorCode) || entry.status.errorCode < 0) {
    throw new Error(`sign-in log: errorCode must be a non-negative integer, got ${entry.status.errorCode}`);
  }
  const userId = entry.userId && isUuid(entry.userId) ? entry.userId.toLowerCase() : null;
  const known = failureReasonFor(entry.status.errorCode);
  const location = entry.location ?? null;
  const latitude = coordinate(location?.latitude, 90);
  const longitude = coordinate(location?.longitude, 180);
  const risk = entry.risk ?? null;
  const level = risk?.level ?? 'none';
  const details = (entry.authenticationDetails ?? []).map((d) => ({
    authenticationMethod: clip(d.authenticationMethod, 100) ?? '',
    authenticationMethodDetail: clip(d.authenticationMethodDetail),
    authenticationStepDateTime:
      d.authenticationStepDateTime instanceof Date ? d.authenticationStepDateTime.toISOString() : (d.authenticationStepDateTime ?? null),
    authenticationStepRequirement: clip(d.authenticationStepRequirement),
    authenticationStepResultDetail: clip(d.authenticationStepResultDetail),
    succeeded: d.succeeded,
  }));
  const device = entry.deviceDetail ?? {};
  return {
    id,
    createdDateTime: at.toISOString(),
    userId,
    userPrincipalName: clip(entry.userPrincipalName, MAX_NAME) ?? '',
    userDisplayName: clip(entry.userDisplayName, 256),
    userType: userId ? (entry.userType ?? null) : null,
    appId: clip(entry.appId, 100) ?? '',
    appDisplayName: clip(entry.appDisplayName, 256) ?? '',
    resourceId: clip(entry.resourceId, 100),
    resourceDisplayName: clip(entry.resourceDisplayName, 256),
    ipAddress: clip(entry.ipAddress, 64)?.toLowerCase() ?? null,
    clientAppUsed: clip(entry.clientAppUsed, 100) ?? '',
    isInteractive: entry.isInteractive,
    homeTenantId: clip(entry.homeTenantId, 100),
    resourceTenantId: clip(entry.resourceTenantId, 100),
    correlationId: clip(entry.correlationId, 100),
    status: {
      errorCode: entry.status.errorCode,
      failureReason: clip(entry.status.failureReason) ?? known ?? (entry.status.errorCode === 0 ? null : 'Other.'),
      additionalDetails: clip(entry.status.additionalDetails),
    },
    conditionalAccessStatus: entry.conditionalAccessStatus,
    appliedConditionalAccessPolicies: (entry.appliedConditionalAccessPolicies ?? []).map((p) => ({
      id: p.id,
      displayName: p.displayName,
      enforcedGrantControls: [...(p.enforcedGrantControls ?? [])],
      enforcedSessionControls: [...(p.enforcedSessionControls ?? [])],
      result: p.result,
      reasons: [...(p.reasons ?? [])],
    })),
    deviceDetail: {
      deviceId: clip(device.deviceId, 100),
      displayName: clip(device.displayName, 256),
      operatingSystem: clip(device.operatingSystem, 100),
      browser: clip(device.browser, 100),
      isCompliant: device.isCompliant ?? false,
      isManaged: device.isManaged ?? false,
      trustType: clip(device.trustType, 100),
    },
    location: {
      city: clip(location?.city, 100),
      state: clip(location?.state, 100),
      countryOrRegion: clip(location?.countryOrRegion, 8)?.toUpperCase() ?? null,
      geoCoordinates: latitude !== null && longitude !== null ? { altitude: null, latitude, longitude } : null,
    },
    riskLevelDuringSignIn: level,
    riskLevelAggregated: level,
    riskState: level === 'none' ? 'none' : 'atRisk',
    riskDetail: 'none',
    riskEventTypes_v2: unique((risk?.reasons ?? []).map((r) => r.type)),
    riskReasons: (risk?.reasons ?? []).map((r) => ({ type: r.type, detail: clip(r.detail) ?? '' })),
    authenticationRequirement: entry.authenticationRequirement,
    authenticationMethodsUsed: unique(details.filter((d) => d.succeeded).map((d) => d.authenticationMethod)),
    authenticationDetails: details,
  };
}

/**
 * Record one sign-in attempt. Call it inside the sign-in's transaction (so a sign-in that rolls back leaves no
 * entry), or for a refused attempt in a transaction of its own (the refusal itself changes nothing else).
 * One INSERT; no lock is taken, unlike the audit chain.
 */
export async function appendSignInLog(trx: Db, clock: Clock, entry: SignInLogEntry): Promise<{ id: string }> {
  const id = newId();
  const signIn = toSignIn(entry, id, clock.now());
  await (trx as SignInLogDb)
    .insertInto('sign_ins')
    .values({
      id,
      created_at: new Date(signIn.createdDateTime),
      user_id: signIn.userId,
      user_principal_name: signIn.userPrincipalName,
      user_display_name: signIn.userDisplayName,
      user_type: signIn.userType,
      app_id: signIn.appId,
      app_display_name: signIn.appDisplayName,
      ip_address: signIn.ipAddress,
      client_app_used: signIn.clientAppUsed,
      is_interactive: signIn.isInteractive,
      error_code: signIn.status.errorCode,
      conditional_access_status: signIn.conditionalAccessStatus,
      risk_level: signIn.riskLevelDuringSignIn,
      risk_event_types: signIn.riskEventTypes_v2,
      country: signIn.location.countryOrRegion,
      city: signIn.location.city,
      latitude: signIn.location.geoCoordinates?.latitude ?? null,
      longitude: signIn.location.geoCoordinates?.longitude ?? null,
      correlation_id: signIn.correlationId,
      data: JSON.stringify(signIn),
    })
    .execute();
  return { id };
}

/** The oldest instant a sweep at `now` keeps: midnight UTC, `retentionDays` days before today. */
export function signInLogCutoff(now: Date, retentionDays: number): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - retentionDays * DAY_MS);
}

/**
 * Delete sign-ins older than the retention period, with an audit event saying how many and up to when. The
 * cutoff moves in whole days (signInLogCutoff), so the every-few-minutes sweep deletes once a day and the audit
 * log gets one event a day, not one per run; an entry is kept at least `retentionDays` and under a day more.
 * Run it under `runIfLeader`.
 */
export async function sweepSignInLog(deps: { db: Db; clock: Clock }, retentionDays: number): Promise<number> {
  const cutoff = signInLogCutoff(deps.clock.now(), retentionDays);
  return inTransaction(deps.db, async (trx) => {
    const result = await sql`DELETE FROM sign_ins WHERE created_at < ${cutoff}`.execute(trx);
    const deleted = Number(result.numAffectedRows ?? 0);
    if (deleted > 0) {
      await appendAudit(trx, deps.clock, {
        event: 'signInLog.retentionSwept',
        actor: { kind: 'system' },
        details: { deleted, olderThan: cutoff.toISOString(), retentionDays },
      });
    }
    return deleted;
  });
}
