import { sql, type Kysely } from 'kysely';

/**
 * Audit rows become narrow (docs/adr/0006-narrow-audit-rows-async-index.md). New events (format 2) store only
 * chain, seq, the exact JSON, the hashes and a digest of the filter columns; the columns that queries filter on move to `audit_index`, which a
 * background indexer fills from the JSON behind a per-chain watermark. `audit_entries` shows every event with its
 * filter columns: indexed rows plus the unindexed tail derived from the JSON on the fly, so results stay complete.
 * Format 1 rows keep their columns (their hash covers them) and are indexed here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE audit_events ADD COLUMN format smallint NOT NULL DEFAULT 1 CHECK (format IN (1, 2))`.execute(db);
  await sql`ALTER TABLE audit_events ALTER COLUMN format DROP DEFAULT`.execute(db);
  // Format 2: SHA-256 of the canonical line of the event's filter columns, covered by the event's hash; the index
  // entry must hash to it, which verification checks without parsing the JSON.
  await sql`ALTER TABLE audit_events ADD COLUMN line_digest text`.execute(db);
  for (const column of ['id', 'activity_at', 'code', 'category', 'activity_display_name', 'result', 'target_ids']) {
    await sql`ALTER TABLE audit_events ALTER COLUMN ${sql.id(column)} DROP NOT NULL`.execute(db);
  }
  await sql`ALTER TABLE audit_events ALTER COLUMN target_ids DROP DEFAULT`.execute(db);
  await sql`ALTER TABLE audit_events DROP CONSTRAINT audit_events_id_key`.execute(db);
  for (const index of ['audit_events_activity_idx', 'audit_events_initiator_idx', 'audit_events_targets_idx', 'audit_events_category_idx']) {
    await sql`DROP INDEX ${sql.id(index)}`.execute(db);
  }

  await sql`CREATE TABLE audit_index (
    chain smallint NOT NULL, seq bigint NOT NULL, id uuid NOT NULL, activity_at timestamptz NOT NULL, code text NOT NULL, category text NOT NULL,
    activity_display_name text NOT NULL, result text NOT NULL, initiated_by_id uuid, target_ids uuid[] NOT NULL, correlation_id uuid,
    PRIMARY KEY (chain, seq))`.execute(db);
  await sql`CREATE INDEX audit_index_id_idx ON audit_index (id)`.execute(db);
  await sql`CREATE INDEX audit_index_activity_idx ON audit_index (activity_at, id)`.execute(db);
  await sql`CREATE INDEX audit_index_initiator_idx ON audit_index (initiated_by_id, activity_at)`.execute(db);
  await sql`CREATE INDEX audit_index_targets_idx ON audit_index USING gin (target_ids)`.execute(db);
  await sql`CREATE INDEX audit_index_category_idx ON audit_index (category, activity_at)`.execute(db);
  // Every event of a chain up to `seq` is in audit_index; appends commit one chain prefix at a time (head lock).
  await sql`CREATE TABLE audit_index_watermark (chain smallint PRIMARY KEY CHECK (chain BETWEEN 1 AND 16), seq bigint NOT NULL)`.execute(db);

  // The filter columns of every event: stored ones for format 1, derived from the JSON for format 2 (the same
  // derivation as indexColumnsOf in src/audit/audit.derive.ts); queries use it for the unindexed tail only. The
  // OFFSET 0 fence parses each JSON once, not once per column.
  const uuidPattern = sql.lit('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$');
  await sql`CREATE VIEW audit_events_derived AS
    SELECT e.chain, e.seq, e.format,
      CASE WHEN e.format = 1 THEN e.id ELSE (x.j->>'id')::uuid END AS id,
      CASE WHEN e.format = 1 THEN e.activity_at ELSE (x.j->>'activityDateTime')::timestamptz END AS activity_at,
      CASE WHEN e.format = 1 THEN e.code ELSE coalesce(jsonb_path_query_first(x.j, '$.additionalDetails[*] ? (@.key == "eventCode").value') #>> '{}', '') END AS code,
      CASE WHEN e.format = 1 THEN e.category ELSE x.j->>'category' END AS category,
      CASE WHEN e.format = 1 THEN e.activity_display_name ELSE x.j->>'activityDisplayName' END AS activity_display_name,
      CASE WHEN e.format = 1 THEN e.result ELSE x.j->>'result' END AS result,
      CASE WHEN e.format = 1 THEN e.initiated_by_id
           WHEN x.initiator ~ ${uuidPattern} AND x.j #> '{initiatedBy,user}' <> 'null' THEN x.initiator::uuid
           WHEN x.initiator ~ ${uuidPattern} AND x.initiator <> '00000000-0000-0000-0000-000000000000' THEN x.initiator::uuid END AS initiated_by_id,
      CASE WHEN e.format = 1 THEN e.target_ids
           ELSE ARRAY(SELECT (t->>'id')::uuid FROM jsonb_array_elements(x.j->'targetResources') AS t WHERE t->>'id' ~ ${uuidPattern}) END AS target_ids,
      CASE WHEN e.format = 1 THEN e.correlation_id WHEN x.j->>'correlationId' ~ ${uuidPattern} THEN (x.j->>'correlationId')::uuid END AS correlation_id,
      e.data
    FROM audit_events e
    CROSS JOIN LATERAL (
      SELECT j, coalesce(j #>> '{initiatedBy,user,id}', j #>> '{initiatedBy,app,servicePrincipalId}') AS initiator
      FROM (SELECT CASE WHEN e.format = 2 THEN e.data::jsonb END AS j OFFSET 0) p
    ) x`.execute(db);
  // The unindexed tail: above the watermark, and at most the head (a two-sided range, so the planner walks the
  // primary key instead of scanning the log); the tail is restricted before any JSON is parsed.
  await sql`CREATE VIEW audit_unindexed AS
    SELECT d.* FROM (SELECT e.chain, e.seq FROM audit_index_watermark w JOIN audit_head h ON h.id = w.chain
                     JOIN audit_events e ON e.chain = w.chain AND e.seq > w.seq AND e.seq <= h.seq) t
    JOIN audit_events_derived d ON d.chain = t.chain AND d.seq = t.seq`.execute(db);
  // What queries read: indexed events plus the unindexed tail, joined to their JSON outside the UNION ALL so that
  // a newest-first page walks audit_index_activity_idx (a merge append) rather than sorting the whole log.
  await sql`CREATE VIEW audit_entries AS
    SELECT u.chain, u.seq, u.id, u.activity_at, u.code, u.category, u.activity_display_name, u.result, u.initiated_by_id, u.target_ids, u.correlation_id, e.data
    FROM (SELECT chain, seq, id, activity_at, code, category, activity_display_name, result, initiated_by_id, target_ids, correlation_id FROM audit_index
          UNION ALL
          SELECT chain, seq, id, activity_at, code, category, activity_display_name, result, initiated_by_id, target_ids, correlation_id FROM audit_unindexed) u
    JOIN audit_events e ON e.chain = u.chain AND e.seq = u.seq`.execute(db);

  await sql`INSERT INTO audit_index_watermark (chain, seq) SELECT g, 0 FROM generate_series(1, 16) AS g`.execute(db);
  await sql`INSERT INTO audit_index SELECT chain, seq, id, activity_at, code, category, activity_display_name, result, initiated_by_id, target_ids, correlation_id FROM audit_events`.execute(db);
  await sql`UPDATE audit_index_watermark w SET seq = m.seq FROM (SELECT chain, max(seq) AS seq FROM audit_events GROUP BY chain) m WHERE w.chain = m.chain`.execute(db);
  // Sixteen-row tables the tail query joins on: give the planner their size now rather than at the first autovacuum.
  await sql`ANALYZE audit_head, audit_index_watermark`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
