import { sql, type Selectable } from 'kysely';
import { AppError } from '#src/core/errors.ts';
import { isUuid, newId } from '#src/core/crypto.ts';
import { appendAudit, type Actor, type AuditTarget } from '#src/audit/index.ts';
import { inTransaction, ping } from '#src/store/index.ts';
import { invitationResultCsv, parseInvitationCsv, type BulkInviteRow, type BulkInviteRowError } from './bulk-invite.csv.ts';
import type { DirDb as Db } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';
import type { BulkInvitationJobTable, BulkInvitationRowInput, BulkInvitationRowTable } from './directory.tables.ts';
import { getExternalCollaboration } from './external-settings.service.ts';
import { assertMayInvite, createInvitations, type InvitationDeps, type Inviter } from './invitations.service.ts';
import { expandPermissions } from './permissions.ts';
import { permissionsForUser } from './roles.service.ts';
import { appGrants } from './service-principals.service.ts';

/**
 * Bulk invitations (a Gatehouse extension; Entra offers the same from its portal). The uploaded CSV is checked as a
 * whole, then stored as a job with one row per record in one transaction; a background run invites the rows in
 * batches through the same use case as POST /invitations (createInvitations), so every row gets exactly its checks,
 * audit events and mail. A bad row fails alone. Redeem links are never stored: they are in the invitation mails.
 */

export type BulkJobStatus = BulkInvitationJobTable['status'];

/** A bulk invitation job as the API shows it. */
export interface BulkInvitationJob {
  id: string;
  status: BulkJobStatus;
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  createdDateTime: string;
  finishedDateTime: string | null;
}

export interface BulkRunOptions {
  /** Batches (of 25 rows, one transaction each) in flight at the same time (default 2). */
  concurrency?: number;
  /** Outbox messages queued by the rows just committed, to deliver while the job goes on. */
  deliverMail?: (ids: string[]) => void;
  /** Stops the run between chunks; what is left stays pending for the next run. */
  signal?: AbortSignal;
  /** A row failed with something that is not an AppError (a bug): for the log, the row only says it failed. */
  onUnexpectedError?: (error: unknown, context: { jobId: string; line: number }) => void;
}

type JobRow = Omit<Selectable<BulkInvitationJobTable>, 'created_by'> & { created_by: Actor };
type PendingRow = Pick<Selectable<BulkInvitationRowTable>, 'line' | 'email' | 'input' | 'attempted_at'>;
interface RowOutcome {
  line: number;
  status: 'invited' | 'failed';
  user_id: string | null;
  invitation_id: string | null;
  error: string | null;
  mailIds: string[];
}

/**
 * The largest upload accepted, in UTF-16 code units of the decoded text: bytes for ASCII, and a byte that is not
 * UTF-8 becomes one U+FFFD, so a 10 MiB file of junk is judged by its content rather than refused for its size.
 */
export const MAX_CSV_LENGTH = 10 * 1024 * 1024;
/** Rows taken per chunk: one result write and one progress update each. */
const CHUNK = 100;
/** Rows written per transaction, and transactions in flight per job. */
const BATCH = 25;
const DEFAULT_CONCURRENCY = 2;
const INSERT_CHUNK = 5000;
/** Runs in a row that end without writing any progress before a job is given up. */
const MAX_ATTEMPTS = 5;
const UNEXPECTED = 'An unexpected error occurred while inviting this address (it is in the server log); invite it again on its own or in a new file.';

const toJob = (row: JobRow): BulkInvitationJob => ({
  id: row.id,
  status: row.status,
  total: row.total,
  processed: row.processed,
  succeeded: row.succeeded,
  failed: row.failed,
  createdDateTime: row.created_at.toISOString(),
  finishedDateTime: row.finished_at?.toISOString() ?? null,
});

const jobTarget = (id: string, total: number): AuditTarget => ({ id, type: 'BulkInvitation', displayName: `bulk invitation of ${total} rows` });

const sameActor = (a: Actor, b: Actor): boolean =>
  (a.kind === 'user' && b.kind === 'user' && a.id === b.id) || (a.kind === 'app' && b.kind === 'app' && a.servicePrincipalId === b.servicePrincipalId);

