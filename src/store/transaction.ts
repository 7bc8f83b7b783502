import type { Db } from './database.ts';

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected

/**
 * Run `work` in one transaction; the use case that calls this owns the transaction and writes its audit event
 * inside it. Serialization failures and deadlocks are retried a few times, so `work` must have no effects
 * outside the database.
 */
export async function inTransaction<T, Tables>(db: Db<Tables>, work: (trx: Db<Tables>) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= attempts || code === undefined || !RETRYABLE.has(code)) throw error;
    }
  }
}
