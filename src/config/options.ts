/**
 * Every configuration option, declared once with its documentation. docs/configuration.md is generated from this
 * list (`npm run docs:generate`) and a test fails when the two differ, so an option cannot go undocumented.
 */
export type OptionType = 'string' | 'int' | 'bool' | 'url' | 'path' | 'enum';

export interface OptionSpec {
  readonly env: string;
  readonly type: OptionType;
  readonly doc: string;
  readonly default?: string | number | boolean;
  /** Shown in docs when the default is computed rather than fixed. */
  readonly defaultDoc?: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Secret values are never printed, logged or echoed back in errors. */
  readonly secret?: boolean;
}

export const options = {
  environment: {
    env: 'GATEHOUSE_ENV',
    type: 'enum',
    values: ['production', 'development'],
    default: 'production',
    doc: 'Run mode. In production, insecure settings (plain HTTP on a non-loopback public URL, a master key in an environment variable) are refused or warned about loudly at start-up.',
  },
  dataDir: {
    env: 'GATEHOUSE_DATA_DIR',
    type: 'path',
    default: './data',
    doc: 'Directory for the bundled PostgreSQL cluster, the master key file, signing keys and recordings. Created on first start.',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    type: 'url',
    secret: true,
    doc: 'Use an external PostgreSQL (`postgres://user:pass@host:5432/db`) instead of the bundled one. Required for more than one node.',
  },
  databasePoolSize: {
    env: 'GATEHOUSE_DATABASE_POOL_SIZE',
    type: 'int',
    default: 10,
    min: 2,
    max: 200,
    doc: 'Maximum number of PostgreSQL connections this node opens.',
  },
  httpHost: {
    env: 'GATEHOUSE_HTTP_HOST',
    type: 'string',
    default: '0.0.0.0',
    doc: 'Address the HTTP server (UI, API, OAuth) listens on.',
  },
  httpPort: {
    env: 'GATEHOUSE_HTTP_PORT',
    type: 'int',
    default: 8080,
    min: 0,
    max: 65535,
    doc: 'Port the HTTP server listens on (0 picks a free port).',
  },
  publicUrl: {
    env: 'GATEHOUSE_PUBLIC_URL',
    type: 'url',
    defaultDoc: '`http://localhost:<httpPort>` (`https://` when TLS is on)',
    doc: 'The URL users and clients reach Gatehouse at. Used as the OAuth issuer and in links (sign-in, set-password). Must not end with a slash.',
  },
  tlsCertFile: {
    env: 'GATEHOUSE_TLS_CERT_FILE',
    type: 'path',
    doc: 'PEM certificate chain; with `tlsKeyFile`, the HTTP server serves HTTPS. Set both or neither.',
  },
  tlsKeyFile: {
    env: 'GATEHOUSE_TLS_KEY_FILE',
    type: 'path',
    doc: 'PEM private key for `tlsCertFile`.',
  },
  trustProxy: {
    env: 'GATEHOUSE_TRUST_PROXY',
    type: 'int',
    default: 0,
    min: 0,
    max: 10,
    doc: 'How many reverse proxies stand in front of Gatehouse. The client address is taken that many hops from the right of `X-Forwarded-For` (entries further left are client-controlled and ignored). 0: clients connect directly and forwarded headers are ignored.',
  },
  trustedProxies: {
    env: 'GATEHOUSE_TRUSTED_PROXIES',
    type: 'string',
    default: '127.0.0.0/8,::1/128',
    doc: 'Addresses or CIDR ranges (comma-separated) of the reverse proxies counted by `trustProxy`. X-Forwarded-For is read only when the connection comes from one of them, hop by hop, so a client reaching Gatehouse directly cannot choose its own address (and with it a trusted named location or another country).',
  },
  logLevel: {
    env: 'GATEHOUSE_LOG_LEVEL',
    type: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    doc: 'Minimum level of the JSON log written to standard output.',
  },
  tenantDisplayName: {
    env: 'GATEHOUSE_TENANT_DISPLAY_NAME',
    type: 'string',
    default: 'Gatehouse',
    doc: 'Display name of the tenant created on first start. Ignored once the tenant exists.',
  },
  tenantInitialDomain: {
    env: 'GATEHOUSE_TENANT_INITIAL_DOMAIN',
    type: 'string',
    default: 'gatehouse.local',
    doc: 'Initial verified domain of the tenant created on first start (member user principal names end in it). Ignored once the tenant exists.',
  },
  bootstrapAdminUserName: {
    env: 'GATEHOUSE_BOOTSTRAP_ADMIN',
    type: 'string',
    default: 'admin',
    doc: 'Local part of the initial Global Administrator created on first start (`admin` becomes `admin@<tenantInitialDomain>`).',
  },
  masterKey: {
    env: 'GATEHOUSE_MASTER_KEY',
    type: 'string',
    secret: true,
    doc: 'Base64 of 32 random bytes used to wrap secret-encryption keys. When unset, a key file `master.key` (mode 0600) is created in the data directory on first start and used from then on.',
  },
  accessTokenLifetimeSeconds: {
    env: 'GATEHOUSE_ACCESS_TOKEN_LIFETIME_SECONDS',
    type: 'int',
    default: 3600,
    min: 60,
    max: 86400,
    doc: 'Lifetime of OAuth access tokens issued by Gatehouse.',
  },
  sessionIdleMinutes: {
    env: 'GATEHOUSE_SESSION_IDLE_MINUTES',
    type: 'int',
    default: 30,
    min: 1,
    max: 1440,
    doc: 'A browser session to the admin portal ends after this many minutes without a request.',
  },
  sessionAbsoluteHours: {
    env: 'GATEHOUSE_SESSION_ABSOLUTE_HOURS',
    type: 'int',
    default: 12,
    min: 1,
    max: 720,
    doc: 'A browser session ends this many hours after sign-in, active or not.',
  },
  setupLinkLifetimeHours: {
    env: 'GATEHOUSE_SETUP_LINK_LIFETIME_HOURS',
    type: 'int',
    default: 24,
    min: 1,
    max: 168,
    doc: 'Validity of the one-time set-password link printed for the bootstrap administrator.',
  },
  shutdownGraceSeconds: {
    env: 'GATEHOUSE_SHUTDOWN_GRACE_SECONDS',
    type: 'int',
    default: 10,
    min: 0,
    max: 600,
    doc: 'On SIGTERM/SIGINT, how long in-flight requests may take to finish before connections are closed.',
  },
  identityProviderPrivateNetworks: {
    env: 'GATEHOUSE_IDP_PRIVATE_NETWORKS',
    type: 'bool',
    default: false,
    doc: 'Allow partner identity providers (OIDC issuers, SAML metadata URLs) on private, loopback or link-local addresses. Off by default so an administrator cannot make Gatehouse fetch from its internal network; turn on when partners really are reached over a private network. Always on in `development`.',
  },
  smtpUrl: {
    env: 'GATEHOUSE_SMTP_URL',
    type: 'url',
    secret: true,
    doc: 'SMTP server for outgoing mail (invitations, one-time passcodes, sponsor notices): `smtps://user:pass@host:465` (implicit TLS) or `smtp://user:pass@host:587` (STARTTLS when offered). When unset, mail is kept in the outbox (Invitations → Outbox in the UI) and logged as not sent.',
  },
  mailFrom: {
    env: 'GATEHOUSE_MAIL_FROM',
    type: 'string',
    defaultDoc: '`"<tenant display name>" <no-reply@<tenant initial domain>>`',
    doc: 'Sender address of outgoing mail.',
  },
  signInLogRetentionDays: {
    env: 'GATEHOUSE_SIGN_IN_LOG_RETENTION_DAYS',
    type: 'int',
    default: 30,
    min: 1,
    max: 3650,
    doc: 'Days the sign-in log (`/auditLogs/signIns`) keeps each entry, as Entra keeps 30 days on its free tier. A sweep deletes older entries once a day (whole days, so an entry may stay up to a day longer) and records how many in the audit log (GH2301I). The hash-chained audit log is not affected.',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionKey = keyof typeof options;
