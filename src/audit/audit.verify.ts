import { sql } from 'kysely';
import type { Db } from '#src/store/index.ts';
import { AUDIT_CHAINS, chainHash, GENESIS_HASH, type ChainedColumns } from './audit.service.ts';

/** The last event of one chain. */
export interface ChainHead {
  chain: number;
  seq: number;
  hash: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** Every chain's last event; keep `formatCheckpoint(heads)` elsewhere to detect a truncated tail later. */
  heads: ChainHead[];
  /** The first broken link found (lowest chain, then lowest seq), when not ok. */
  broken?: { chain: number; seq: number; id: string | null; reason: string };
}

export interface VerifyOptions {
  /** Heads recorded earlier: also detect truncation or rewriting since then. */
  expectedHeads?: ChainHead[];
}

/** `chain:seq:hash,…` for the chains that have events: what `audit verify` prints and `--expect` takes back. */
export const formatCheckpoint = (heads: ChainHead[]): string =>
  heads.filter((h) => h.seq > 0).map((h) => `${h.chain}:${h.seq}:${h.hash}`).join(',');

export function parseCheckpoint(text: string): ChainHead[] | undefined {
  const heads: ChainHead[] = [];
  for (const part of text.split(',').filter(Boolean)) {
    const match = /^(\d{1,2}):(\d+):([0-9a-f]{64})$/.exec(part.trim());
    if (!match) return undefined;
    heads.push({ chain: Number(match[1]), seq: Number(match[2]), hash: match[3] as string });
  }
  return heads;
}

type Problem = 'gap' | 'link' | 'hash';

function describe(problem: Problem, chain: number, seq: number, prevSeq: number): string {
  switch (problem) {
    case 'gap':
      return `chain ${chain}: event ${prevSeq + 1} is missing (next present is ${seq})`;
    case 'link':
      return `chain ${chain}: event ${seq} does not link to event ${prevSeq} (prev_hash differs)`;
    case 'hash':
      return `chain ${chain}: event ${seq} was modified (hash differs)`;
  }
}

/**
 * The hash input of `chainHash` (audit.service.ts) built in SQL from the stored columns. One concat() call (NULL
 * counts as empty, like `?? ''` in TypeScript) is twice as fast as a chain of || operators.
 */
const HASH_INPUT = sql<string>`concat(prev_hash, E'\n', chain, ':', seq, '|', id, '|', (date_part('epoch', activity_at) * 1000)::bigint, '|',
  code, '|', category, '|', activity_display_name, '|', result, '|', initiated_by_id, '|', pg_catalog.array_to_string(target_ids, ','), '|',
  correlation_id, E'\n', data)`;

interface Finding {
  chain: number;
  seq: number;
  id: string;
  problem: Problem;
  prev_seq: number | null;
}

/** First event whose hash does not match its columns and JSON (hashing runs in PostgreSQL, in one scan). */
async function firstModified(db: Db): Promise<Finding | undefined> {
  const { rows } = await sql<Finding>`
    SELECT chain, seq, id, 'hash' AS problem, NULL::bigint AS prev_seq FROM audit_events
    WHERE pg_catalog.sha256(pg_catalog.convert_to(${HASH_INPUT}, 'UTF8')) <> pg_catalog.decode(hash, 'hex')
    -- "+ 0" keeps the planner from walking the primary key in order (random heap reads): a parallel sequential
    -- scan then sorts the few findings.
    ORDER BY chain + 0, seq + 0 LIMIT 1`.execute(db);
  return rows[0];
}

/** First event that does not follow its predecessor (missing seq or wrong prev_hash); reads narrow columns only. */
async function firstBrokenLink(db: Db): Promise<Finding | undefined> {
  const { rows } = await sql<Finding>`
    SELECT chain, seq, id, prev_seq, CASE WHEN seq <> coalesce(prev_seq, 0) + 1 THEN 'gap' ELSE 'link' END AS problem
    FROM (SELECT chain, seq, id, prev_hash, lag(seq) OVER w AS prev_seq, lag(hash) OVER w AS prev_row_hash
          FROM audit_events WINDOW w AS (PARTITION BY chain ORDER BY seq)) t
    WHERE seq <> coalesce(prev_seq, 0) + 1 OR prev_hash <> coalesce(prev_row_hash, ${GENESIS_HASH})
    ORDER BY chain, seq LIMIT 1`.execute(db);
  return rows[0];
}

