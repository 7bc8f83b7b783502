import { sql } from 'kysely';
import type { Db } from '#src/store/index.ts';
import { AUDIT_CHAINS, chainHash, chainHashV1, GENESIS_HASH, type ChainedColumns } from './audit.service.ts';
import { lineDigest, sameIndexColumns, type IndexColumns } from './audit.derive.ts';

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

type Problem = 'gap' | 'link' | 'hash' | 'index';

function describe(problem: Problem, chain: number, seq: number, prevSeq: number): string {
  switch (problem) {
    case 'gap':
      return `chain ${chain}: event ${prevSeq + 1} is missing (next present is ${seq})`;
    case 'link':
      return `chain ${chain}: event ${seq} does not link to event ${prevSeq} (prev_hash differs)`;
    case 'hash':
      return `chain ${chain}: event ${seq} was modified (hash differs)`;
    case 'index':
      return `chain ${chain}: the index entry of event ${seq} does not match the event (its filter columns were edited, added or removed)`;
  }
}

/**
 * The hash input of `chainHash` / `chainHashV1` (audit.service.ts) built in SQL from the stored columns. One concat()
 * call (NULL counts as empty, like `?? ''` in TypeScript) is twice as fast as a chain of || operators.
 */
const HASH_INPUT = sql<string>`CASE WHEN format = 2 THEN concat(prev_hash, E'\n', chain, ':', seq, E'\n', line_digest, E'\n', data)
  ELSE concat(prev_hash, E'\n', chain, ':', seq, '|', id, '|', (date_part('epoch', activity_at) * 1000)::bigint, '|',
  code, '|', category, '|', activity_display_name, '|', result, '|', initiated_by_id, '|', pg_catalog.array_to_string(target_ids, ','), '|',
  correlation_id, E'\n', data) END`;

/** Where a finding sorts: a gap at the first missing event, anything else at its own event. */
const place = (f: Finding): number => (f.problem === 'gap' ? (f.prev_seq ?? 0) + 1 : f.seq);

/**
 * The id reported for a broken event: its column (format 1), or read from the start of its JSON without parsing
 * it (format 2), since the JSON of a modified event need not parse. `eventId` is the same in TypeScript.
 */
