import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { createEventBus, inTransaction, runIfLeader } from '#src/store/index.ts';
import { describeEachBackend } from '../helpers/database.ts';

describeEachBackend('store', (ctx) => {
  it('runs the migrations into an empty database', async () => {
    const { rows } = await sql<{ name: string }>`SELECT name FROM schema_migrations ORDER BY name`.execute(ctx.db);
    assert.ok(rows.length >= 1);
    const tables = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('users','groups','audit_events')`.execute(ctx.db);
    assert.equal(tables.rows[0]?.n, 3);
  });

  it('returns counts as numbers, not strings', async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM users`.execute(ctx.db);
    assert.equal(rows[0]?.n, 0);
  });

  it('commits a transaction as a whole and rolls back on error', async () => {
    await assert.rejects(
      inTransaction(ctx.db, async (trx) => {
        await sql`INSERT INTO tenant (id, display_name, initial_domain) VALUES (gen_random_uuid(), 'a', 'a.test')`.execute(trx);
        throw new Error('boom');
      }),
      /boom/,
    );
    const before = await sql<{ n: number }>`SELECT count(*) AS n FROM tenant`.execute(ctx.db);
    assert.equal(before.rows[0]?.n, 0);
    await inTransaction(ctx.db, async (trx) => {
      await sql`INSERT INTO tenant (id, display_name, initial_domain) VALUES (gen_random_uuid(), 'a', 'a.test')`.execute(trx);
    });
    const after = await sql<{ n: number }>`SELECT count(*) AS n FROM tenant`.execute(ctx.db);
    assert.equal(after.rows[0]?.n, 1);
  });

  it('delivers events published in a transaction only after it commits', async () => {
    const busA = createEventBus({ connection: ctx.connection });
    const busB = createEventBus({ connection: ctx.connection });
    try {
      await Promise.all([busA.ready(), busB.ready()]);
      const received: unknown[] = [];
      busB.subscribe('session.revoked', (payload) => received.push(payload));
      await assert.rejects(
        inTransaction(ctx.db, async (trx) => {
          await busA.publish(trx, 'session.revoked', { id: 'rolled-back' });
          throw new Error('abort');
        }),
      );
      await inTransaction(ctx.db, async (trx) => {
        await busA.publish(trx, 'session.revoked', { id: 'committed' });
      });
      const deadline = Date.now() + 5000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(received, [{ id: 'committed' }]);
    } finally {
      await busA.close();
      await busB.close();
    }
  });

  it('refuses an event too large for NOTIFY', async () => {
    const bus = createEventBus({ connection: ctx.connection });
    try {
      await assert.rejects(bus.publish(ctx.db, 'x', { blob: 'x'.repeat(9000) }), /too large/);
    } finally {
      await bus.close();
    }
  });

  it('lets only one node run a scheduled job at a time', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = runIfLeader(ctx.db, 'sweep', async () => {
      await held;
      return 'first';
    });
    await new Promise((r) => setTimeout(r, 100));
    const second = await runIfLeader(ctx.db, 'sweep', async () => 'second');
    assert.deepEqual(second, { ran: false });
    release();
    assert.deepEqual(await first, { ran: true, result: 'first' });
    const third = await runIfLeader(ctx.db, 'sweep', async () => 'third');
    assert.deepEqual(third, { ran: true, result: 'third' });
  });
});
