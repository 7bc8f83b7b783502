import { sql } from 'kysely';
import { inTransaction, type Db } from '#src/store/index.ts';
import { indexColumnsOf, type IndexColumns } from './audit.derive.ts';
import type { DirectoryAudit } from './audit.types.ts';

const NIL = '00000000-0000-0000-0000-000000000000';

/** Columns for an event whose JSON no longer parses: indexed anyway (verification reports the event). */
const unparsable = (): IndexColumns => ({
  id: NIL, activity_at: new Date(0), code: '', category: '', activity_display_name: '', result: '', initiated_by_id: null, target_ids: [], correlation_id: null,
});

function columnsOf(data: string): IndexColumns {
  try {
    return indexColumnsOf(JSON.parse(data) as DirectoryAudit);
  } catch {
    return unparsable();
  }
}

/**
 * Move up to `batch` events of the unindexed tail into audit_index (docs/adr/0006-narrow-audit-rows-async-index.md),
 * deriving their filter columns from the JSON with the same function appendAudit digested them with, and advance
 * each chain's watermark in the same transaction. Appends commit whole chain prefixes (head row lock), so the tail
 * of each chain is contiguous. Appends never wait for this; queries read indexed rows plus the tail, so running it
 * late makes filtered queries slower, never incomplete. Safe on several nodes at once (the watermark rows are
 * locked first); normally run under runIfLeader. Returns how many events were indexed.
 */
export async function indexAuditEvents(db: Db, batch = 10_000): Promise<number> {
  return inTransaction(db, async (trx) => {
    await sql`SELECT chain FROM audit_index_watermark ORDER BY chain FOR UPDATE`.execute(trx);
    const { rows } = await sql<{ chain: number; seq: number; data: string }>`
      SELECT e.chain, e.seq, e.data FROM audit_index_watermark w JOIN audit_events e ON e.chain = w.chain AND e.seq > w.seq
      ORDER BY e.chain, e.seq LIMIT ${batch}`.execute(trx);
    if (rows.length === 0) return 0;
    const entries = rows.map((row) => ({ chain: row.chain, seq: row.seq, ...columnsOf(row.data) }));
    await sql`INSERT INTO audit_index (chain, seq, id, activity_at, code, category, activity_display_name, result, initiated_by_id, target_ids, correlation_id)
      SELECT chain, seq, id, activity_at, code, category, activity_display_name, result, initiated_by_id, target_ids, correlation_id
      FROM jsonb_to_recordset(${JSON.stringify(entries)}::jsonb) AS r(chain smallint, seq bigint, id uuid, activity_at timestamptz, code text, category text,
        activity_display_name text, result text, initiated_by_id uuid, target_ids uuid[], correlation_id uuid)`.execute(trx);
    const marks = new Map<number, number>();
    for (const row of rows) marks.set(row.chain, row.seq);
    await sql`UPDATE audit_index_watermark w SET seq = m.seq
      FROM jsonb_to_recordset(${JSON.stringify([...marks].map(([chain, seq]) => ({ chain, seq })))}::jsonb) AS m(chain smallint, seq bigint)
      WHERE w.chain = m.chain`.execute(trx);
    return rows.length;
  });
}

/** Index until the tail is empty (or at least `limit` events were indexed); returns how many were indexed. */
export async function indexAllAuditEvents(db: Db, batch = 10_000, limit = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  for (;;) {
    const indexed = await indexAuditEvents(db, Math.min(batch, limit - total));
    total += indexed;
    if (indexed === 0 || total >= limit) return total;
  }
}
