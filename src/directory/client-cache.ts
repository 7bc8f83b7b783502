import type { Db } from '#src/store/index.ts';

/**
 * Client records (what the token endpoint reads for every client-credentials request) kept per database handle for
 * up to CLIENT_CACHE_MS. Every write that changes what a client may do — its secrets, redirect URIs, service
 * principal, granted permissions — forgets the whole cache on this node once it has finished (after its
 * transaction), so the very next token request on this node sees the change; other nodes see it within
 * CLIENT_CACHE_MS. Only found clients are kept (a new application is never hidden by an earlier miss).
 */
export const CLIENT_CACHE_MS = 1000;
const MAX_ENTRIES = 1000;

let generation = 0;
const caches = new WeakMap<Db, Map<string, { at: number; generation: number; record: Promise<unknown> }>>();

/** Read through the cache. `load` runs when there is no fresh entry of the current generation. */
export function cachedClient<T>(db: Db, appId: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const now = Date.now();
  const hit = cache.get(appId);
  if (hit && hit.generation === generation && now - hit.at < CLIENT_CACHE_MS) return hit.record as Promise<T | undefined>;
  const record = load();
  if (cache.size >= MAX_ENTRIES) cache.clear();
  const entry = { at: now, generation, record: record as Promise<unknown> };
  cache.set(appId, entry);
  // Misses and failures are not kept.
  record.then(
    (value) => value === undefined && cache.get(appId) === entry && cache.delete(appId),
    () => cache.get(appId) === entry && cache.delete(appId),
  );
  return record;
}

/** Wrap a write so that cached client records are forgotten when it finishes (also when it fails). */
export function forgettingClients<A extends unknown[], R>(write: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    generation++;
    try {
      return await write(...args);
    } finally {
      // Again after commit: a read racing the transaction may have cached what it replaced.
      generation++;
    }
  };
}