/**
 * Accept an uploaded invitation list: the invite policy first (a caller who may not invite at all gets 403 and
 * nothing is stored), then the file as a whole (INVALID_CSV), then the job and its rows in one transaction. Rows
 * the CSV reader refused, and repeats of an address already in the file, are failed rows from the start.
 */
export async function createBulkJob(deps: InvitationDeps, inviter: Inviter, csvText: string): Promise<BulkInvitationJob> {
  const problem = await assertMayInvite(deps.db, inviter, await getExternalCollaboration(deps.db));
  if (problem) {
    const error = new AppError('FORBIDDEN', 403, `Insufficient privileges to invite: ${problem}.`);
    await inTransaction(deps.db, (trx) =>
      appendAudit(trx, deps.clock, { event: 'invitation.refused', actor: inviter.actor, result: 'failure', resultReason: error.message, targets: [{ id: 'bulk', type: 'BulkInvitation', displayName: 'bulk invitation' }] }),
    );
    throw error;
  }
  if (csvText.length > MAX_CSV_LENGTH) {
    throw directoryError('INVALID_CSV', 'The CSV file cannot be used: it is larger than 10 MiB, the most accepted at once; split it into several files.');
  }
  const parsed = parseInvitationCsv(csvText);
  const rows = jobRows(parsed.rows, parsed.errors);
  if (rows.length === 0) throw directoryError('INVALID_CSV', 'The CSV file cannot be used: it has a header row but no addresses to invite below it.');
  const refused = rows.filter((r) => r.status === 'failed').length;
  const now = deps.clock.now();
  const job: JobRow = {
    id: newId(), status: 'running', created_by: inviter.actor, format: parsed.format, total: rows.length, processed: refused, succeeded: 0, failed: refused,
    attempts: 0, error: null, created_at: now, finished_at: null,
  };
  await inTransaction(deps.db, async (trx) => {
    await trx.insertInto('bulk_invitation_jobs').values({ ...job, created_by: JSON.stringify(job.created_by) }).execute();
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK).map((r) => ({ ...r, job_id: job.id }));
      await sql`INSERT INTO bulk_invitation_rows (job_id, line, email, input, status, error)
        SELECT job_id, line, email, input, status, error
        FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS r(job_id uuid, line integer, email text, input jsonb, status text, error text)`.execute(trx);
    }
    await appendAudit(trx, deps.clock, {
      event: 'invitation.bulkStarted',
      actor: inviter.actor,
      targets: [jobTarget(job.id, job.total)],
      details: { jobId: job.id, format: job.format, total: job.total, refusedByFileCheck: refused },
    });
  });
  return toJob(job);
}

interface NewRow {
  line: number;
  email: string;
  input: BulkInvitationRowInput;
  status: 'pending' | 'failed';
  error: string | null;
}

/** Valid and refused records in file order; an address met again is failed (inviting it twice would race). */
function jobRows(valid: BulkInviteRow[], refused: BulkInviteRowError[]): NewRow[] {
  const firstLine = new Map<string, number>();
  const rows: NewRow[] = refused.map((r) => ({ line: r.line, email: r.email ?? '', input: {}, status: 'failed', error: r.error }));
  for (const { line, email, ...input } of valid) {
    const key = email.toLowerCase();
    const earlier = firstLine.get(key);
    if (earlier === undefined) firstLine.set(key, line);
    rows.push(
      earlier === undefined
        ? { line, email, input, status: 'pending', error: null }
        : { line, email, input, status: 'failed', error: `The address ${email} is already on line ${earlier} of this file; it is invited once.` },
    );
  }
  return rows.sort((a, b) => a.line - b.line);
}

async function loadJob(db: Db, id: string): Promise<JobRow | undefined> {
  if (!isUuid(id)) return undefined;
  return (await db.selectFrom('bulk_invitation_jobs').selectAll().where('id', '=', id).executeTakeFirst()) as JobRow | undefined;
}

