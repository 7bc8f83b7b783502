import { sql } from 'kysely';
import { manualClock } from '#src/core/clock.ts';
import { appendAudit, indexAllAuditEvents, insertAuditRows, toDirectoryAudit, verifyAuditChain, verifyAuditChainInProcess, type AuditInput, type AuditRow } from '#src/audit/index.ts';
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

/** Run `write` over `total` events in batches of BATCH on `writers` concurrent connections; events per second. */
async function inBatches(total: number, writers: number, write: (first: number, count: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let first = next; first < total; first = next) {
        next += BATCH;
        await write(first, Math.min(BATCH, total - first));
      }
    }),
  );
  return total / seconds(start);
}

async function appendChained(db: BenchDatabase['db'], total: number, writers = 1): Promise<number> {
  const clock = manualClock();
  return inBatches(total, writers, async (first, count) => {
    const batch = Array.from({ length: count }, (_, i) => event(first + i));
    await inTransaction(db, (trx) => appendAudit(trx, clock, batch));
  });
}

/** The baseline: the same rows through the same insert path into the same table, without hashing or head locks. */
async function appendPlain(db: BenchDatabase['db'], total: number, writers = 1): Promise<number> {
  const clock = manualClock();
  const rate = await inBatches(total, writers, async (first, count) => {
    const rows: AuditRow[] = Array.from({ length: count }, (_, i) => ({
      chain: 16, seq: first + i + 1, line_digest: '', data: JSON.stringify(toDirectoryAudit(event(first + i), newId(), clock.now())), prev_hash: '', hash: '',
    }));
    await inTransaction(db, (trx) => insertAuditRows(trx, rows));
  });
  return rate;
}

/**
 * Empty the log and checkpoint, so that every measured run starts alike: without this, the WAL written by one run
 * triggers a checkpoint (and its full-page writes) during the next.
 */
async function emptyLog(db: BenchDatabase['db']): Promise<void> {
  await sql`TRUNCATE audit_events, audit_index`.execute(db);
  await sql`UPDATE audit_head SET seq = 0, hash = ${'0'.repeat(64)}`.execute(db);
  await sql`UPDATE audit_index_watermark SET seq = 0`.execute(db);
  await sql`CHECKPOINT`.execute(db);
}

export async function auditBench(): Promise<void> {
  const appendTotal = scale(200_000);
  const verifyTotal = scale(1_000_000);
  for (const open of await benchDatabases()) {
    const database = await open();
    try {
      const rates: Record<string, number> = {};
      for (const writers of [1, 2]) {
        await emptyLog(database.db);
        rates[`plain${writers}`] = await appendPlain(database.db, appendTotal, writers);
        await emptyLog(database.db);
        rates[`chained${writers}`] = await appendChained(database.db, appendTotal, writers);
      }
      const { plain1: plain = 0, plain2 = 0, chained1: chained = 0, chained2 = 0 } = rates;
      report(`audit append [${database.name}] ${appendTotal} events in batches of ${BATCH}, 1 writer: chained ${Math.round(chained)} events/s, plain insert ${Math.round(plain)} rows/s, ratio ${(chained / plain).toFixed(2)} (goal >= 40000/s, ratio >= 0.75)`);
      report(`audit append [${database.name}] ${appendTotal} events in batches of ${BATCH}, 2 writers: chained ${Math.round(chained2)} events/s, plain insert ${Math.round(plain2)} rows/s, ratio ${(chained2 / plain2).toFixed(2)}`);
      // The filter index is maintained behind the appends (ADR 0006): its own rate bounds the sustained one.
      let start = process.hrtime.bigint();
      const indexed = await indexAllAuditEvents(database.db);
      report(`audit index [${database.name}] ${indexed} events moved to audit_index at ${Math.round(indexed / seconds(start))} events/s (asynchronous, behind the appends)`);
      await appendChained(database.db, verifyTotal - appendTotal, 2);
      start = process.hrtime.bigint();
      await indexAllAuditEvents(database.db);
      const indexRate = (verifyTotal - indexed) / seconds(start);
      report(`audit index [${database.name}] ${verifyTotal - indexed} more events indexed at ${Math.round(indexRate)} events/s`);
      start = process.hrtime.bigint();
      const result = await verifyAuditChain(database.db);
      const took = seconds(start);
      if (!result.ok || result.checked !== verifyTotal) throw new Error(`verification failed: ${JSON.stringify(result.broken)}`);
      report(`audit verify [${database.name}] ${verifyTotal} events (all indexed) in ${took.toFixed(2)} s = ${Math.round(verifyTotal / took)} events/s (goal: 1M in <= 3 s)`);
      // Again: the first read of freshly written rows also sets their hint bits, which a log's later
      // verifications do not pay.
      start = process.hrtime.bigint();
      await verifyAuditChain(database.db);
      report(`audit verify [${database.name}] again: ${seconds(start).toFixed(2)} s`);
      if (process.env.BENCH_AUDIT_IN_PROCESS === '1') {
        start = process.hrtime.bigint();
        const inProcess = await verifyAuditChainInProcess(database.db);
        if (!inProcess.ok) throw new Error(`in-process verification failed: ${JSON.stringify(inProcess.broken)}`);
        report(`audit verify --in-process [${database.name}] ${verifyTotal} events in ${seconds(start).toFixed(2)} s`);
      }
    } finally {
      await database.close();
    }
  }
}