const EVENT_ID = sql<string>`coalesce(id::text, substring(data from '^\\{"id":"([0-9a-fA-F-]{36})"'))`;
const eventId = (row: { id: string | null; data: string }): string | null => row.id ?? /^\{"id":"([0-9a-fA-F-]{36})"/.exec(row.data)?.[1] ?? null;

interface Finding {
  chain: number;
  seq: number;
  id: string;
  problem: Problem;
  prev_seq: number | null;
}

/** `indexLine` (audit.derive.ts) of an audit_index row, in SQL. */
const INDEX_LINE = sql<string>`concat(i.id, '|', (date_part('epoch', i.activity_at) * 1000)::bigint, '|', i.code, '|', i.category, '|',
  i.activity_display_name, '|', i.result, '|', i.initiated_by_id, '|', pg_catalog.array_to_string(i.target_ids, ','), '|', i.correlation_id)`;

/** Whether an audit_index row `i` matches its event `e` (format 2: hashes to its line digest). */
const INDEX_MATCHES = sql<boolean>`CASE WHEN e.format = 2 THEN pg_catalog.sha256(pg_catalog.convert_to(${INDEX_LINE}, 'UTF8')) = pg_catalog.decode(e.line_digest, 'hex')
  ELSE (e.id::text, e.activity_at, e.code, e.category, e.activity_display_name, e.result, e.initiated_by_id, e.target_ids, e.correlation_id)
       IS NOT DISTINCT FROM (i.id::text, i.activity_at, i.code, i.category, i.activity_display_name, i.result, i.initiated_by_id, i.target_ids, i.correlation_id) END`;

/**
 * First bad audit_index entry in one statement (a full outer join, not parallel): one whose event does not match
 * it, that is missing below its chain's watermark, or that exists without an event or above the watermark. Only
 * run when the range scans' counts disagree with the number of entries.
 */
async function firstBadIndexEntry(db: Db): Promise<Finding | undefined> {
  const { rows } = await withWorkMem(db, (trx) => sql<Finding>`
    SELECT coalesce(e.chain, i.chain) AS chain, coalesce(e.seq, i.seq) AS seq, coalesce(i.id::text, e.id) AS id, 'index' AS problem, NULL::bigint AS prev_seq
    FROM (SELECT e.chain, e.seq, e.format, e.line_digest, ${EVENT_ID} AS id, e.activity_at, e.code, e.category, e.activity_display_name, e.result,
                 e.initiated_by_id, e.target_ids, e.correlation_id
          FROM audit_events e JOIN audit_index_watermark w ON w.chain = e.chain AND e.seq <= w.seq) e
    FULL JOIN audit_index i ON i.chain = e.chain AND i.seq = e.seq
    WHERE e.chain IS NULL OR i.chain IS NULL OR NOT ${INDEX_MATCHES}
    ORDER BY 1, 2 LIMIT 1`.execute(trx));
  return rows[0];
}

/** Events per range scan: small enough to spread a chain over connections, large enough to amortise a query. */
const RANGE = 50_000;
/** Range scans in flight (each one PostgreSQL backend); more gains nothing on two cores. */
const VERIFY_CONNECTIONS = 3;

/**
 * Everything verification checks about events `lo`..`hi` of one chain, in one ordered pass over the primary key
 * (one heap read per event): each hash is recomputed, each event links to the one before (the last event before
 * `lo`, or the genesis), and each index entry matches its event and the watermark (read in the same snapshot).
 * Returns the first problem and how many of these events have an index entry.
 */
async function checkRange(db: Db, chain: number, lo: number, hi: number): Promise<{ finding: Finding | undefined; indexed: number }> {
  const { rows } = await withWorkMem(db, async (trx) => {
    // Walk both primary keys in order: no sort, no hash table, each heap page read once.
    await sql`SET LOCAL enable_seqscan = off`.execute(trx);
    await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
    await sql`SET LOCAL enable_hashjoin = off`.execute(trx);
    return sql<Finding & { indexed: number }>`
    WITH seed AS (
      SELECT coalesce(p.seq, 0) AS seq, coalesce(p.hash, ${GENESIS_HASH}) AS hash
      FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT seq, hash FROM audit_events WHERE chain = ${chain} AND seq < ${lo} ORDER BY seq DESC LIMIT 1) p ON true),
    ev AS (
      SELECT chain, seq, format, line_digest, id, activity_at, code, category, activity_display_name, result, initiated_by_id, target_ids,
             correlation_id, prev_hash, hash, pg_catalog.sha256(pg_catalog.convert_to(${HASH_INPUT}, 'UTF8')) = pg_catalog.decode(hash, 'hex') AS hash_ok
      FROM audit_events WHERE chain = ${chain} AND seq >= ${lo} AND seq <= ${hi}),
    r AS MATERIALIZED (
      SELECT e.seq, e.hash_ok, e.prev_hash, lag(e.seq, 1, s.seq) OVER w AS prev_seq, lag(e.hash, 1, s.hash) OVER w AS prev_row_hash,
             i.seq IS NOT NULL AS indexed,
             CASE WHEN e.seq <= wm.seq THEN i.seq IS NOT NULL AND ${INDEX_MATCHES} ELSE i.seq IS NULL END AS index_ok
      FROM ev e CROSS JOIN seed s CROSS JOIN (SELECT coalesce(max(seq), 0) AS seq FROM audit_index_watermark WHERE chain = ${chain}) wm
      LEFT JOIN audit_index i ON i.chain = e.chain AND i.seq = e.seq AND i.chain = ${chain} AND i.seq >= ${lo} AND i.seq <= ${hi}
      WINDOW w AS (ORDER BY e.seq))
    SELECT (SELECT count(*) FROM r WHERE indexed)::bigint AS indexed, ${chain}::int AS chain, f.seq, f.prev_seq, f.problem,
           (SELECT ${EVENT_ID} FROM audit_events WHERE chain = ${chain} AND seq = f.seq) AS id
    FROM (SELECT 1) one LEFT JOIN LATERAL (
      SELECT seq, prev_seq,
             CASE WHEN seq <> prev_seq + 1 THEN 'gap' WHEN prev_hash <> prev_row_hash THEN 'link' WHEN NOT hash_ok THEN 'hash' ELSE 'index' END AS problem
      FROM r WHERE seq <> prev_seq + 1 OR prev_hash <> prev_row_hash OR NOT hash_ok OR NOT index_ok
      ORDER BY seq LIMIT 1) f ON true`.execute(trx);
  });
  const row = rows[0];
  return { finding: row?.problem ? row : undefined, indexed: row?.indexed ?? 0 };
}

/** Run `tasks` with at most `limit` in flight. */
async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    for (let i = next++; i < tasks.length; i = next++) results[i] = await (tasks[i] as () => Promise<T>)();
  }));
  return results;
}

