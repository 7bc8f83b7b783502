import { Badge } from '@mantine/core';
import type { InvitationStatus, MailKind, MailStatus } from '../api/invitations.ts';

export const INVITATION_STATUS_LABELS: Record<InvitationStatus, string> = {
  PendingAcceptance: 'Pending acceptance',
  Completed: 'Completed',
  Voided: 'Voided',
};

const INVITATION_STATUS_COLORS: Record<InvitationStatus, string> = {
  PendingAcceptance: 'yellow',
  Completed: 'green',
  Voided: 'gray',
};

export const MAIL_STATUS_LABELS: Record<MailStatus, string> = {
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  notSent: 'Not sent',
  failed: 'Failed',
};

const MAIL_STATUS_COLORS: Record<MailStatus, string> = {
  queued: 'blue',
  sending: 'blue',
  sent: 'green',
  notSent: 'orange',
  failed: 'red',
};

export const MAIL_KIND_LABELS: Record<MailKind, string> = {
  invitation: 'Invitation',
  sponsorNotice: 'Sponsor notice',
  oneTimePasscode: 'One-time passcode',
};

/** Keeps the whole label readable in narrow table cells instead of truncating it. */
const NO_TRUNCATION = { root: { flexShrink: 0 }, label: { overflow: 'visible', textOverflow: 'clip' } } as const;

/** Looked up defensively: a newer server may send a value this UI does not know yet. */
function lookup<K extends string>(map: Record<K, string>, value: string, fallback: string): string {
  return (map as Record<string, string>)[value] ?? fallback;
}

export function InvitationStatusBadge({ status }: { status: InvitationStatus }) {
  return (
    <Badge variant="light" color={lookup(INVITATION_STATUS_COLORS, status, 'gray')} styles={NO_TRUNCATION}>
      {lookup(INVITATION_STATUS_LABELS, status, status)}
    </Badge>
  );
}

/** The kind of an outbox message in plain words. */
export function mailKindLabel(kind: string): string {
  return lookup(MAIL_KIND_LABELS, kind, kind);
}

export function MailStatusBadge({ status }: { status: MailStatus }) {
  return (
    <Badge variant="light" color={lookup(MAIL_STATUS_COLORS, status, 'gray')} styles={NO_TRUNCATION}>
      {lookup(MAIL_STATUS_LABELS, status, status)}
    </Badge>
  );
}
