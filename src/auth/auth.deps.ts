import type { Clock } from '#src/core/clock.ts';
import type { Config } from '#src/config/index.ts';
import type { Db } from '#src/store/index.ts';

/** The configuration values the auth module reads (a subset of the loaded Config, so tests can pass literals). */
export type AuthConfig = Pick<
  Config,
  'publicUrl' | 'accessTokenLifetimeSeconds' | 'sessionIdleMinutes' | 'sessionAbsoluteHours' | 'setupLinkLifetimeHours'
>;

/** What every auth service function needs; passed explicitly, never global. */
export interface AuthDeps {
  db: Db;
  clock: Clock;
  config: AuthConfig;
}

/** Services that seal or unseal signing keys also need the master key. */
export interface KeyDeps {
  db: Db;
  clock: Clock;
  masterKey: Buffer;
}
