import { sql, type Kysely } from 'kysely';

/**
 * Bulk invitations: an uploaded CSV becomes a job and one row per record of the file, worked through in the
 * background (and resumed after a restart) by calling the single-invitation use case per row. Redeem links are
 * bearer secrets and are never stored here: they travel in the invitation mails only.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('bulk_invitation_jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    // running | completed | failed
    .addColumn('status', 'text', (c) => c.notNull())
    // The audit actor who uploaded the file; every invitation of the job is made in their name, with their
    // permissions as they are when the row is processed.
    .addColumn('created_by', 'jsonb', (c) => c.notNull())
    // entra | short: the header format the file was read as.
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('succeeded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    // Processing runs that ended without progress in a row; a job that keeps failing is given up (status failed).
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .execute();
  // The runner looks for unfinished jobs, oldest first.
  await sql`CREATE INDEX bulk_invitation_jobs_running_idx ON bulk_invitation_jobs (created_at) WHERE status = 'running'`.execute(db);

  await db.schema
    .createTable('bulk_invitation_rows')
    .addColumn('job_id', 'uuid', (c) => c.notNull().references('bulk_invitation_jobs.id').onDelete('cascade'))
    // The 1-based line of the file the record starts on: the row's identity within the job.
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('input', 'jsonb', (c) => c.notNull())
    // pending | invited | failed
    .addColumn('status', 'text', (c) => c.notNull())
    // No foreign keys: the rows are the report of what happened, and outlive a guest deleted later.
    .addColumn('user_id', 'uuid')
    .addColumn('invitation_id', 'uuid')
    .addColumn('error', 'text')
    // Set when a run takes the row: a row still pending with this set was in flight when a node stopped, so the
    // next run first looks for the invitation it may already have created.
    .addColumn('attempted_at', 'timestamptz')
    .addPrimaryKeyConstraint('bulk_invitation_rows_pk', ['job_id', 'line'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