/**
 * Verify every chain inside PostgreSQL: one scan recomputes every hash with pg_catalog.sha256, another (over
 * narrow columns, at the same time on a second connection) checks every link and sequence number; only the first
 * broken event travels back. `verifyAuditChainInProcess` does the same work in Gatehouse itself, trusting nothing
 * of the database but the rows it returns (slower; `gatehouse audit verify --in-process`).
 */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  const [modified, unlinked, tails] = await Promise.all([firstModified(db), firstBrokenLink(db), storedTails(db)]);
  const heads = tails.map(({ count: _c, ...h }) => h);
  const checked = tails.reduce((n, h) => n + h.count, 0);
  // The earliest finding wins; on the same event a broken link is reported before a changed hash.
  const first = [unlinked, modified]
    .filter((f): f is Finding => f !== undefined)
    .sort((a, b) => a.chain - b.chain || a.seq - b.seq)[0];
  if (first) {
    const prevSeq = first.prev_seq ?? first.seq - 1;
    const seq = first.problem === 'gap' ? prevSeq + 1 : first.seq;
    return { ok: false, checked, heads, broken: { chain: first.chain, seq, id: first.problem === 'gap' ? null : first.id, reason: describe(first.problem, first.chain, first.seq, prevSeq) } };
  }
  return checkHeads(db, { ok: true, checked, heads }, options);
}

/** The last event and event count of every chain, from the events themselves. */
async function storedTails(db: Db): Promise<(ChainHead & { count: number })[]> {
  const { rows } = await sql<{ chain: number; seq: number; hash: string; count: number }>`
    SELECT c AS chain, coalesce(t.seq, 0) AS seq, coalesce(t.hash, ${GENESIS_HASH}) AS hash, coalesce(n.count, 0) AS count
    FROM generate_series(1, ${AUDIT_CHAINS}) AS c
    LEFT JOIN LATERAL (SELECT seq, hash FROM audit_events WHERE chain = c ORDER BY seq DESC LIMIT 1) t ON true
    LEFT JOIN LATERAL (SELECT count(*) AS count FROM audit_events WHERE chain = c) n ON true
    ORDER BY c`.execute(db);
  return rows;
}

/** Compare each chain's last event with its head row, and with heads recorded earlier. */
async function checkHeads(db: Db, result: VerifyResult, options: VerifyOptions): Promise<VerifyResult> {
  const stored = (await sql<ChainHead>`SELECT id AS chain, seq, hash FROM audit_head ORDER BY id`.execute(db)).rows;
  for (const head of result.heads) {
    const row = stored.find((s) => s.chain === head.chain);
    if (!row || row.seq !== head.seq || row.hash !== head.hash) {
      return { ...result, ok: false, broken: { chain: head.chain, seq: head.seq + 1, id: null, reason: `chain ${head.chain}: the head (seq ${row?.seq ?? '?'}) does not match the last event (seq ${head.seq}): events were deleted from the end` } };
    }
  }
  for (const expected of options.expectedHeads ?? []) {
    const head = result.heads.find((h) => h.chain === expected.chain);
    if (!head || head.seq < expected.seq || (head.seq === expected.seq && head.hash !== expected.hash)) {
      return { ...result, ok: false, broken: { chain: expected.chain, seq: expected.seq, id: null, reason: `chain ${expected.chain}: the log no longer contains the recorded head seq ${expected.seq}: it was truncated or rewritten` } };
    }
  }
  return result;
}

const BATCH = 20_000;

/** Recompute every chain in this process, reading rows in keyset batches so memory stays flat. */
export async function verifyAuditChainInProcess(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  const heads: ChainHead[] = [];
  let checked = 0;
  let broken: VerifyResult['broken'];
  for (let chain = 1; chain <= AUDIT_CHAINS; chain++) {
    let prevSeq = 0;
    let prevHash = GENESIS_HASH;
    scan: for (;;) {
      const { rows } = await sql<ChainedColumns & { data: string; prev_hash: string; hash: string }>`
        SELECT chain, seq, id, activity_at, code, category, activity_display_name, result, initiated_by_id, target_ids, correlation_id,
               data, prev_hash, hash
        FROM audit_events WHERE chain = ${chain} AND seq > ${prevSeq} ORDER BY seq LIMIT ${BATCH}`.execute(db);
      for (const row of rows) {
        checked += 1;
        let problem: Problem | undefined;
        if (row.seq !== prevSeq + 1) problem = 'gap';
        else if (row.prev_hash !== prevHash) problem = 'link';
        else if (chainHash(prevHash, row, row.data) !== row.hash) problem = 'hash';
        if (problem && !broken) {
          broken = { chain, seq: problem === 'gap' ? prevSeq + 1 : row.seq, id: problem === 'gap' ? null : row.id, reason: describe(problem, chain, row.seq, prevSeq) };
        }
        prevSeq = row.seq;
        prevHash = row.hash;
      }
      if (rows.length < BATCH) break scan;
    }
    heads.push({ chain, seq: prevSeq, hash: prevHash });
  }
  if (broken) return { ok: false, checked, heads, broken };
  return checkHeads(db, { ok: true, checked, heads }, options);
}
