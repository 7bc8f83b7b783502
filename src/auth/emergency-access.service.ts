import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '#src/core/clock.ts';
import { newId, randomToken } from '#src/core/crypto.ts';
import { seal, unseal } from '#src/core/seal.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { findUserRow, getTenant, type DirDb, type UserRow } from '#src/directory/index.ts';
import { emergencyAccessAlertMail, queueMail } from '#src/mail/index.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import type { EmergencyAccessAlertTable, PipelineDb } from './sign-in-pipeline.tables.ts';

/**
 * Emergency-access ("break-glass") accounts: cloud-only local accounts an administrator marks so that every
 * sign-in attempt with them — successful or not — raises a critical alert within seconds (a signed webhook and
 * mail to the configured addresses) and shows a banner in the admin portal. They are optionally left out of
 * Conditional Access, and an alert reminds the team when one has not been validated (signed in with) for
 * VALIDATION_DAYS.
 */
export const VALIDATION_DAYS = 90;
const SECRET_CONTEXT = 'emergency-access-webhook-secret';
const WEBHOOK_ATTEMPTS = 6;
const WEBHOOK_TIMEOUT_MS = 4_000;

export interface EmergencyAccessDeps {
  db: Db;
  clock: Clock;
  masterKey: Buffer;
}

export interface EmergencyAccessAccount {
  id: string;
  displayName: string;
  userPrincipalName: string;
  excludeFromConditionalAccess: boolean;
  createdDateTime: string;
  lastSignInDateTime: string | null;
  /** No sign-in (validation) within VALIDATION_DAYS of now. */
  validationDue: boolean;
}

export interface EmergencyAccessSettings {
  webhookUrl: string | null;
  /** Whether a webhook signing secret is set (the secret itself is never returned). */
  hasWebhookSecret: boolean;
  notifyEmails: string[];
}

export interface EmergencyAccessAlert {
  id: string;
  kind: EmergencyAccessAlertTable['kind'];
  userId: string | null;
  userPrincipalName: string;
  createdDateTime: string;
  details: EmergencyAccessAlertTable['details'];
  webhookState: EmergencyAccessAlertTable['webhook_state'];
  webhookError: string | null;
  acknowledgedDateTime: string | null;
  acknowledgedBy: string | null;
}

const pdb = (db: Db): PipelineDb => db as PipelineDb;
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const userTarget = (user: Pick<UserRow, 'id' | 'display_name' | 'user_principal_name'>) => ({ id: user.id, type: 'User', displayName: user.display_name, userPrincipalName: user.user_principal_name });

/** Ids of every emergency-access account (Conditional Access exclusions, the admin lockout guard). */
export async function emergencyAccessUserIds(db: Db): Promise<string[]> {
  const rows = await pdb(db).selectFrom('emergency_access_accounts').select('user_id').execute();
  return rows.map((row) => row.user_id);
}

/** The emergency-access record of one user, or undefined when the account is not one. */
export async function emergencyAccessOf(db: Db, userId: string): Promise<{ excludeFromConditionalAccess: boolean } | undefined> {
  const row = await pdb(db).selectFrom('emergency_access_accounts').select('exclude_from_conditional_access').where('user_id', '=', userId).executeTakeFirst();
  return row ? { excludeFromConditionalAccess: row.exclude_from_conditional_access } : undefined;
}

export async function listEmergencyAccessAccounts(deps: { db: Db; clock: Clock }): Promise<EmergencyAccessAccount[]> {
  const rows = await pdb(deps.db).selectFrom('emergency_access_accounts').selectAll().execute();
  const dueBefore = deps.clock.now().getTime() - VALIDATION_DAYS * 86_400_000;
  const accounts: EmergencyAccessAccount[] = [];
  // A handful of accounts (Entra advises two): one lookup each is fine.
  for (const row of rows) {
    const user = await findUserRow(deps.db as DirDb, row.user_id);
    if (!user) continue;
    accounts.push({
      id: row.user_id,
      displayName: user.display_name,
      userPrincipalName: user.user_principal_name,
      excludeFromConditionalAccess: row.exclude_from_conditional_access,
      createdDateTime: row.created_at.toISOString(),
      lastSignInDateTime: iso(row.last_sign_in_at),
      validationDue: (row.last_sign_in_at ?? row.created_at).getTime() < dueBefore,
    });
  }
  return accounts.sort((a, b) => a.userPrincipalName.localeCompare(b.userPrincipalName));
}