/** The job, for its creator or a caller with User.Invite.All; anyone else is told it does not exist. */
export async function getBulkJob(db: Db, reader: Inviter, id: string): Promise<BulkInvitationJob> {
  return toJob(await visibleJob(db, reader, id));
}

async function visibleJob(db: Db, reader: Inviter, id: string): Promise<JobRow> {
  const job = await loadJob(db, id);
  if (!job || !(sameActor(job.created_by, reader.actor) || reader.permissions.has('User.Invite.All'))) {
    throw directoryError('BULK_JOB_NOT_FOUND', `Bulk invitation job '${id}' does not exist.`);
  }
  return job;
}

/**
 * The result file of a finished job: one line per record of the upload. inviteRedeemUrl stays empty: links are
 * bearer secrets, never stored; each invitee has theirs in the invitation mail.
 */
export async function bulkJobResultsCsv(db: Db, reader: Inviter, id: string): Promise<string> {
  const job = await visibleJob(db, reader, id);
  if (job.status === 'running') {
    throw directoryError('BULK_JOB_NOT_FINISHED', `Bulk invitation job '${id}' is still running (${job.processed} of ${job.total} rows processed); fetch the results once its status is completed.`);
  }
  const rows = await db.selectFrom('bulk_invitation_rows').select(['line', 'email', 'status', 'user_id', 'error']).where('job_id', '=', job.id).orderBy('line').execute();
  return invitationResultCsv(
    rows.map((r) => ({ line: r.line, email: r.email, status: r.status === 'invited' ? 'invited' : 'failed', userId: r.user_id, inviteRedeemUrl: null, error: r.error ?? (r.status === 'pending' ? 'not processed' : null) })),
  );
}

/**
 * Work through every unfinished job, oldest first, until none is left or the signal stops the run. Only one run
 * may go on at a time in the whole cluster: call it under runIfLeader.
 */
export async function runBulkInvitations(deps: InvitationDeps, options: BulkRunOptions = {}): Promise<number> {
  const seen = new Set<string>();
  while (!options.signal?.aborted) {
    const next = await deps.db.selectFrom('bulk_invitation_jobs').select('id').where('status', '=', 'running').orderBy('created_at').orderBy('id').limit(seen.size + 1).execute();
    const job = next.find((j) => !seen.has(j.id));
    if (!job) break;
    seen.add(job.id);
    await processBulkJob(deps, job.id, options);
  }
  return seen.size;
}

/**
 * Invite the pending rows of one job, CHUNK rows at a time in batches with `concurrency` batches in flight, then finish
 * the job. Resumable: it starts from whatever is still pending, and a row that was in flight when a node stopped
 * is first matched against the invitation it may already have created. The caller ensures one run per job.
 */
export async function processBulkJob(deps: InvitationDeps, jobId: string, options: BulkRunOptions = {}): Promise<void> {
  const job = await loadJob(deps.db, jobId);
  if (!job || job.status !== 'running' || options.signal?.aborted) return;
  if (job.attempts >= MAX_ATTEMPTS) {
    await giveUp(deps, job, `processing stopped ${job.attempts} times in a row without progress`);
    return;
  }
  await deps.db.updateTable('bulk_invitation_jobs').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', '=', job.id).execute();
  let after = 0;
  while (!options.signal?.aborted) {
    const rows = (await deps.db
      .selectFrom('bulk_invitation_rows')
      .select(['line', 'email', 'input', 'attempted_at'])
      .where('job_id', '=', job.id)
      .where('status', '=', 'pending')
      .where('line', '>', after)
      .orderBy('line')
      .limit(CHUNK)
      .execute()) as PendingRow[];
    if (rows.length === 0) break;
    after = rows[rows.length - 1]?.line ?? after;
    const outcomes = await inviteChunk(deps, job, rows, options);
    await recordOutcomes(deps, job.id, outcomes);
    const mailIds = outcomes.flatMap((o) => o.mailIds);
    if (mailIds.length > 0) options.deliverMail?.(mailIds);
  }
  if (!options.signal?.aborted) await finish(deps, job);
}

