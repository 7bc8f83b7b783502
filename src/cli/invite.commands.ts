import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isAppError } from '#src/core/errors.ts';
import type { BulkInviteResult, BulkInviteRow } from '#src/directory/index.ts';
import { createApiClient, type ApiClient } from './api-client.ts';
import { CliError } from './output.ts';

interface InviteOptions {
  csv: string;
  out?: string;
  concurrency?: string;
  json?: boolean;
  url?: string;
}

interface CreatedInvitation {
  inviteRedeemUrl: string;
  invitedUser: { id: string };
}

const MAX_CONCURRENCY = 32;
const PLAIN_PROGRESS_MS = 2000;

/**
 * `gatehouse invite --csv FILE`: the bulk invitation of the portal, as a client of POST /v1.0/invitations (one
 * request per row, so each row gets the same policy checks, audit and mail as any invitation, and the caller gets
 * each redeem link in the result file). The file is read locally first: an unusable file stops before any request.
 */
export function registerInviteCommands(program: Command): void {
  program
    .command('invite')
    .description("invite external users listed in a CSV file (Entra's bulk-invite template, or UserPrincipalName,DisplayName,InviteRedirectUrl)")
    .requiredOption('--csv <file>', 'the CSV file of invitations')
    .option('--out <file>', 'write the result CSV (line,email,status,userId,inviteRedeemUrl,error) here instead of standard output')
    .option('--concurrency <n>', `invitations sent at the same time (1-${MAX_CONCURRENCY}, default 8)`)
    .option('--json', 'print the results as JSON (or, with --out, a JSON summary) on standard output')
    .option('--url <url>', 'Gatehouse URL (default $GATEHOUSE_URL or http://localhost:8080)')
    .addHelpText('after', '\nExit status: 0 when every row was invited, 1 when some failed, 2 when the file cannot be used.\nThe result file holds redeem links: keep it private.')
    .action(async (o: InviteOptions) => {
      const concurrency = concurrencyOf(o.concurrency);
      const { rows, refused } = await readInvitations(o.csv);
      const api = createApiClient(o.url ? { url: o.url } : {});
      const progress = new Progress(rows.length + refused.length);
      for (const r of refused) progress.rowFailed(r);
      const { results, fatal } = await inviteAll(api, rows, concurrency, progress);
      progress.done();
      const all = [...refused, ...results].sort((a, b) => a.line - b.line);
      await writeResults(o, all);
      if (fatal) throw fatal;
      if (all.some((r) => r.status === 'failed')) process.exitCode = 1;
    });
}

function concurrencyOf(value: string | undefined): number {
  if (value === undefined) return 8;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_CONCURRENCY) throw new CliError(`--concurrency must be a whole number between 1 and ${MAX_CONCURRENCY}, got '${value}'`, 2);
  return n;
}

/** The file's rows to send, and the records refused before sending (by the CSV reader, or a repeated address). */
async function readInvitations(file: string): Promise<{ rows: BulkInviteRow[]; refused: BulkInviteResult[] }> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, 2);
  });
  // Loaded here: the directory module is heavy and only this command needs its CSV reader.
  const { parseInvitationCsv } = await import('#src/directory/index.ts');
  const parsed = (() => {
    try {
      return parseInvitationCsv(text);
    } catch (error) {
      if (isAppError(error) && error.code === 'INVALID_CSV') throw new CliError(`${file}: ${error.message}`, 2);
      throw error;
    }
  })();
  const refused: BulkInviteResult[] = parsed.errors.map((e) => ({ line: e.line, email: e.email ?? '', status: 'failed', userId: null, inviteRedeemUrl: null, error: e.error }));
  const rows: BulkInviteRow[] = [];
  // Two requests for one new address at the same time could create two guests: the address is invited once.
  const firstLine = new Map<string, number>();
  for (const row of parsed.rows) {
    const earlier = firstLine.get(row.email.toLowerCase());
    if (earlier === undefined) {
      firstLine.set(row.email.toLowerCase(), row.line);
      rows.push(row);
    } else {
      refused.push({ line: row.line, email: row.email, status: 'failed', userId: null, inviteRedeemUrl: null, error: `The address ${row.email} is already on line ${earlier} of this file; it is invited once.` });
    }
  }
  if (rows.length + refused.length === 0) throw new CliError(`${file}: the file has a header row but no addresses to invite below it`, 2);
  return { rows, refused };
}

/**
 * POST each row with at most `concurrency` requests in flight. A refused row is recorded and the rest go on; a
 * problem that is not the row's (not signed in, token refused, server unreachable) stops sending, and the rows not
 * sent are reported as such.
 */