/**
 * Mark a user as an emergency-access account. Only a cloud-only member can be one: not a guest, not invited,
 * not bound to a partner identity (its credential must not depend on anybody else's identity provider).
 */
export async function addEmergencyAccessAccount(deps: { db: Db; clock: Clock }, actor: Actor, input: { userId: string; excludeFromConditionalAccess?: boolean }): Promise<EmergencyAccessAccount> {
  await inTransaction(deps.db, async (trx) => {
    const user = await findUserRow(trx as DirDb, input.userId);
    if (!user) throw authError('EMERGENCY_ACCESS_INVALID', `userId: no user with id ${input.userId}`);
    if (user.user_type !== 'Member' || user.creation_type === 'Invitation' || user.identities.some((identity) => identity.signInType === 'federated')) {
      throw authError('EMERGENCY_ACCESS_INVALID', 'userId: an emergency-access account must be a cloud-only member account (not a guest, not invited, not federated)');
    }
    const inserted = await pdb(trx)
      .insertInto('emergency_access_accounts')
      .values({ user_id: user.id, exclude_from_conditional_access: input.excludeFromConditionalAccess ?? true, created_at: deps.clock.now(), last_sign_in_at: null, last_reminder_at: null })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .returning('user_id')
      .executeTakeFirst();
    if (!inserted) throw authError('EMERGENCY_ACCESS_EXISTS', `${user.user_principal_name} is already an emergency-access account`);
    await appendAudit(trx, deps.clock, {
      event: 'emergencyAccess.accountAdded',
      actor,
      targets: [userTarget(user)],
      details: { excludeFromConditionalAccess: input.excludeFromConditionalAccess ?? true },
    });
  });
  return accountOrThrow(deps, input.userId);
}

async function accountOrThrow(deps: { db: Db; clock: Clock }, userId: string): Promise<EmergencyAccessAccount> {
  const account = (await listEmergencyAccessAccounts(deps)).find((a) => a.id === userId);
  if (!account) throw authError('EMERGENCY_ACCESS_NOT_FOUND', `No emergency-access account for user ${userId}`);
  return account;
}

export async function updateEmergencyAccessAccount(deps: { db: Db; clock: Clock }, actor: Actor, userId: string, patch: { excludeFromConditionalAccess: boolean }): Promise<EmergencyAccessAccount> {
  await inTransaction(deps.db, async (trx) => {
    const before = await pdb(trx).selectFrom('emergency_access_accounts').selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!before) throw authError('EMERGENCY_ACCESS_NOT_FOUND', `No emergency-access account for user ${userId}`);
    if (before.exclude_from_conditional_access === patch.excludeFromConditionalAccess) return;
    await pdb(trx).updateTable('emergency_access_accounts').set({ exclude_from_conditional_access: patch.excludeFromConditionalAccess }).where('user_id', '=', userId).execute();
    const user = await findUserRow(trx as DirDb, userId);
    await appendAudit(trx, deps.clock, {
      event: 'emergencyAccess.accountUpdated',
      actor,
      targets: [{
        ...(user ? userTarget(user) : { id: userId, type: 'User' }),
        modifiedProperties: [{ displayName: 'excludeFromConditionalAccess', oldValue: String(before.exclude_from_conditional_access), newValue: String(patch.excludeFromConditionalAccess) }],
      }],
    });
  });
  return accountOrThrow(deps, userId);
}

