import type { Clock } from '#src/core/clock.ts';
import type { Actor } from '#src/audit/index.ts';
import type { Db } from '#src/store/index.ts';
import type { DirectoryTables } from './directory.tables.ts';

/** The database as the directory sees it: its own tables, typed. */
export type DirDb = Db<DirectoryTables>;

/** What every directory service function needs; passed explicitly, never global. */
export interface DirectoryDeps {
  db: DirDb;
  clock: Clock;
}

/** Who is making the change, and from where (for the audit log). */
export type { Actor };

export const UNIQUE_VIOLATION = '23505';
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: string }).code === UNIQUE_VIOLATION;
