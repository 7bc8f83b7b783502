/** Outgoing mail through a transactional outbox: queue in the caller's transaction, deliver after commit. */
export { queueMail, deliverMail, smtpTransport, listOutbox, toOutboxMessage, type MailDeps, type MailTransport, type QueuedMail, type OutboxMessage } from './mail.outbox.ts';
/** The message templates (invitation, sponsor notice, one-time passcode). */
export { invitationMail, sponsorNoticeMail, oneTimePasscodeMail, emergencyAccessAlertMail, SECRET_PLACEHOLDER, type RenderedMail } from './mail.templates.ts';
/** The outbox table's row type. */
export type { MailTables, MailStatus } from './mail.tables.ts';