export async function removeEmergencyAccessAccount(deps: { db: Db; clock: Clock }, actor: Actor, userId: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const removed = await pdb(trx).deleteFrom('emergency_access_accounts').where('user_id', '=', userId).returning('user_id').executeTakeFirst();
    if (!removed) throw authError('EMERGENCY_ACCESS_NOT_FOUND', `No emergency-access account for user ${userId}`);
    const user = await findUserRow(trx as DirDb, userId);
    await appendAudit(trx, deps.clock, { event: 'emergencyAccess.accountRemoved', actor, targets: [user ? userTarget(user) : { id: userId, type: 'User' }] });
  });
}

export async function getEmergencyAccessSettings(db: Db): Promise<EmergencyAccessSettings> {
  const row = await pdb(db).selectFrom('emergency_access_settings').selectAll().executeTakeFirst();
  return { webhookUrl: row?.webhook_url ?? null, hasWebhookSecret: Boolean(row?.webhook_secret_sealed), notifyEmails: row?.notify_emails ?? [] };
}

const EMAIL = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

/**
 * Where alerts go. `webhookSecret` is write-only (sealed with the master key); `null` removes it. A webhook URL
 * must be http(s) without credentials; it is an administrator's choice, so internal addresses (a SIEM) are allowed.
 */
export async function updateEmergencyAccessSettings(
  deps: EmergencyAccessDeps,
  actor: Actor,
  patch: { webhookUrl?: string | null; webhookSecret?: string | null; notifyEmails?: string[] },
): Promise<EmergencyAccessSettings> {
  if (patch.webhookUrl) {
    let url: URL;
    try {
      url = new URL(patch.webhookUrl);
    } catch {
      throw authError('EMERGENCY_ACCESS_INVALID', 'webhookUrl: not an absolute URL');
    }
    if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password) throw authError('EMERGENCY_ACCESS_INVALID', 'webhookUrl: must be an http(s) URL without user name or password');
  }
  if (patch.webhookSecret !== undefined && patch.webhookSecret !== null && (patch.webhookSecret.length < 16 || patch.webhookSecret.length > 256)) {
    throw authError('EMERGENCY_ACCESS_INVALID', 'webhookSecret: must be 16 to 256 characters');
  }
  const bad = (patch.notifyEmails ?? []).find((address) => !EMAIL.test(address));
  if (bad !== undefined) throw authError('EMERGENCY_ACCESS_INVALID', `notifyEmails: "${bad}" is not an email address`);
  if ((patch.notifyEmails ?? []).length > 20) throw authError('EMERGENCY_ACCESS_INVALID', 'notifyEmails: at most 20 addresses');
  await inTransaction(deps.db, async (trx) => {
    const before = await pdb(trx).selectFrom('emergency_access_settings').selectAll().forUpdate().executeTakeFirst();
    const next = {
      webhook_url: patch.webhookUrl !== undefined ? patch.webhookUrl || null : (before?.webhook_url ?? null),
      webhook_secret_sealed:
        patch.webhookSecret !== undefined ? (patch.webhookSecret === null ? null : seal(deps.masterKey, patch.webhookSecret, SECRET_CONTEXT)) : (before?.webhook_secret_sealed ?? null),
      notify_emails: patch.notifyEmails ? [...new Set(patch.notifyEmails.map((a) => a.toLowerCase()))] : (before?.notify_emails ?? []),
      updated_at: deps.clock.now(),
    };
    await pdb(trx).insertInto('emergency_access_settings').values({ id: true, ...next }).onConflict((oc) => oc.column('id').doUpdateSet(next)).execute();
    const modifiedProperties = [];
    // Webhook URLs often carry a token in their path (Slack, Teams): the audit log keeps only where they point.
    if (next.webhook_url !== (before?.webhook_url ?? null)) modifiedProperties.push({ displayName: 'webhookUrl', oldValue: maskUrl(before?.webhook_url ?? null), newValue: maskUrl(next.webhook_url) });
    if (patch.webhookSecret !== undefined) modifiedProperties.push({ displayName: 'webhookSecret', oldValue: null, newValue: patch.webhookSecret === null ? 'removed' : 'changed' });
    if (next.notify_emails.join(',') !== (before?.notify_emails ?? []).join(',')) modifiedProperties.push({ displayName: 'notifyEmails', oldValue: (before?.notify_emails ?? []).join(', '), newValue: next.notify_emails.join(', ') });
    await appendAudit(trx, deps.clock, { event: 'emergencyAccess.settingsUpdated', actor, targets: [{ id: 'emergencyAccess', type: 'Policy', displayName: 'Emergency access alerts', modifiedProperties }] });
  });
  return getEmergencyAccessSettings(deps.db);
}