async function inviteChunk(deps: InvitationDeps, job: JobRow, rows: PendingRow[], options: BulkRunOptions): Promise<RowOutcome[]> {
  // Live permissions, as a request would have them now: a creator who lost the right stops inviting mid-job.
  const inviter = await currentInviter(deps.db, job.created_by);
  const now = deps.clock.now();
  await sql`UPDATE bulk_invitation_rows SET attempted_at = ${now} WHERE job_id = ${job.id} AND line = ANY(${rows.map((r) => r.line)}::integer[])`.execute(deps.db);
  const earlier = await invitationsOfInterruptedRows(deps.db, job, rows.filter((r) => r.attempted_at !== null));
  const outcomes: RowOutcome[] = [];
  const todo: PendingRow[] = [];
  for (const row of rows) {
    const found = earlier.get(row.email.toLowerCase());
    if (found) outcomes.push({ line: row.line, status: 'invited', user_id: found.user_id, invitation_id: found.id, error: null, mailIds: [] });
    else if (!inviter) outcomes.push(failed(row.line, `Not invited: the account that uploaded the file can no longer invite (it was disabled or deleted).`));
    else todo.push(row);
  }
  if (!inviter || todo.length === 0) return outcomes;
  // Batches of rows written in one transaction each (createInvitations), a few batches in flight.
  const batches: PendingRow[][] = [];
  for (let i = 0; i < todo.length; i += BATCH) batches.push(todo.slice(i, i + BATCH));
  const done = await mapLimit(batches, options.concurrency ?? DEFAULT_CONCURRENCY, (batch) => inviteBatch(deps, job.id, inviter, batch, options));
  return [...outcomes, ...done.flat()];
}

async function inviteBatch(deps: InvitationDeps, jobId: string, inviter: Inviter, rows: PendingRow[], options: BulkRunOptions): Promise<RowOutcome[]> {
  try {
    const outcomes = await createInvitations(
      deps,
      inviter,
      rows.map((row) => ({
        invitedUserEmailAddress: row.email,
        inviteRedirectUrl: row.input.redirectUrl ?? '',
        invitedUserDisplayName: row.input.displayName ?? null,
        sendInvitationMessage: row.input.sendInvitationMessage ?? true,
        invitedUserMessageInfo: { customizedMessageBody: row.input.customizedMessageBody ?? null },
      })),
    );
    return outcomes.map((outcome, i): RowOutcome => {
      const line = (rows[i] as PendingRow).line;
      if (outcome.ok) return { line, status: 'invited', user_id: outcome.invitation.invitedUser.id, invitation_id: outcome.invitation.id, error: null, mailIds: outcome.mailIds };
      return failed(line, outcome.error.expose ? outcome.error.message : UNEXPECTED);
    });
  } catch (error) {
    // When the database itself is gone (node stopping, connection lost) the rows are not at fault: give up the
    // chunk and leave its rows pending for the next run.
    await ping(deps.db);
    options.onUnexpectedError?.(error, { jobId, line: rows[0]?.line ?? 0 });
    return rows.map((row) => failed(row.line, UNEXPECTED));
  }
}

const failed = (line: number, error: string): RowOutcome => ({ line, status: 'failed', user_id: null, invitation_id: null, error, mailIds: [] });

/** What a request by this actor would be allowed now; undefined when the actor is disabled or gone. */
async function currentInviter(db: Db, actor: Actor): Promise<Inviter | undefined> {
  switch (actor.kind) {
    case 'user': {
      const user = await db.selectFrom('users').select('account_enabled').where('id', '=', actor.id).executeTakeFirst();
      return user?.account_enabled ? { actor, permissions: await permissionsForUser(db, actor.id) } : undefined;
    }
    case 'app': {
      const grants = await appGrants(db, actor.appId);
      return grants?.enabled && grants.servicePrincipalId === actor.servicePrincipalId ? { actor, permissions: expandPermissions(grants.permissions) } : undefined;
    }
    case 'system':
      return { actor, permissions: new Set(['User.Invite.All']) };
  }
}