async function inviteAll(api: ApiClient, rows: BulkInviteRow[], concurrency: number, progress: Progress): Promise<{ results: BulkInviteResult[]; fatal: CliError | undefined }> {
  const results: BulkInviteResult[] = [];
  let fatal: CliError | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < rows.length && !fatal; i = next++) {
      const row = rows[i] as BulkInviteRow;
      try {
        const created = await api.request<CreatedInvitation>('POST', '/v1.0/invitations', {
          invitedUserEmailAddress: row.email,
          inviteRedirectUrl: row.redirectUrl,
          invitedUserDisplayName: row.displayName,
          sendInvitationMessage: row.sendInvitationMessage,
          invitedUserMessageInfo: { customizedMessageBody: row.customizedMessageBody },
        });
        results.push({ line: row.line, email: row.email, status: 'invited', userId: created.invitedUser.id, inviteRedeemUrl: created.inviteRedeemUrl, error: null });
        progress.rowInvited();
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        if (isFatal(error)) {
          fatal ??= error;
          break;
        }
        const failed: BulkInviteResult = { line: row.line, email: row.email, status: 'failed', userId: null, inviteRedeemUrl: null, error: error.message.replace(/^\d{3} [A-Za-z_]*: /, '') };
        results.push(failed);
        progress.rowFailed(failed);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(rows.length, 1)) }, worker));
  if (fatal) {
    const done = new Set(results.map((r) => r.line));
    const reason = `Not sent: ${fatal.message}`;
    for (const row of rows) if (!done.has(row.line)) results.push({ line: row.line, email: row.email, status: 'failed', userId: null, inviteRedeemUrl: null, error: reason });
  }
  return { results, fatal };
}

/** Failures that every further row would meet too. */
const isFatal = (error: CliError): boolean => error.exitCode === 2 || /^cannot reach |^refusing to send credentials|^401 /.test(error.message);

async function writeResults(o: InviteOptions, results: BulkInviteResult[]): Promise<void> {
  const { invitationResultCsv } = await import('#src/directory/index.ts');
  const succeeded = results.filter((r) => r.status === 'invited').length;
  const summary = { total: results.length, succeeded, failed: results.length - succeeded };
  if (o.out) {
    // Redeem links are bearer secrets: the file is readable by its owner only.
    await writeFile(o.out, invitationResultCsv(results), { mode: 0o600 }).catch((error: Error) => {
      throw new CliError(`cannot write ${o.out}: ${error.message}`);
    });
    if (o.json) process.stdout.write(`${JSON.stringify({ ...summary, out: o.out }, null, 2)}\n`);
  } else {
    process.stdout.write(o.json ? `${JSON.stringify({ ...summary, results }, null, 2)}\n` : invitationResultCsv(results));
  }
  process.stderr.write(`invited ${succeeded} of ${results.length} rows, ${summary.failed} failed${o.out ? `; results in ${o.out}` : ''}\n`);
}

/**
 * Progress on standard error: a bar redrawn in place on a terminal (`[####....] 123/1000 ok 120 failed 3`), plain
 * lines every few seconds otherwise (logs, CI). Failed rows are listed as they happen.
 */
class Progress {
  private ok = 0;
  private failed = 0;
  private lastPlain = Date.now();
  private lastDraw = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly total: number) {}

  rowInvited(): void {
    this.ok += 1;
    this.update();
  }

  rowFailed(result: BulkInviteResult): void {
    this.failed += 1;
    this.clear();
    process.stderr.write(`line ${result.line}${result.email ? ` (${result.email})` : ''}: ${result.error ?? 'failed'}\n`);
    this.update(true);
  }

  done(): void {
    if (this.tty) {
      this.draw();
      process.stderr.write('\n');
    }
  }

  private get line(): string {
    return `${this.ok + this.failed}/${this.total} ok ${this.ok} failed ${this.failed}`;
  }

  private update(force = false): void {
    const now = Date.now();
    if (this.tty) {
      if (force || now - this.lastDraw >= 100 || this.ok + this.failed === this.total) this.draw();
    } else if (now - this.lastPlain >= PLAIN_PROGRESS_MS) {
      this.lastPlain = now;
      process.stderr.write(`invite: ${this.line}\n`);
    }
  }

  private draw(): void {
    this.lastDraw = Date.now();
    const width = 30;
    const filled = this.total === 0 ? width : Math.round(((this.ok + this.failed) / this.total) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.line}`);
  }

  private clear(): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }
}
