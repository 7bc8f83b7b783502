/**
 * The messages Gatehouse sends, as plain text and HTML. Every value from users or administrators is escaped for
 * HTML; links are only ones Gatehouse built. `SECRET_PLACEHOLDER` marks where a secret (a one-time passcode) is
 * put in at delivery, so the stored outbox copy never contains it.
 */
export const SECRET_PLACEHOLDER = '{{gatehouse-secret}}';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function layout(tenantName: string, paragraphs: string[], action?: { label: string; url: string }): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 16px">${p}</p>`).join('');
  const button = action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="background:#1c7ed6;color:#fff;padding:10px 18px;border-radius:4px;text-decoration:none">${escapeHtml(action.label)}</a></p>` +
      `<p style="margin:0 0 16px;font-size:12px;color:#555">Or open this address: ${escapeHtml(action.url)}</p>`
    : '';
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#222;max-width:560px">` +
    `<div style="border-bottom:3px solid #1c7ed6;padding:8px 0;margin-bottom:16px;font-weight:600">${escapeHtml(tenantName)}</div>${body}${button}` +
    `<p style="font-size:12px;color:#777">Sent by Gatehouse on behalf of ${escapeHtml(tenantName)}.</p></body></html>`;
}

export interface InvitationMailInput {
  tenantName: string;
  inviterName: string;
  inviteeName: string | null;
  redeemUrl: string;
  customMessage: string | null;
}

export function invitationMail(input: InvitationMailInput): RenderedMail {
  const greeting = input.inviteeName ? `Hello ${input.inviteeName},` : 'Hello,';
  const intro = `${input.inviterName} invited you to access applications and servers of ${input.tenantName}. You sign in with your own organization's account (or a one-time code sent to this address); ${input.tenantName} never asks for your password.`;
  const custom = input.customMessage ? `Message from ${input.inviterName}:\n${input.customMessage}\n\n` : '';
  return {
    subject: `${input.inviterName} invited you to ${input.tenantName}`,
    text: `${greeting}\n\n${intro}\n\n${custom}Accept the invitation: ${input.redeemUrl}\n\nIf you did not expect this invitation, ignore this message.\n`,
    html: layout(
      input.tenantName,
      [escapeHtml(greeting), escapeHtml(intro), ...(input.customMessage ? [`<strong>Message from ${escapeHtml(input.inviterName)}:</strong><br>${escapeHtml(input.customMessage).replace(/\n/g, '<br>')}`] : []), 'If you did not expect this invitation, ignore this message.'],
      { label: 'Accept invitation', url: input.redeemUrl },
    ),
  };
}

export interface SponsorNoticeInput {
  tenantName: string;
  sponsorName: string;
  guestName: string;
  guestEmail: string;
  inviterName: string;
  portalUrl: string;
}

export function sponsorNoticeMail(input: SponsorNoticeInput): RenderedMail {
  const line = `${input.inviterName} invited ${input.guestName} (${input.guestEmail}) to ${input.tenantName} and named you as a sponsor. Sponsors vouch for a guest, are asked about their access requests and reviews, and can end their access.`;
  return {
    subject: `You sponsor ${input.guestName} in ${input.tenantName}`,
    text: `Hello ${input.sponsorName},\n\n${line}\n\nOpen Gatehouse: ${input.portalUrl}\n`,
    html: layout(input.tenantName, [escapeHtml(`Hello ${input.sponsorName},`), escapeHtml(line)], { label: 'Open Gatehouse', url: input.portalUrl }),
  };
}

export function oneTimePasscodeMail(input: { tenantName: string; minutes: number }): RenderedMail {
  const line = `Your one-time passcode for ${input.tenantName} is ${SECRET_PLACEHOLDER}. It is valid for ${input.minutes} minutes. If you did not try to sign in, ignore this message; nobody can use the code without this mailbox.`;
  return {
    subject: `Your ${input.tenantName} verification code`,
    text: `${line}\n`,
    html: layout(input.tenantName, [escapeHtml(line).replace(SECRET_PLACEHOLDER, `<strong style="font-size:20px;letter-spacing:2px">${SECRET_PLACEHOLDER}</strong>`)]),
  };
}

/** A critical alert: an emergency-access (break-glass) account was used, or is due for validation. */
export function emergencyAccessAlertMail(input: {
  tenantName: string;
  kind: 'signIn' | 'signInInterrupted' | 'signInFailed' | 'validationDue';
  userPrincipalName: string;
  at: Date;
  details: Record<string, string | number | boolean | null>;
  portalUrl: string;
}): RenderedMail {
  const what =
    input.kind === 'signIn'
      ? `The emergency-access account ${input.userPrincipalName} signed in at ${input.at.toISOString()}.`
      : input.kind === 'signInInterrupted'
        ? `The password (first factor) of the emergency-access account ${input.userPrincipalName} was accepted at ${input.at.toISOString()}; the sign-in now waits for a second factor.`
        : input.kind === 'signInFailed'
        ? `Someone tried to sign in with the emergency-access account ${input.userPrincipalName} at ${input.at.toISOString()} and failed.`
        : `The emergency-access account ${input.userPrincipalName} has not been validated (signed in with) for 90 days. Test it now, so it works when you need it.`;
  const facts = Object.entries(input.details)
    .filter(([, value]) => value !== null && value !== '')
    .map(([key, value]) => `${key}: ${String(value)}`);
  const follow = input.kind === 'validationDue' ? '' : 'If this was not a planned use, treat it as an incident: find out who used it and why, and rotate its credential.';
  const subject = input.kind === 'validationDue' ? `[${input.tenantName}] Emergency-access account due for validation` : `[CRITICAL] [${input.tenantName}] Emergency-access account ${input.kind === 'signIn' ? 'signed in' : input.kind === 'signInInterrupted' ? 'password used' : 'sign-in attempt'}`;
  return {
    subject,
    text: `${what}\n\n${facts.join('\n')}\n\n${follow}\n\nOpen Gatehouse: ${input.portalUrl}\n`,
    html: layout(input.tenantName, [escapeHtml(what), ...facts.map(escapeHtml), ...(follow ? [escapeHtml(follow)] : [])], { label: 'Open Gatehouse', url: input.portalUrl }),
  };
}
