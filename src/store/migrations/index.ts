import type { Migration } from 'kysely';
import * as foundation from './20261121T2330_foundation.ts';

/** Every migration, in order. Append only; a landed migration is never edited. */
export const migrations: Record<string, Migration> = {
  '20261121T2330_foundation': foundation,
};
