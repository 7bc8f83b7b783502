import { sql } from 'kysely';
import type { Db } from '#src/store/index.ts';
import type { CaDb, ConditionalAccessVersionTable } from './conditional-access.tables.ts';

type Kind = ConditionalAccessVersionTable['name'];

/** How long a cached set is used without asking the database whether it changed (changes on other nodes). */
export const RECHECK_MS = 500;

/**
 * Serialise Conditional Access changes: lock both version rows (always in the same order), so a policy that
 * names a location and the deletion of that location, or two policy changes racing past the admin lockout check,
 * happen one after the other.
 */
export async function lockConditionalAccess(trx: Db): Promise<void> {
  await sql`SELECT name FROM conditional_access_versions ORDER BY name FOR UPDATE`.execute(trx);
}

/** Count a change in the same transaction, so every node's cache sees it at its next check. */
export async function bumpVersion(trx: Db, kind: Kind): Promise<void> {
  await (trx as CaDb).updateTable('conditional_access_versions').set({ version: sql`version + 1` as never }).where('name', '=', kind).execute();
}

interface Entry<T> {
  version: string;
  checkedAt: number;
  value: T;
}

/**
 * A loader that keeps what it loaded until the version counter moves. A sign-in then costs at most one tiny query
 * (the counter, at most every RECHECK_MS) instead of reading and parsing every row; a change made on another node
 * is seen within RECHECK_MS, one made through this node at once (`forget`). The cache is per database handle, so
 * nodes in one process (tests) and transactions never share it.
 */
export interface VersionedLoader<T> {
  load(db: Db): Promise<T>;
  /** Drop what was cached for this handle (after a change committed through it). */
  forget(db: Db): void;
}

export function versionedLoader<T>(kind: Kind, read: (db: Db) => Promise<T>): VersionedLoader<T> {
  const cache = new WeakMap<Db, Entry<T>>();
  return {
    async load(db) {
      const entry = cache.get(db);
      const now = performance.now();
      if (entry && now - entry.checkedAt < RECHECK_MS) return entry.value;
      const row = await (db as CaDb).selectFrom('conditional_access_versions').select('version').where('name', '=', kind).executeTakeFirst();
      const version = String(row?.version ?? '0');
      if (entry && entry.version === version) {
        entry.checkedAt = now;
        return entry.value;
      }
      // Read after the counter: a change landing in between makes the next check reload, never hides a change.
      const value = await read(db);
      cache.set(db, { version, checkedAt: now, value });
      return value;
    },
    forget(db) {
      cache.delete(db);
    },
  };
}

/**
 * A JSON value with object keys sorted, recursively. PostgreSQL's jsonb does not keep key order, so a stored body
 * and a freshly validated one are compared (for modifiedProperties) in this form.
 */
export function canonicalJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(canonicalJson) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = canonicalJson((value as Record<string, unknown>)[key]);
  return out as T;
}
