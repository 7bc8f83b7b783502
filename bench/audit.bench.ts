import { sql } from 'kysely';
import { manualClock } from '#src/core/clock.ts';
import { appendAudit, insertAuditRows, toDirectoryAudit, verifyAuditChain, type AuditInput, type AuditRow } from '#src/audit/index.ts';
import { newId } from '#src/core/crypto.ts';
import { inTransaction } from '#src/store/index.ts';
import { benchDatabases, report, scale, seconds, type BenchDatabase } from './harness.ts';

/**
 * Audit append with the hash chain, batched (one transaction and multi-row INSERTs per 500 events), against a
 * plain batched insert of the same rows into an identical unchained table in the same run. Then chain
 * verification over the whole log. fsync is on in both PostgreSQLs.
 */
const BATCH = 500;

const event = (i: number): AuditInput => ({
  event: 'group.memberAdded',
  actor: { kind: 'user', id: '6f0c3c36-3d1c-4b8e-9a55-1f6f0b9b7a01', displayName: 'Bench Admin', userPrincipalName: 'bench@contoso.test', ipAddress: '127.0.0.1' },
  targets: [
    { id: newId(), type: 'Group', displayName: `Vendor group ${i % 1000}` },
    { id: newId(), type: 'User', displayName: `Supplier engineer ${i}`, userPrincipalName: `engineer${i}@vendor.test` },
  ],
  correlationId: newId(),
});

async function appendChained(db: BenchDatabase['db'], total: number): Promise<number> {
  const clock = manualClock();
  const start = process.hrtime.bigint();
  for (let done = 0; done < total; done += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, total - done) }, (_, i) => event(done + i));
    await inTransaction(db, (trx) => appendAudit(trx, clock, batch));
  }
  return total / seconds(start);
}

/** The baseline: the same rows through the same insert path into the same table, without hashing or head locks. */
async function appendPlain(db: BenchDatabase['db'], total: number): Promise<number> {
  const clock = manualClock();
  let seq = 0;
  const start = process.hrtime.bigint();
  for (let done = 0; done < total; done += BATCH) {
    const rows: AuditRow[] = Array.from({ length: Math.min(BATCH, total - done) }, (_, i) => {
      const id = newId();
      const audit = toDirectoryAudit(event(done + i), id, clock.now());
      seq += 1;
      return {
        chain: 16, seq, id, activity_at: clock.now(), code: 'GH1204I', category: audit.category, activity_display_name: audit.activityDisplayName,
        result: 'success', initiated_by_id: audit.initiatedBy.user?.id ?? null, target_ids: audit.targetResources.map((t) => t.id),
        correlation_id: audit.correlationId, data: JSON.stringify(audit), prev_hash: '', hash: '',
      };
    });
    await inTransaction(db, (trx) => insertAuditRows(trx, rows));
  }
  const rate = total / seconds(start);
  // The baseline runs first on an empty log: clear it so the chained run and verification start clean.
  await sql`TRUNCATE audit_events`.execute(db);
  return rate;
}

export async function auditBench(): Promise<void> {
  const appendTotal = scale(200_000);
  const verifyTotal = scale(1_000_000);
  for (const open of await benchDatabases()) {
    const database = await open();
    try {
      const plain = await appendPlain(database.db, appendTotal);
      const chained = await appendChained(database.db, appendTotal);
      report(`audit append [${database.name}] ${appendTotal} events in batches of ${BATCH}: chained ${Math.round(chained)} events/s, plain insert ${Math.round(plain)} rows/s, ratio ${(chained / plain).toFixed(2)} (goal >= 40000/s, ratio >= 0.75)`);
      await appendChained(database.db, verifyTotal - appendTotal);
      const start = process.hrtime.bigint();
      const result = await verifyAuditChain(database.db);
      const took = seconds(start);
      if (!result.ok || result.checked !== verifyTotal) throw new Error(`verification failed: ${JSON.stringify(result.broken)}`);
      report(`audit verify [${database.name}] ${verifyTotal} events in ${took.toFixed(2)} s = ${Math.round(verifyTotal / took)} events/s (goal: 1M in <= 3 s)`);
    } finally {
      await database.close();
    }
  }
}
