import nodemailer from 'nodemailer';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '#src/core/clock.ts';
import { newId } from '#src/core/crypto.ts';
import { seal, unseal } from '#src/core/seal.ts';
import { appendAudit, type AuditTarget } from '#src/audit/index.ts';
import type { ODataQuery } from '#src/core/odata/index.ts';
import { inTransaction, listPage, type Db, type FieldMap } from '#src/store/index.ts';
import type { MailDb, MailOutboxTable, MailStatus } from './mail.tables.ts';
import { escapeHtml, SECRET_PLACEHOLDER, type RenderedMail } from './mail.templates.ts';

/** Sends one message; the SMTP transport in production, any SMTP server in tests. */
export interface MailTransport {
  send(message: { from: string; to: string[]; cc: string[]; subject: string; text: string; html: string }): Promise<void>;
  /** Close kept-open connections (on shutdown). */
  close?(): void;
}

/** SMTP connections kept open and used in parallel: also how many messages deliverMail sends at once. */
export const SMTP_CONNECTIONS = 4;

/**
 * A pooled nodemailer SMTP transport for `smtp://` or `smtps://` URLs (credentials in the URL). Connections stay
 * open between messages (up to 100 each), so a burst of invitations does not pay a TCP and TLS handshake per mail.
 */
export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({ url, pool: true, maxConnections: SMTP_CONNECTIONS, maxMessages: 100 });
  return {
    async send(message) {
      await transporter.sendMail(message);
    },
    close() {
      transporter.close();
    },
  };
}

export interface MailDeps {
  db: Db;
  clock: Clock;
  masterKey: Buffer;
  /** Undefined when no SMTP server is configured: messages stay in the outbox as notSent. */
  transport: MailTransport | undefined;
  from: string;
  logger: Logger;
}

export interface QueuedMail {
  kind: 'invitation' | 'sponsorNotice' | 'oneTimePasscode' | 'emergencyAccessAlert';
  relatedId?: string | null;
  to: string[];
  cc?: string[];
  message: RenderedMail;
  /** Put in at SECRET_PLACEHOLDER when sending; stored sealed and erased after delivery. */
  secret?: string;
}

const SECRET_CONTEXT = 'mail-outbox-secret';
const CLAIM_MINUTES = 5;
const MAX_ATTEMPTS = 5;
/** Messages sent before their sent status is recorded in one transaction (at most these are sent again after a crash). */
const SETTLE_BATCH = 20;

/**
 * Write messages to the outbox inside the caller's transaction (so a message exists exactly when the change that
 * causes it committed). Returns their ids, for `deliverMail` after commit.
 */
export async function queueMail(trx: Db, clock: Clock, masterKey: Buffer, mails: QueuedMail[]): Promise<string[]> {
  if (mails.length === 0) return [];
  const now = clock.now();
  const rows = mails.map((m) => ({
    id: newId(),
    kind: m.kind,
    related_id: m.relatedId ?? null,
    to_addresses: m.to,
    cc_addresses: m.cc ?? [],
    subject: m.message.subject,
    text_body: m.message.text,
    html_body: m.message.html,
    sealed_secret: m.secret === undefined ? null : seal(masterKey, m.secret, SECRET_CONTEXT),
    status: 'queued' as const,
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    created_at: now,
    sent_at: null,
  }));
  await (trx as MailDb).insertInto('mail_outbox').values(rows).execute();
  return rows.map((r) => r.id);
}

/** Take due messages (these ids, or any due ones) for this node; others skip them while the claim lasts. */
async function claim(deps: MailDeps, ids: string[] | undefined, limit: number): Promise<MailOutboxTable[]> {
  const now = deps.clock.now();
  const until = new Date(now.getTime() + CLAIM_MINUTES * 60_000);
  const filter = ids ? sql`AND id = ANY(${ids}::uuid[])` : sql``;
  const { rows } = await sql<MailOutboxTable>`
    UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ${until}
    WHERE id IN (SELECT id FROM mail_outbox WHERE status IN ('queued', 'sending') AND next_attempt_at <= ${now} ${filter}
                 ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING *`.execute(deps.db);
  return rows;
}

