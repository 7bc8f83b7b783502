import type { Db } from '#src/store/index.ts';

export type MailStatus = 'queued' | 'sending' | 'sent' | 'notSent' | 'failed';

/** Row type of the transactional outbox (schema in src/store/migrations). */
export interface MailOutboxTable {
  id: string;
  kind: string;
  related_id: string | null;
  to_addresses: string[];
  cc_addresses: string[];
  subject: string;
  text_body: string;
  html_body: string;
  sealed_secret: string | null;
  status: MailStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface MailTables {
  mail_outbox: MailOutboxTable;
}

export type MailDb = Db<MailTables>;