/** Run one verification statement with room to hash and sort in memory (the default 4 MB spills to disk). */
function withWorkMem<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL work_mem = '64MB'`.execute(trx);
    // Ranges run side by side already; parallel workers would only compete with them. JIT compilation costs
    // more than it saves on a 50k-row range (measured 0.4 s per range query, half its time).
    await sql`SET LOCAL max_parallel_workers_per_gather = 0`.execute(trx);
    await sql`SET LOCAL jit = off`.execute(trx);
    return work(trx);
  });
}

/**
 * Verify every chain inside PostgreSQL: each chain is cut into ranges of RANGE events, checked by `checkRange` on
 * VERIFY_CONNECTIONS connections at once (hashes, links and index entries in one ordered pass; only the first
 * broken event of a range travels back). Index entries without an event are caught by counting.
 * `verifyAuditChainInProcess` does the same work in Gatehouse itself, trusting nothing of the database but the
 * rows it returns (slower; `gatehouse audit verify --in-process`).
 */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  const tails = await storedTails(db);
  const heads = tails.map(({ count: _c, ...h }) => h);
  const checked = tails.reduce((n, h) => n + h.count, 0);
  const tasks = tails.flatMap((tail) =>
    Array.from({ length: Math.ceil(tail.seq / RANGE) }, (_, i) => () => checkRange(db, tail.chain, i * RANGE + 1, Math.min(tail.seq, (i + 1) * RANGE))),
  );
  const [ranges, entries] = await Promise.all([
    inParallel(tasks, VERIFY_CONNECTIONS),
    sql<{ n: number }>`SELECT count(*)::bigint AS n FROM audit_index`.execute(db),
  ]);
  const findings = ranges.map((r) => r.finding).filter((f): f is Finding => f !== undefined);
  if (ranges.reduce((n, r) => n + r.indexed, 0) !== entries.rows[0]?.n) {
    const orphan = await firstBadIndexEntry(db);
    if (orphan) findings.push(orphan);
  }
  // The earliest finding wins (a gap counts at its first missing event).
  const first = findings.sort((a, b) => a.chain - b.chain || place(a) - place(b))[0];
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

type StoredEvent = ChainedColumns & { format: number; line_digest: string | null; data: string; prev_hash: string; hash: string; indexed: IndexColumns | null };


/**
 * Recompute every chain in this process, reading rows in keyset batches so memory stays flat, in one
 * repeatable-read snapshot so the indexer may run meanwhile.
 */
export async function verifyAuditChainInProcess(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const marks = new Map((await sql<{ chain: number; seq: number }>`SELECT chain, seq FROM audit_index_watermark`.execute(trx)).rows.map((w) => [w.chain, w.seq]));
    const heads: ChainHead[] = [];
    let checked = 0;
    let broken: VerifyResult['broken'];
    for (let chain = 1; chain <= AUDIT_CHAINS; chain++) {
      const mark = marks.get(chain) ?? 0;
      let prevSeq = 0;
      let prevHash = GENESIS_HASH;
      scan: for (;;) {
        const { rows } = await sql<StoredEvent>`
          SELECT e.chain, e.seq, e.format, e.id, e.activity_at, e.code, e.category, e.activity_display_name, e.result, e.initiated_by_id, e.target_ids,
                 e.correlation_id, e.line_digest, e.data, e.prev_hash, e.hash, to_jsonb(i) AS indexed
          FROM audit_events e LEFT JOIN audit_index i ON i.chain = e.chain AND i.seq = e.seq
          WHERE e.chain = ${chain} AND e.seq > ${prevSeq} ORDER BY e.seq LIMIT ${BATCH}`.execute(trx);
        for (const row of rows) {
          checked += 1;
          let problem: Problem | undefined;
          if (row.seq !== prevSeq + 1) problem = 'gap';
          else if (row.prev_hash !== prevHash) problem = 'link';
          else if ((row.format === 2 ? chainHash(prevHash, chain, row.seq, row.line_digest ?? '', row.data) : chainHashV1(prevHash, row, row.data)) !== row.hash) problem = 'hash';
          else if (!indexEntryMatches(row, mark)) problem = 'index';
          if (problem && !broken) {
            broken = { chain, seq: problem === 'gap' ? prevSeq + 1 : row.seq, id: problem === 'gap' ? null : eventId(row), reason: describe(problem, chain, row.seq, prevSeq) };
          }
          prevSeq = row.seq;
          prevHash = row.hash;
        }
        if (rows.length < BATCH) break scan;
      }
      heads.push({ chain, seq: prevSeq, hash: prevHash });
    }
    const orphan = (await sql<{ chain: number; seq: number; id: string }>`
      SELECT i.chain, i.seq, i.id FROM audit_index i
      WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.chain = i.chain AND e.seq = i.seq) ORDER BY i.chain, i.seq LIMIT 1`.execute(trx)).rows[0];
    if (orphan && (!broken || orphan.chain < broken.chain || (orphan.chain === broken.chain && orphan.seq < broken.seq))) {
      broken = { chain: orphan.chain, seq: orphan.seq, id: orphan.id, reason: describe('index', orphan.chain, orphan.seq, orphan.seq - 1) };
    }
    if (broken) return { ok: false, checked, heads, broken };
    return checkHeads(trx, { ok: true, checked, heads }, options);
  });
}

/**
 * Below the watermark an event needs an index entry that hashes to its line digest (format 2) or equals its
 * columns (format 1); above it, none.
 */
function indexEntryMatches(row: StoredEvent, mark: number): boolean {
  if (row.seq > mark) return row.indexed === null;
  if (!row.indexed) return false;
  const entry = { ...row.indexed, activity_at: new Date(row.indexed.activity_at), target_ids: row.indexed.target_ids ?? [] };
  return row.format === 2 ? lineDigest(entry) === row.line_digest : sameIndexColumns(row, entry);
}