const mailTarget = (row: MailOutboxTable): AuditTarget => ({ id: row.related_id ?? row.id, type: row.kind === 'invitation' ? 'Invitation' : 'User', displayName: row.subject });

/** Record delivered messages: one transaction and one multi-row audit append for the lot. */
async function settleSent(deps: MailDeps, rows: MailOutboxTable[]): Promise<void> {
  if (rows.length === 0) return;
  const now = deps.clock.now();
  await inTransaction(deps.db, async (trx) => {
    await (trx as MailDb)
      .updateTable('mail_outbox')
      .set({ status: 'sent', last_error: null, sent_at: now, next_attempt_at: now, sealed_secret: null })
      .where('id', 'in', rows.map((r) => r.id))
      .execute();
    await appendAudit(
      trx,
      deps.clock,
      rows.map((row) => ({
        event: 'mail.sent' as const,
        actor: { kind: 'system' as const },
        targets: [mailTarget(row)],
        result: 'success' as const,
        details: { kind: row.kind, mailId: row.id, recipients: [...row.to_addresses, ...row.cc_addresses].join(', ') },
      })),
    );
  });
}

async function settle(deps: MailDeps, row: MailOutboxTable, status: MailStatus, error: string | null): Promise<void> {
  const now = deps.clock.now();
  const retry = status === 'queued';
  await inTransaction(deps.db, async (trx) => {
    await (trx as MailDb)
      .updateTable('mail_outbox')
      .set({
        status,
        last_error: error,
        sent_at: status === 'sent' ? now : null,
        // Exponential back-off between attempts: 1, 2, 4, 8 minutes.
        next_attempt_at: retry ? new Date(now.getTime() + 2 ** (row.attempts - 1) * 60_000) : now,
        // An unsent invitation keeps its (sealed) link so an administrator can forward it by hand; every other
        // secret is erased once the message is settled.
        ...(retry || (status === 'notSent' && row.kind === 'invitation') ? {} : { sealed_secret: null }),
      })
      .where('id', '=', row.id)
      .execute();
    if (retry) return;
    const details = { kind: row.kind, mailId: row.id, recipients: [...row.to_addresses, ...row.cc_addresses].join(', '), ...(error ? { error } : {}) };
    const event = status === 'sent' ? 'mail.sent' : status === 'notSent' ? 'mail.notSent' : 'mail.failed';
    await appendAudit(trx, deps.clock, { event, actor: { kind: 'system' }, targets: [mailTarget(row)], result: status === 'sent' ? 'success' : 'failure', ...(error ? { resultReason: error } : {}), details });
  });
}

/** Why sending failed, without anything of the message (SMTP errors can quote the server's reply only). */
const describeError = (error: unknown): string => {
  const e = error as { code?: string; responseCode?: number; message?: string };
  return [e.code, e.responseCode, e.message?.split('\n')[0]?.slice(0, 200)].filter(Boolean).join(' ');
};

/**
 * Deliver claimed messages, SMTP_CONNECTIONS at a time over the transport's pooled connections, recording each
 * batch of successes in one transaction. Without a transport they become notSent (and are logged so); a failed
 * attempt is retried with back-off up to 5 times, then the message is failed. Never throws: delivery problems are
 * recorded on the message and in the audit log.
 */
export async function deliverMail(deps: MailDeps, ids?: string[], limit = 100): Promise<{ sent: number; failed: number; notSent: number }> {
  const counts = { sent: 0, failed: 0, notSent: 0 };
  const rows = await claim(deps, ids, limit);
  for (let i = 0; i < rows.length; i += SETTLE_BATCH) {
    const batch = rows.slice(i, i + SETTLE_BATCH);
    const sent: MailOutboxTable[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let j = next++; j < batch.length; j = next++) {
        const row = batch[j] as MailOutboxTable;
        const outcome = await deliverOne(deps, row);
        if (outcome === 'sent') sent.push(row);
        else if (outcome) counts[outcome] += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(SMTP_CONNECTIONS, batch.length) }, worker));
    try {
      await settleSent(deps, sent);
      counts.sent += sent.length;
    } catch (error) {
      // They were handed to the SMTP server; the claim expires and they are sent again (at least once, never lost).
      deps.logger.error({ err: error, mailIds: sent.map((r) => r.id) }, 'could not record mail delivery result');
    }
  }
  return counts;
}