const ALERT_REASONS: Record<EmergencyAccessAlertTable['kind'], string> = {
  signIn: 'emergency-access account signed in',
  signInInterrupted: 'emergency-access account password accepted; waiting for a second factor',
  signInFailed: 'emergency-access account sign-in attempt failed',
  validationDue: `not validated for ${VALIDATION_DAYS} days`,
};

/** An URL's origin with its path elided, for the audit log. */
const maskUrl = (url: string | null): string | null => (url ? `${new URL(url).origin}/…` : null);

export interface RaisedAlert {
  alertId: string;
  mailIds: string[];
}

/**
 * Raise a critical alert inside the caller's transaction (so it exists exactly when the sign-in attempt was
 * recorded): stored for the portal banner, queued for the webhook, mailed to the configured addresses, audited.
 * Deliver after commit with `deliverEmergencyAccessAlerts` and the mail outbox.
 */
export async function raiseEmergencyAccessAlert(
  trx: Db,
  deps: EmergencyAccessDeps & { publicUrl: string },
  input: { kind: EmergencyAccessAlertTable['kind']; user: Pick<UserRow, 'id' | 'display_name' | 'user_principal_name'>; details: EmergencyAccessAlertTable['details'] },
): Promise<RaisedAlert> {
  const now = deps.clock.now();
  const settings = await pdb(trx).selectFrom('emergency_access_settings').selectAll().executeTakeFirst();
  const alertId = newId();
  await pdb(trx)
    .insertInto('emergency_access_alerts')
    .values({
      id: alertId,
      kind: input.kind,
      user_id: input.user.id,
      user_principal_name: input.user.user_principal_name,
      created_at: now,
      details: input.details,
      webhook_state: settings?.webhook_url ? 'pending' : 'none',
      webhook_attempts: 0,
      webhook_next_at: settings?.webhook_url ? now : null,
      webhook_error: null,
      acknowledged_at: null,
      acknowledged_by: null,
    })
    .execute();
  // A successful sign-in is also the account's validation.
  if (input.kind === 'signIn') await pdb(trx).updateTable('emergency_access_accounts').set({ last_sign_in_at: now }).where('user_id', '=', input.user.id).execute();
  let mailIds: string[] = [];
  if (settings && settings.notify_emails.length > 0) {
    const tenant = await getTenant(trx as DirDb);
    mailIds = await queueMail(trx, deps.clock, deps.masterKey, [
      {
        kind: 'emergencyAccessAlert',
        relatedId: input.user.id,
        to: settings.notify_emails,
        message: emergencyAccessAlertMail({ tenantName: tenant?.displayName ?? 'Gatehouse', kind: input.kind, userPrincipalName: input.user.user_principal_name, at: now, details: input.details, portalUrl: deps.publicUrl }),
      },
    ]);
  }
  await appendAudit(trx, deps.clock, {
    event: 'emergencyAccess.alertRaised',
    actor: { kind: 'system' },
    targets: [userTarget(input.user)],
    result: input.kind === 'signIn' || input.kind === 'signInInterrupted' ? 'success' : 'failure',
    resultReason: ALERT_REASONS[input.kind],
    details: { alertId, kind: input.kind, ...input.details },
  });
  return { alertId, mailIds };
}

/** What a raised alert leaves for after commit: mail and webhooks to deliver. */
export interface AlertEffects {
  mailIds: string[];
  alertIds: string[];
}

/**
 * Raise the alert inside the caller's transaction when `user` is an emergency-access account; nothing otherwise.
 * Returns what to deliver once the transaction committed.
 */
