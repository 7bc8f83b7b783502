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

/**
 * Walk the chain in order and recompute every hash. Detects a changed event (hash mismatch), a deleted or
 * inserted one (sequence gap or prev_hash mismatch), reordering (seq is inside the hash), and a chain whose head
 * does not match its last event. Reads in keyset batches so memory stays flat.
 */
export async function verifyAuditChain(db: Db, options: { expectedHead?: { seq: number; hash: string } } = {}): Promise<VerifyResult> {
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
      let parsed: { id?: string; category?: string; additionalDetails?: { key: string; value: string }[] };
      try {
        parsed = JSON.parse(row.data) as typeof parsed;
      } catch {
        return fail(row.seq, row.id, `event ${row.seq} holds invalid JSON`);
      }
      const code = parsed.additionalDetails?.find((d) => d.key === 'eventCode')?.value;
      if (parsed.id !== row.id || parsed.category !== row.category || code !== row.code) {
        return fail(row.seq, row.id, `event ${row.seq} has index columns that disagree with its hashed data`);
      }
      prevSeq = row.seq;
      prevHash = row.hash;
      checked += 1;
    }
    if (rows.length < BATCH) break;
  }
  const head = await sql<{ seq: number; hash: string }>`SELECT seq, hash FROM audit_head WHERE id = 1`.execute(db);
  const stored = head.rows[0];
  if (!stored || stored.seq !== prevSeq || stored.hash !== prevHash) {
    return fail(prevSeq + 1, null, `the chain head (seq ${stored?.seq ?? '?'}) does not match the last event (seq ${prevSeq}): events were deleted from the end`);
  }
  const expected = options.expectedHead;
  if (expected && (prevSeq < expected.seq || (prevSeq === expected.seq && prevHash !== expected.hash))) {
    return fail(expected.seq, null, `the log no longer contains the recorded head seq ${expected.seq}: it was truncated or rewritten`);
  }
  return { ok: true, checked, head: { seq: prevSeq, hash: prevHash } };
}