/** Send one message; a failure or a missing transport is recorded right away, a success by the caller's batch. */
async function deliverOne(deps: MailDeps, row: MailOutboxTable): Promise<'sent' | 'failed' | 'notSent' | undefined> {
  try {
    if (!deps.transport) {
      deps.logger.warn({ mailId: row.id, kind: row.kind }, 'mail not sent: no SMTP server is configured (smtpUrl); it is kept in the outbox');
      await settle(deps, row, 'notSent', 'no SMTP server configured');
      return 'notSent';
    }
    const secret = row.sealed_secret ? unseal(deps.masterKey, row.sealed_secret, SECRET_CONTEXT).toString('utf8') : '';
    await deps.transport.send({
      from: deps.from,
      to: row.to_addresses,
      cc: row.cc_addresses,
      subject: row.subject,
      text: row.text_body.replaceAll(SECRET_PLACEHOLDER, secret),
      html: row.html_body.replaceAll(SECRET_PLACEHOLDER, escapeHtml(secret)),
    });
    return 'sent';
  } catch (error) {
    const reason = describeError(error);
    const final = row.attempts >= MAX_ATTEMPTS;
    deps.logger.warn({ mailId: row.id, kind: row.kind, attempt: row.attempts, reason }, final ? 'mail delivery failed for good' : 'mail delivery failed; will retry');
    await settle(deps, row, final ? 'failed' : 'queued', reason).catch((e: unknown) => deps.logger.error({ err: e, mailId: row.id }, 'could not record mail delivery result'));
    return final ? 'failed' : undefined;
  }
}

/** An outbox message as administrators see it (the secret, if any, is never shown). */
export interface OutboxMessage {
  id: string;
  kind: string;
  relatedId: string | null;
  toRecipients: string[];
  ccRecipients: string[];
  subject: string;
  body: string;
  status: MailStatus;
  attempts: number;
  lastError: string | null;
  createdDateTime: string;
  sentDateTime: string | null;
}

/**
 * A message as administrators may read it. The secret it carries is shown only for an invitation that could not be
 * sent (its link is what the administrator forwards, and it proves nothing without the invitee's mailbox or
 * account); a one-time passcode never is.
 */
export const toOutboxMessage = (row: MailOutboxTable, masterKey?: Buffer): OutboxMessage => ({
  id: row.id,
  kind: row.kind,
  relatedId: row.related_id,
  toRecipients: row.to_addresses,
  ccRecipients: row.cc_addresses,
  subject: row.subject,
  body: row.text_body.replaceAll(
    SECRET_PLACEHOLDER,
    masterKey && row.kind === 'invitation' && row.status === 'notSent' && row.sealed_secret ? unseal(masterKey, row.sealed_secret, SECRET_CONTEXT).toString('utf8') : '••••••',
  ),
  status: row.status,
  attempts: row.attempts,
  lastError: row.last_error,
  createdDateTime: row.created_at.toISOString(),
  sentDateTime: row.sent_at?.toISOString() ?? null,
});

/** The outbox, newest first, with OData $filter on status, kind and relatedId. */
export async function listOutbox(db: Db, odata: ODataQuery, masterKey: Buffer) {
  const page = await listPage(db, (db as MailDb).selectFrom('mail_outbox').selectAll(), { ...odata, orderBy: odata.orderBy ?? [{ property: 'createdDateTime', direction: 'desc' }] }, outboxFields, 'mailOutbox');
  return { ...page, value: page.rows.map((r) => toOutboxMessage(r as MailOutboxTable, masterKey)) };
}

export const outboxFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true },
  status: { column: 'status', type: 'enum', values: ['queued', 'sending', 'sent', 'notSent', 'failed'] },
  kind: { column: 'kind', type: 'enum', values: ['invitation', 'sponsorNotice', 'oneTimePasscode'] },
  relatedId: { column: 'related_id', type: 'guid' },
};