/** Invitations this job's creator made for these addresses since the job started: work a stopped run already did. */
async function invitationsOfInterruptedRows(db: Db, job: JobRow, rows: PendingRow[]): Promise<Map<string, { id: string; user_id: string }>> {
  if (rows.length === 0) return new Map();
  const found = await db
    .selectFrom('invitations')
    .select(['id', 'user_id', 'email', 'created_at'])
    .where((eb) => eb(eb.fn('lower', ['email']), 'in', rows.map((r) => r.email.toLowerCase())))
    .where('created_at', '>=', job.created_at)
    .where(sql<boolean>`invited_by = ${JSON.stringify(job.created_by)}::jsonb`)
    .orderBy('created_at')
    .execute();
  return new Map(found.map((f) => [f.email.toLowerCase(), { id: f.id, user_id: f.user_id }]));
}

/** One transaction per chunk: the rows' outcomes and the job's counters, and proof of progress (attempts = 0). */
async function recordOutcomes(deps: InvitationDeps, jobId: string, outcomes: RowOutcome[]): Promise<void> {
  const succeeded = outcomes.filter((o) => o.status === 'invited').length;
  const values = outcomes.map(({ mailIds: _mail, ...o }) => o);
  await inTransaction(deps.db, async (trx) => {
    await sql`UPDATE bulk_invitation_rows r SET status = v.status, user_id = v.user_id, invitation_id = v.invitation_id, error = v.error
      FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(line integer, status text, user_id uuid, invitation_id uuid, error text)
      WHERE r.job_id = ${jobId} AND r.line = ANY(${values.map((v) => v.line)}::integer[]) AND r.line = v.line AND r.status = 'pending'`.execute(trx);
    await trx
      .updateTable('bulk_invitation_jobs')
      .set((eb) => ({
        processed: eb('processed', '+', outcomes.length),
        succeeded: eb('succeeded', '+', succeeded),
        failed: eb('failed', '+', outcomes.length - succeeded),
        attempts: 0,
      }))
      .where('id', '=', jobId)
      .execute();
  });
}

/** Mark the job completed once no row is pending (a stopped run leaves it running for the next one). */
async function finish(deps: InvitationDeps, job: JobRow): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const pending = await trx.selectFrom('bulk_invitation_rows').select('line').where('job_id', '=', job.id).where('status', '=', 'pending').limit(1).executeTakeFirst();
    if (pending) return;
    const done = await trx
      .updateTable('bulk_invitation_jobs')
      .set({ status: 'completed', finished_at: deps.clock.now() })
      .where('id', '=', job.id)
      .where('status', '=', 'running')
      .returning(['total', 'succeeded', 'failed'])
      .executeTakeFirst();
    if (!done) return;
    await appendAudit(trx, deps.clock, { event: 'invitation.bulkFinished', actor: job.created_by, targets: [jobTarget(job.id, done.total)], details: { jobId: job.id, status: 'completed', total: done.total, succeeded: done.succeeded, failed: done.failed } });
  });
}

/** A job that keeps stopping without progress is failed, with every row still pending, so it no longer blocks others. */
async function giveUp(deps: InvitationDeps, job: JobRow, reason: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const left = await trx
      .updateTable('bulk_invitation_rows')
      .set({ status: 'failed', error: `Not invited: the job was stopped (${reason}).` })
      .where('job_id', '=', job.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    const count = Number(left.numUpdatedRows);
    const done = await trx
      .updateTable('bulk_invitation_jobs')
      .set((eb) => ({ status: 'failed', error: reason, finished_at: deps.clock.now(), processed: eb('processed', '+', count), failed: eb('failed', '+', count) }))
      .where('id', '=', job.id)
      .where('status', '=', 'running')
      .returning(['total', 'succeeded', 'failed'])
      .executeTakeFirst();
    if (!done) return;
    await appendAudit(trx, deps.clock, {
      event: 'invitation.bulkFinished', actor: job.created_by, result: 'failure', resultReason: reason, targets: [jobTarget(job.id, done.total)],
      details: { jobId: job.id, status: 'failed', total: done.total, succeeded: done.succeeded, failed: done.failed },
    });
  });
}

/** Map with at most `limit` calls in flight; results in input order. A rejection is passed on once all settled. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length && errors.length === 0; i = next++) {
      try {
        results[i] = await fn(items[i] as T);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}
