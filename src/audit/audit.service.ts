import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '#src/core/clock.ts';
import { newId } from '#src/core/crypto.ts';
import type { Db } from '#src/store/index.ts';
import { auditEvents, type AuditEventName } from './audit.registry.ts';
import type { Actor, AuditTarget, DirectoryAudit } from './audit.types.ts';

export interface AuditInput {
  event: AuditEventName;
  actor: Actor;
  targets?: AuditTarget[];
  result?: 'success' | 'failure';
  resultReason?: string;
  details?: Record<string, string | number | boolean | null | undefined>;
  correlationId?: string | null;
}

export const GENESIS_HASH = '0'.repeat(64);
const INSERT_CHUNK = 500;

/** The hash that links an event to its predecessor; verification recomputes exactly this. */
export function chainHash(prevHash: string, seq: number, data: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(String(seq)).update('\n').update(data).digest('hex');
}

export function toDirectoryAudit(input: AuditInput, id: string, at: Date): DirectoryAudit {
  const spec = auditEvents[input.event];
  const actor = input.actor;
  const details: { key: string; value: string }[] = [{ key: 'eventCode', value: spec.code }];
  for (const [key, value] of Object.entries(input.details ?? {})) {
    if (value !== undefined && value !== null) details.push({ key, value: String(value) });
  }
  return {
    id,
    activityDateTime: at.toISOString(),
    activityDisplayName: spec.activity,
    category: spec.category,
    correlationId: input.correlationId ?? null,
    initiatedBy: {
      user:
        actor.kind === 'user'
          ? { id: actor.id, displayName: actor.displayName ?? null, userPrincipalName: actor.userPrincipalName ?? null, ipAddress: actor.ipAddress ?? null }
          : null,
      app:
        actor.kind === 'app'
          ? { appId: actor.appId, displayName: actor.displayName ?? null, servicePrincipalId: actor.servicePrincipalId, servicePrincipalName: actor.displayName ?? null }
          : actor.kind === 'system'
            ? { appId: '00000000-0000-0000-0000-000000000000', displayName: 'Gatehouse', servicePrincipalId: '00000000-0000-0000-0000-000000000000', servicePrincipalName: 'Gatehouse' }
            : null,
    },
    loggedByService: 'Gatehouse',
    operationType: spec.operationType,
    result: input.result ?? 'success',
    resultReason: input.resultReason ?? '',
    targetResources: (input.targets ?? []).map((t) => ({
      id: t.id,
      type: t.type,
      displayName: t.displayName ?? null,
      userPrincipalName: t.userPrincipalName ?? null,
      modifiedProperties: t.modifiedProperties ?? [],
    })),
    additionalDetails: details,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Append events to the hash chain inside the caller's transaction (the same one as the change they record).
 * The head row is locked until commit, which gives the chain one order across nodes; call this last in a
 * transaction to hold the lock briefly. Many events go in one multi-row insert (group commit).
 */
export async function appendAudit(trx: Db, clock: Clock, inputs: AuditInput | AuditInput[]): Promise<void> {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length === 0) return;
  const head = await sql<{ seq: number; hash: string }>`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`.execute(trx);
  let { seq, hash } = head.rows[0] ?? { seq: 0, hash: GENESIS_HASH };
  const at = clock.now();
  const rows = list.map((input) => {
    const id = newId();
    const audit = toDirectoryAudit(input, id, at);
    const data = JSON.stringify(audit);
    seq += 1;
    const prevHash = hash;
    hash = chainHash(prevHash, seq, data);
    const actor = input.actor;
    return {
      seq,
      id,
      activity_at: at,
      code: auditEvents[input.event].code,
      category: audit.category,
      activity_display_name: audit.activityDisplayName,
      result: audit.result,
      initiated_by_id: actor.kind === 'user' ? actor.id : actor.kind === 'app' ? actor.servicePrincipalId : null,
      target_ids: audit.targetResources.map((t) => t.id).filter((t) => UUID.test(t)),
      correlation_id: input.correlationId && UUID.test(input.correlationId) ? input.correlationId : null,
      data,
      prev_hash: prevHash,
      hash,
    };
  });
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await trx.insertInto('audit_events').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }
  await sql`UPDATE audit_head SET seq = ${seq}, hash = ${hash} WHERE id = 1`.execute(trx);
}
