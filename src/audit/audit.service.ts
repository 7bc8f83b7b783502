import { createHash, hash as oneShotHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '#src/core/clock.ts';
import { newId } from '#src/core/crypto.ts';
import type { Db } from '#src/store/index.ts';
import { indexColumnsOf, lineDigest } from './audit.derive.ts';
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
/** Independent chains (docs/adr/0003-parallel-audit-chains.md); a connection appends to chain pid % CHAINS + 1. */
export const AUDIT_CHAINS = 16;

/**
 * A row of audit_events as written now (format 2, docs/adr/0006-narrow-audit-rows-async-index.md): the exact JSON
 * and its place in the chain. The filter columns are derived from the JSON later, by the indexer.
 */
export interface AuditRow {
  chain: number;
  seq: number;
  /** `lineDigest` of the event's filter columns (audit.derive.ts). */
  line_digest: string;
  data: string;
  prev_hash: string;
  hash: string;
}

/**
 * Write rows in chunks, each as one JSON parameter unpacked by PostgreSQL (faster than bound parameters or typed
 * arrays, whose text encoding the driver does in JavaScript). No locking or hashing: appendAudit does that;
 * benchmarks use this alone as their baseline.
 */
export async function insertAuditRows(trx: Db, rows: AuditRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await sql`INSERT INTO audit_events (chain, seq, format, line_digest, data, prev_hash, hash)
      SELECT chain, seq, 2, line_digest, data, prev_hash, hash
      FROM jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + INSERT_CHUNK))}::jsonb) AS r(chain smallint, seq bigint, line_digest text, data text, prev_hash text, hash text)`.execute(trx);
  }
}

/** The stored columns of a format 1 event that its hash covers besides its JSON. */
export interface ChainedColumns {
  chain: number;
  seq: number;
  id: string;
  activity_at: Date;
  code: string;
  category: string;
  activity_display_name: string;
  result: string;
  initiated_by_id: string | null;
  target_ids: string[];
  correlation_id: string | null;
}

/** The canonical line of a format 1 event's columns; audit.verify.ts builds the same line in SQL. */
export const chainedLine = (c: ChainedColumns): string =>
  [`${c.chain}:${c.seq}`, c.id, c.activity_at.getTime(), c.code, c.category, c.activity_display_name, c.result, c.initiated_by_id ?? '', c.target_ids.join(','), c.correlation_id ?? ''].join('|');

/**
 * Format 1 (events written before the narrow rows): the hash covers the predecessor's hash, the stored filter
 * columns and the exact JSON. Kept so that those events stay verifiable.
 */
export function chainHashV1(prevHash: string, columns: ChainedColumns, data: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(chainedLine(columns)).update('\n').update(data).digest('hex');
}

/**
 * Format 2: the hash that links an event to its predecessor covers the predecessor's hash, the event's place
 * (chain and seq), the digest of its filter columns (so no index entry can be edited unnoticed, though the
 * columns live in audit_index) and its exact JSON. Verification recomputes exactly this.
 */
export function chainHash(prevHash: string, chain: number, seq: number, lineDigest: string, data: string): string {
  // One-shot crypto.hash: half the cost of a createHash object for inputs this small (it is the append's hot path).
  return oneShotHash('sha256', `${prevHash}\n${chain}:${seq}\n${lineDigest}\n${data}`);
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

/**
 * Append events to a hash chain inside the caller's transaction (the same one as the change they record). The
 * chain's head row is locked until commit, which gives that chain one order across nodes and makes every chain's
 * committed events a contiguous prefix (what the indexer relies on); each database connection uses its own chain
 * (backend pid modulo 16), so concurrent transactions do not queue behind each other's commit. Call this last in
 * a transaction; many events go in multi-row inserts (group commit).
 */
export async function appendAudit(trx: Db, clock: Clock, inputs: AuditInput | AuditInput[]): Promise<void> {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length === 0) return;
  const head = await sql<{ chain: number; seq: number; hash: string }>`
    SELECT id AS chain, seq, hash FROM audit_head WHERE id = pg_backend_pid() % ${AUDIT_CHAINS} + 1 FOR UPDATE`.execute(trx);
  const current = head.rows[0];
  if (!current) throw new Error('audit chain head is missing; run the migrations');
  const chain = current.chain;
  let { seq, hash } = current;
  const at = clock.now();
  const rows = list.map((input): AuditRow => {
    const audit = toDirectoryAudit(input, newId(), at);
    const data = JSON.stringify(audit);
    const digest = lineDigest(indexColumnsOf(audit));
    seq += 1;
    const prevHash = hash;
    hash = chainHash(prevHash, chain, seq, digest, data);
    return { chain, seq, line_digest: digest, data, prev_hash: prevHash, hash };
  });
  await insertAuditRows(trx, rows);
  await sql`UPDATE audit_head SET seq = ${seq}, hash = ${hash} WHERE id = ${chain}`.execute(trx);
}
