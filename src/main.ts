import { mkdir, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { insecureSettings, type Config } from '#src/config/index.ts';
import { systemClock, type Clock } from '#src/core/clock.ts';
import { createLogger } from '#src/core/logger.ts';
import { loadOrCreateMasterKey } from '#src/core/master-key.ts';
import { indexAllAuditEvents } from '#src/audit/index.ts';
import { migrateToLatest, openDatabase, runIfLeader, type Database } from '#src/store/index.ts';
import { bootstrapDirectory, getUserRow, purgeExpiredDeletedUsers, permissionsForUser, roleById, roleIdsForUser, runBulkInvitations, type BootstrapResult, type InvitationDeps } from '#src/directory/index.ts';
import {
  consumeSetPasswordToken,
  createOAuthServer,
  createUpstreamOidc,
  createUpstreamSaml,
  ensureSigningKeys,
  issueSetPasswordLink,
  revokeSession,
  sessionCookie,
  deliverEmergencyAccessAlerts,
  remindEmergencyAccessValidation,
  sweepAuthState,
  validateSession,
  type AuthDeps,
  type OAuthServer,
} from '#src/auth/index.ts';
import { sweepSignInLog } from '#src/audit/index.ts';
import { deliverMail, smtpTransport, type MailDeps } from '#src/mail/index.ts';
import { buildApp, type App, type Authenticator, type PortalDeps } from '#src/http/index.ts';

/** A running Gatehouse node. */
export interface RunningGatehouse {
  /** Where it listens (the real port when httpPort was 0). */
  readonly url: string;
  readonly app: App;
  readonly database: Database;
  readonly bootstrap: BootstrapResult;
  readonly oauth: OAuthServer;
  /** The one-time set-password link printed for the initial administrator, when one was issued. */
  readonly setupLink: string | undefined;
  /** Graceful shutdown: stop taking requests, let in-flight ones finish (up to the grace period), close the DB. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
  /** Built web UI; default web/dist next to the sources. */
  webRoot?: string;
  /** Where the first-start banner goes (default: standard error). */
  announce?: (text: string) => void;
}

const SWEEP_INTERVAL_MS = 5 * 60_000;
const MAIL_RETRY_INTERVAL_MS = 30_000;
const BULK_INVITATION_INTERVAL_MS = 10_000;
const KEY_RELOAD_INTERVAL_MS = 60_000;
/** How often the leader moves new audit events into audit_index (queries read the unindexed tail meanwhile). */
const AUDIT_INDEX_INTERVAL_MS = 1_000;
const defaultWebRoot = new URL('../web/dist', import.meta.url).pathname;

/** The composition root: config → store → migrate → bootstrap → services → HTTP. */
export async function startGatehouse(config: Config, options: StartOptions = {}): Promise<RunningGatehouse> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  for (const warning of insecureSettings(config)) logger.warn({ insecure: true }, warning);

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const masterKey = await loadOrCreateMasterKey(config.dataDir, config.masterKey);
  if (masterKey.created) logger.info({ file: masterKey.source }, 'created the master key file; back it up separately from the database');

  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    onPostgresLog: (line) => logger.debug({ component: 'postgres' }, line),
  });
  let ready = false;
  const timers: NodeJS.Timeout[] = [];
  let closeBulkInvitations = async (): Promise<void> => undefined;
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    const bootstrap = await bootstrapDirectory({ db: database.db, clock }, {
      tenantDisplayName: config.tenantDisplayName,
      initialDomain: config.tenantInitialDomain,
      adminUserName: config.bootstrapAdminUserName,
    });
    await ensureSigningKeys({ db: database.db, clock, masterKey: masterKey.key });
    const authDeps: AuthDeps = { db: database.db, clock, config };
    const oauth = await createOAuthServer({
      ...authDeps,
      masterKey: masterKey.key,
      trustProxy: config.trustProxy,
      trustedProxies: config.trustedProxies,
      onServerError: (error) => logger.error({ err: error }, 'OAuth server error'),
      // Emergency-access alerts of refresh tokens (Conditional Access on refresh); only called once requests flow.
      notify: ({ mailIds, alertIds }) => {
        sendNow(mailIds);
        alertsNow(alertIds);
      },
    });

    let setupLink: string | undefined;
    if (bootstrap.adminNeedsPassword && bootstrap.adminUserId) {
      setupLink = (await issueSetPasswordLink(authDeps, { kind: 'system' }, bootstrap.adminUserId)).url;
      const announce = options.announce ?? ((text: string) => process.stderr.write(text));
      announce(
        `\n  Gatehouse ${bootstrap.created ? 'is set up' : 'is waiting for its first administrator'}: tenant ${bootstrap.tenant.displayName} (${bootstrap.tenant.initialDomain}).\n` +
          `  Set the password of ${bootstrap.adminUserPrincipalName} within ${config.setupLinkLifetimeHours} h, once, at:\n\n    ${setupLink}\n\n`,
      );
    }

    const mail: MailDeps = {
      db: database.db,
      clock,
      masterKey: masterKey.key,
      transport: config.smtpUrl ? smtpTransport(config.smtpUrl) : undefined,
      from: config.mailFrom ?? `"${bootstrap.tenant.displayName.replace(/["\\]/g, '')}" <no-reply@${bootstrap.tenant.initialDomain}>`,
      logger,
    };
    const sendNow = (ids: string[]): void => {
      if (ids.length === 0) return;
      void deliverMail(mail, ids).catch((error: unknown) => logger.warn({ err: error }, 'mail delivery failed'));
    };
    const alertDeps = { db: database.db, clock, masterKey: masterKey.key, logger };
    // Emergency-access alerts go out at once (the goal is under 5 s); failed posts are retried by the timer below.
    const alertsNow = (ids: string[]): void => {
      if (ids.length === 0) return;
      void deliverEmergencyAccessAlerts(alertDeps, ids).catch((error: unknown) => logger.warn({ err: error }, 'emergency-access alert delivery failed'));
    };
    const bulkInvitations = bulkInvitationRunner({ db: database.db, clock, publicUrl: config.publicUrl, masterKey: masterKey.key }, sendNow, logger);
    closeBulkInvitations = bulkInvitations.close;

    const webRoot = options.webRoot ?? defaultWebRoot;
    const https = config.tlsCertFile && config.tlsKeyFile ? { cert: await readFile(config.tlsCertFile), key: await readFile(config.tlsKeyFile) } : undefined;
    const app = await buildApp({
      ...(https ? { https } : {}),
      config,
      db: database.db,
      clock,
      logger,
      authenticator: authenticator(authDeps, oauth),
      portal: portal(authDeps),
      deliverAlerts: alertsNow,
      sessionCookie: sessionCookie(config.publicUrl),
      oauth,
      isReady: () => ready,
      webRoot,
      masterKey: masterKey.key,
      deliverMail: sendNow,
      runBulkInvitations: bulkInvitations.kick,
      upstream: createUpstreamOidc({ masterKey: masterKey.key, allowLoopbackHttp: config.environment === 'development' }),
      saml: createUpstreamSaml({ publicUrl: config.publicUrl }),
    });

    await app.listen({ host: config.httpHost, port: config.httpPort });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.httpPort;
    const url = `${https ? 'https' : 'http'}://localhost:${port}`;

    const sweep = setInterval(() => {
      void runIfLeader(database.db, 'auth-sweep', () => sweepAuthState(authDeps)).catch((error) => logger.warn({ err: error }, 'auth sweep failed'));
      void runIfLeader(database.db, 'deleted-users-purge', () => purgeExpiredDeletedUsers({ db: database.db, clock })).catch((error) => logger.warn({ err: error }, 'purging deleted users failed'));
      void runIfLeader(database.db, 'sign-in-log-retention', () => sweepSignInLog({ db: database.db, clock }, config.signInLogRetentionDays)).catch((error) => logger.warn({ err: error }, 'sign-in log retention sweep failed'));
    }, SWEEP_INTERVAL_MS);
    // Keys rotated or retired by `gatehouse keys` (or on another node) are picked up here.
    const keyReload = setInterval(() => {
      void oauth.reloadSigningKeys().then(
        (changed) => changed && logger.info('signing keys reloaded'),
        (error: unknown) => logger.warn({ err: error }, 'signing key reload failed'),
      );
    }, KEY_RELOAD_INTERVAL_MS);
    // Mail left queued by a failed attempt or a node that stopped mid-send (every node may run it: claims skip
    // messages another node holds).
    const mailRetry = setInterval(() => {
      void deliverMail(mail).catch((error: unknown) => logger.warn({ err: error }, 'mail retry failed'));
      void deliverEmergencyAccessAlerts(alertDeps).catch((error: unknown) => logger.warn({ err: error }, 'emergency-access alert retry failed'));
    }, MAIL_RETRY_INTERVAL_MS);
    // Bulk invitation jobs left unfinished by a node that stopped, or created on a node that was busy.
    const bulkResume = setInterval(bulkInvitations.kick, BULK_INVITATION_INTERVAL_MS);
    bulkInvitations.kick();
    // Audit filter columns are indexed behind the appends (docs/adr/0006-narrow-audit-rows-async-index.md); one
    // round at a time per node, one node at a time.
    let indexing = false;
    const auditIndex = setInterval(() => {
      if (indexing) return;
      indexing = true;
      void runIfLeader(database.db, 'audit-index', () => indexAllAuditEvents(database.db))
        .catch((error: unknown) => logger.warn({ err: error }, 'audit indexing failed'))
        .finally(() => {
          indexing = false;
        });
    }, AUDIT_INDEX_INTERVAL_MS);
    for (const timer of [sweep, keyReload, mailRetry, bulkResume, auditIndex]) {
      timer.unref();
      timers.push(timer);
    }
    ready = true;
    logger.info({ url, publicUrl: config.publicUrl, database: database.kind }, 'Gatehouse is ready');

    let closing: Promise<void> | undefined;
    return {
      url,
      app,
      database,
      bootstrap,
      oauth,
      setupLink,
      close: () => {
        closing ??= (async () => {
          ready = false;
          for (const timer of timers) clearInterval(timer);
          const grace = setTimeout(() => app.server.closeAllConnections?.(), config.shutdownGraceSeconds * 1000);
          grace.unref();
          await app.close();
          clearTimeout(grace);
          await bulkInvitations.close();
          mail.transport?.close?.();
          await database.close();
          logger.info('Gatehouse stopped');
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const timer of timers) clearInterval(timer);
    await closeBulkInvitations();
    await database.close();
    throw error;
  }
}

/**
 * Bulk invitation jobs run on one node at a time (leader lock). A kick while this node is already running them
 * makes it look again once done, so a job created meanwhile is not left for the next tick. `close` stops between
 * chunks and waits, so no row is cut off by the database closing; what is left resumes on the next start.
 */
function bulkInvitationRunner(deps: InvitationDeps, deliver: (ids: string[]) => void, logger: Logger): { kick: () => void; close: () => Promise<void> } {
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    again = false;
    running = runIfLeader(deps.db, 'bulk-invitations', () =>
      runBulkInvitations(deps, {
        signal: stop.signal,
        deliverMail: deliver,
        onUnexpectedError: (error, context) => logger.error({ err: error, ...context }, 'bulk invitation row failed unexpectedly'),
      }),
    )
      .then(
        () => undefined,
        (error: unknown) => logger.warn({ err: error }, 'bulk invitations stopped; they resume on the next run'),
      )
      .finally(() => {
        running = undefined;
        if (again && !stop.signal.aborted) run();
      });
  };
  return {
    kick: () => {
      if (stop.signal.aborted) return;
      if (running) again = true;
      else run();
    },
    close: async () => {
      stop.abort();
      while (running) await running;
    },
  };
}

