import { sql } from 'kysely';
import type { Db } from '#src/store/index.ts';
import { chainHash, GENESIS_HASH } from './audit.service.ts';

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** Last sequence number and hash: record them elsewhere to detect a truncated tail later. */
  head: { seq: number; hash: string };
  /** The first broken link, when not ok. */
  broken?: { seq: number; id: string | null; reason: string };
}

const BATCH = 20_000;

export interface VerifyOptions {
  /** A head recorded earlier (`seq:hash`): also detect truncation or rewriting since then. */
  expectedHead?: { seq: number; hash: string };
}

/** First problem per event, as checked in PostgreSQL; `null` when the event is sound. */
const PROBLEM = sql<string | null>`CASE
  WHEN seq <> coalesce(prev_seq, 0) + 1 THEN 'gap'
  WHEN prev_hash <> coalesce(prev_row_hash, ${GENESIS_HASH}) THEN 'link'
  WHEN encode(pg_catalog.sha256(pg_catalog.convert_to(prev_hash || E'\n' || seq::text || E'\n' || data, 'UTF8')), 'hex') <> hash THEN 'hash'
  WHEN pg_catalog.left(data, 44) <> '{"id":"' || id::text || '"'
    OR pg_catalog.strpos(data, '"category":' || pg_catalog.to_json(category)::text) = 0
    OR pg_catalog.strpos(data, '{"key":"eventCode","value":' || pg_catalog.to_json(code)::text || '}') = 0 THEN 'columns'
  END`;

/**
 * Verify the chain in one pass inside PostgreSQL: every hash is recomputed with pg_catalog.sha256 and every link
 * and sequence number compared with its predecessor; only the first broken event travels back. Fast enough to run
 * daily on large logs. `verifyAuditChainInProcess` recomputes the same in Gatehouse itself, trusting nothing of
 * the database but the rows (slower; `gatehouse audit verify --in-process`).
 */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  const { rows } = await sql<{ seq: number; id: string; problem: string; prev_seq: number | null; checked: number }>`
    WITH chain AS (
      SELECT seq, id, data, prev_hash, hash, code, category,
             lag(seq) OVER (ORDER BY seq) AS prev_seq, lag(hash) OVER (ORDER BY seq) AS prev_row_hash
      FROM audit_events
    ), judged AS (SELECT seq, id, prev_seq, ${PROBLEM} AS problem FROM chain)
    SELECT seq, id, problem, prev_seq, (SELECT count(*) FROM judged j2 WHERE j2.seq < judged.seq) AS checked
    FROM judged WHERE problem IS NOT NULL ORDER BY seq LIMIT 1`.execute(db);
  const bad = rows[0];
  if (bad) {
    const before = await sql<{ seq: number; hash: string }>`SELECT seq, hash FROM audit_events WHERE seq < ${bad.seq} ORDER BY seq DESC LIMIT 1`.execute(db);
    const head = before.rows[0] ?? { seq: 0, hash: GENESIS_HASH };
    const reason = {
      gap: `event ${(bad.prev_seq ?? 0) + 1} is missing (next present is ${bad.seq})`,
      link: `event ${bad.seq} does not link to event ${bad.prev_seq ?? 0} (prev_hash differs)`,
      hash: `event ${bad.seq} was modified (hash differs)`,
      columns: `event ${bad.seq} has index columns that disagree with its hashed data`,
    }[bad.problem as 'gap' | 'link' | 'hash' | 'columns'];
    const seq = bad.problem === 'gap' ? (bad.prev_seq ?? 0) + 1 : bad.seq;
    return { ok: false, checked: bad.checked, head, broken: { seq, id: bad.problem === 'gap' ? null : bad.id, reason } };
  }
  const last = await sql<{ seq: number; hash: string; n: number }>`
    SELECT (SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 1) AS seq,
           (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS hash,
           (SELECT count(*) FROM audit_events) AS n`.execute(db);
  const tail = last.rows[0];
  const head = { seq: tail?.seq ?? 0, hash: tail?.hash ?? GENESIS_HASH };
  return checkHead(db, { ok: true, checked: tail?.n ?? 0, head }, options);
}

async function checkHead(db: Db, result: VerifyResult, options: VerifyOptions): Promise<VerifyResult> {
  const stored = (await sql<{ seq: number; hash: string }>`SELECT seq, hash FROM audit_head WHERE id = 1`.execute(db)).rows[0];
  const { seq, hash } = result.head;
  if (!stored || stored.seq !== seq || stored.hash !== hash) {
    return { ...result, ok: false, broken: { seq: seq + 1, id: null, reason: `the chain head (seq ${stored?.seq ?? '?'}) does not match the last event (seq ${seq}): events were deleted from the end` } };
  }
  const expected = options.expectedHead;
  if (expected && (seq < expected.seq || (seq === expected.seq && hash !== expected.hash))) {
    return { ...result, ok: false, broken: { seq: expected.seq, id: null, reason: `the log no longer contains the recorded head seq ${expected.seq}: it was truncated or rewritten` } };
  }
  return result;
}

/**
 * Walk the chain in order and recompute every hash. Detects a changed event (hash mismatch), a deleted or
 * inserted one (sequence gap or prev_hash mismatch), reordering (seq is inside the hash), and a chain whose head
 * does not match its last event. Reads in keyset batches so memory stays flat.
 */
export async function verifyAuditChainInProcess(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  let prevSeq = 0;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  const fail = (seq: number, id: string | null, reason: string): VerifyResult => ({
    ok: false,
    checked,
    head: { seq: prevSeq, hash: prevHash },
    broken: { seq, id, reason },
  });
  for (;;) {
    const { rows } = await sql<{ seq: number; id: string; data: string; prev_hash: string; hash: string; code: string; category: string }>`
      SELECT seq, id, data, prev_hash, hash, code, category FROM audit_events WHERE seq > ${prevSeq} ORDER BY seq LIMIT ${BATCH}`.execute(db);
    for (const row of rows) {
      if (row.seq !== prevSeq + 1) return fail(prevSeq + 1, null, `event ${prevSeq + 1} is missing (next present is ${row.seq})`);
      if (row.prev_hash !== prevHash) return fail(row.seq, row.id, `event ${row.seq} does not link to event ${prevSeq} (prev_hash differs)`);
      if (chainHash(prevHash, row.seq, row.data) !== row.hash) return fail(row.seq, row.id, `event ${row.seq} was modified (hash differs)`);
      // The same cheap consistency checks as the SQL verifier: the columns used for filtering must agree with
      // the hashed JSON (id first, as JSON.stringify writes it).
      if (!row.data.startsWith(`{"id":"${row.id}"`) || !row.data.includes(`"category":${JSON.stringify(row.category)}`) || !row.data.includes(`{"key":"eventCode","value":${JSON.stringify(row.code)}}`)) {
        return fail(row.seq, row.id, `event ${row.seq} has index columns that disagree with its hashed data`);
      }
      prevSeq = row.seq;
      prevHash = row.hash;
      checked += 1;
    }
    if (rows.length < BATCH) break;
  }
  return checkHead(db, { ok: true, checked, head: { seq: prevSeq, hash: prevHash } }, options);
}