export async function alertIfEmergencyAccess(
  trx: Db,
  deps: EmergencyAccessDeps & { publicUrl: string },
  input: { kind: EmergencyAccessAlertTable['kind']; user: Pick<UserRow, 'id' | 'display_name' | 'user_principal_name'>; details: EmergencyAccessAlertTable['details'] },
): Promise<AlertEffects> {
  if (!(await emergencyAccessOf(trx, input.user.id))) return { mailIds: [], alertIds: [] };
  const raised = await raiseEmergencyAccessAlert(trx, deps, input);
  return { mailIds: raised.mailIds, alertIds: [raised.alertId] };
}

const toAlert = (row: EmergencyAccessAlertTable): EmergencyAccessAlert => ({
  id: row.id,
  kind: row.kind,
  userId: row.user_id,
  userPrincipalName: row.user_principal_name,
  createdDateTime: row.created_at.toISOString(),
  details: row.details,
  webhookState: row.webhook_state,
  webhookError: row.webhook_error,
  acknowledgedDateTime: iso(row.acknowledged_at),
  acknowledgedBy: row.acknowledged_by,
});

/** Alerts newest first; `open` keeps the unacknowledged ones (the portal banner). */
export async function listEmergencyAccessAlerts(db: Db, options: { open?: boolean; top?: number } = {}): Promise<EmergencyAccessAlert[]> {
  let query = pdb(db).selectFrom('emergency_access_alerts').selectAll().orderBy('created_at', 'desc').limit(Math.min(Math.max(options.top ?? 100, 1), 999));
  if (options.open) query = query.where('acknowledged_at', 'is', null);
  return (await query.execute()).map(toAlert);
}

export async function acknowledgeEmergencyAccessAlert(deps: { db: Db; clock: Clock }, actor: Extract<Actor, { kind: 'user' }>, alertId: string): Promise<EmergencyAccessAlert> {
  return inTransaction(deps.db, async (trx) => {
    const row = await pdb(trx)
      .updateTable('emergency_access_alerts')
      .set({ acknowledged_at: deps.clock.now(), acknowledged_by: actor.userPrincipalName ?? actor.id })
      .where('id', '=', alertId)
      .where('acknowledged_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      const exists = await pdb(trx).selectFrom('emergency_access_alerts').selectAll().where('id', '=', alertId).executeTakeFirst();
      if (!exists) throw authError('EMERGENCY_ACCESS_NOT_FOUND', `No emergency-access alert with id ${alertId}`);
      return toAlert(exists);
    }
    await appendAudit(trx, deps.clock, { event: 'emergencyAccess.alertAcknowledged', actor, targets: [{ id: alertId, type: 'Alert', displayName: `${row.kind} ${row.user_principal_name}` }] });
    return toAlert(row);
  });
}

/** The webhook body and its signature: HMAC-SHA256 over `<timestamp>.<body>` with the configured secret. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Post due alerts to the webhook (all when `ids` is absent), retrying with back-off. Each alert is claimed under
 * a row lock so two nodes never post it twice at once; the secret is unsealed only here and never logged.
 */