function authenticator(deps: AuthDeps, oauth: OAuthServer): Authenticator {
  return {
    async fromBearer(token) {
      const principal = await oauth.verifyAccessToken(token);
      return principal.kind === 'user' ? { ...principal, via: 'token' } : principal;
    },
    async fromSession(cookieValue) {
      const session = await validateSession(deps, cookieValue);
      if (!session) return undefined;
      return {
        csrfToken: session.csrfToken,
        principal: {
          kind: 'user',
          via: 'session',
          userId: session.userId,
          displayName: session.displayName,
          userPrincipalName: session.userPrincipalName,
          amr: session.amr,
          permissions: await permissionsForUser(deps.db, session.userId),
        },
      };
    },
  };
}

function portal(deps: AuthDeps): PortalDeps {
  return {
    async user(userId) {
      const user = await getUserRow(deps.db, userId);
      return { id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name };
    },
    signOut: (cookieValue, ipAddress) => revokeSession(deps, cookieValue, { ipAddress }),
    async current(cookieValue) {
      const session = await validateSession(deps, cookieValue);
      return session
        ? { user: { id: session.userId, displayName: session.displayName, userPrincipalName: session.userPrincipalName }, csrfToken: session.csrfToken, amr: session.amr, authenticatedAt: session.authenticatedAt }
        : undefined;
    },
    async setPassword(token, password, ipAddress) {
      await consumeSetPasswordToken(deps, token, password, { ipAddress });
    },
    async roles(userId) {
      return (await roleIdsForUser(deps.db, userId)).map((id) => ({ id, displayName: roleById(id)?.displayName ?? id }));
    },
  };
}