export async function deliverEmergencyAccessAlerts(deps: EmergencyAccessDeps & { logger: Logger; fetch?: typeof fetch }, ids?: string[]): Promise<{ sent: number; failed: number }> {
  const settings = await pdb(deps.db).selectFrom('emergency_access_settings').selectAll().executeTakeFirst();
  let sent = 0;
  let failed = 0;
  for (;;) {
    const now = deps.clock.now();
    const claimed = await inTransaction(deps.db, async (trx) => {
      let query = pdb(trx).selectFrom('emergency_access_alerts').selectAll().where('webhook_state', '=', 'pending').where('webhook_next_at', '<=', now).orderBy('created_at').limit(1).forUpdate().skipLocked();
      if (ids) query = query.where('id', 'in', ids.length > 0 ? ids : ['00000000-0000-0000-0000-000000000000']);
      const row = await query.executeTakeFirst();
      if (!row) return undefined;
      // Claimed for a minute: another node skips it until this attempt has settled.
      await pdb(trx).updateTable('emergency_access_alerts').set({ webhook_next_at: new Date(now.getTime() + 60_000), webhook_attempts: row.webhook_attempts + 1 }).where('id', '=', row.id).execute();
      return row;
    });
    if (!claimed) break;
    const error = await postAlert(deps, settings?.webhook_url ?? null, settings?.webhook_secret_sealed ?? null, claimed);
    const attempts = claimed.webhook_attempts + 1;
    const final = error !== undefined && attempts >= WEBHOOK_ATTEMPTS;
    await pdb(deps.db)
      .updateTable('emergency_access_alerts')
      .set(
        error === undefined
          ? { webhook_state: 'sent', webhook_next_at: null, webhook_error: null }
          : { webhook_state: final ? 'failed' : 'pending', webhook_error: error, webhook_next_at: final ? null : new Date(deps.clock.now().getTime() + Math.min(2 ** attempts * 5_000, 600_000)) },
      )
      .where('id', '=', claimed.id)
      .execute();
    if (error === undefined) sent++;
    else {
      failed++;
      deps.logger.warn({ alertId: claimed.id, attempt: attempts, reason: error }, final ? 'emergency-access alert webhook failed for good' : 'emergency-access alert webhook failed; will retry');
    }
  }
  return { sent, failed };
}

async function postAlert(deps: EmergencyAccessDeps & { fetch?: typeof fetch }, url: string | null, sealedSecret: string | null, row: EmergencyAccessAlertTable): Promise<string | undefined> {
  if (!url) return 'no webhook URL is configured';
  const body = JSON.stringify({
    type: 'gatehouse.emergencyAccess.alert',
    severity: 'critical',
    alert: toAlert(row),
  });
  const timestamp = String(Math.floor(deps.clock.now().getTime() / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-gatehouse-timestamp': timestamp, 'x-gatehouse-delivery': randomToken(12) };
  if (sealedSecret) headers['x-gatehouse-signature'] = signWebhook(unseal(deps.masterKey, sealedSecret, SECRET_CONTEXT).toString('utf8'), timestamp, body);
  try {
    const response = await (deps.fetch ?? fetch)(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? undefined : `webhook answered HTTP ${response.status}`;
  } catch (error) {
    // No network detail (refused, timed out, DNS) goes back through the API: the webhook is not a port scanner.
    return error instanceof Error && error.name === 'TimeoutError' ? 'webhook did not answer in time' : 'webhook unreachable';
  }
}

/**
 * Raise a reminder for every emergency-access account not signed in with (validated) for VALIDATION_DAYS, at
 * most once per period. Idempotent; run by the scheduled sweep. Returns the raised alerts.
 */
export async function remindEmergencyAccessValidation(deps: EmergencyAccessDeps & { publicUrl: string }): Promise<RaisedAlert[]> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - VALIDATION_DAYS * 86_400_000);
  return inTransaction(deps.db, async (trx) => {
    const due = await pdb(trx)
      .selectFrom('emergency_access_accounts')
      .selectAll()
      .where((eb) => eb(eb.fn.coalesce('last_sign_in_at', 'created_at'), '<', cutoff))
      .where((eb) => eb.or([eb('last_reminder_at', 'is', null), eb('last_reminder_at', '<', cutoff)]))
      .forUpdate()
      .skipLocked()
      .execute();
    const raised: RaisedAlert[] = [];
    for (const account of due) {
      const user = await findUserRow(trx as DirDb, account.user_id);
      if (!user) continue;
      await pdb(trx).updateTable('emergency_access_accounts').set({ last_reminder_at: now }).where('user_id', '=', account.user_id).execute();
      raised.push(await raiseEmergencyAccessAlert(trx, deps, { kind: 'validationDue', user, details: { lastSignInDateTime: iso(account.last_sign_in_at), days: VALIDATION_DAYS } }));
    }
    return raised;
  });
}
