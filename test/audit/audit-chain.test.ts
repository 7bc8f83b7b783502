import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { manualClock } from '#src/core/clock.ts';
import { appendAudit, formatCheckpoint, parseCheckpoint, verifyAuditChain as verifyInDatabase, verifyAuditChainInProcess, type AuditInput, type VerifyOptions } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import { describeEachBackend } from '../helpers/database.ts';

const clock = manualClock();
const actor = { kind: 'user', id: '11111111-1111-4111-8111-111111111111', displayName: 'Ada' } as const;
const event = (n: number): AuditInput => ({
  event: 'group.memberAdded',
  actor,
  targets: [{ id: `22222222-2222-4222-8222-${String(n).padStart(12, '0')}`, type: 'Group', displayName: `g${n}` }],
});

/** Both verifiers must reach the same verdict; the test returns the in-database one. */
async function verifyAuditChain(db: Parameters<typeof verifyInDatabase>[0], options: VerifyOptions = {}) {
  const [inDb, inProcess] = await Promise.all([verifyInDatabase(db, options), verifyAuditChainInProcess(db, options)]);
  assert.deepEqual(inDb, inProcess, 'in-database and in-process verification disagree');
  return inDb;
}

describeEachBackend('audit hash chain', (ctx) => {
  const reset = async () => {
    await sql`TRUNCATE audit_events`.execute(ctx.db);
    await sql`UPDATE audit_head SET seq = 0, hash = ${'0'.repeat(64)}`.execute(ctx.db);
    await inTransaction(ctx.db, (trx) => appendAudit(trx, clock, Array.from({ length: 10 }, (_, i) => event(i + 1))));
  };

  it('verifies an intact chain and reports its head', async () => {
    await reset();
    const result = await verifyAuditChain(ctx.db);
    assert.equal(result.ok, true);
    assert.equal(result.checked, 10);
    assert.equal(result.heads.find((h) => h.seq > 0)?.seq, 10);
    assert.equal(result.heads.length, 16);
  });

  it('round-trips a checkpoint of the chain heads', async () => {
    await reset();
    const heads = (await verifyAuditChain(ctx.db)).heads;
    const parsed = parseCheckpoint(formatCheckpoint(heads));
    assert.deepEqual(parsed, heads.filter((h) => h.seq > 0));
    assert.equal(parseCheckpoint('1:2:nothex'), undefined);
  });

  it('keeps one order per chain when many transactions append concurrently', async () => {
    await reset();
    await Promise.all(Array.from({ length: 20 }, (_, i) => inTransaction(ctx.db, (trx) => appendAudit(trx, clock, [event(100 + i), event(200 + i)]))));
    const result = await verifyAuditChain(ctx.db);
    assert.equal(result.ok, true, JSON.stringify(result.broken));
    assert.equal(result.checked, 50);
  });

  it('loses nothing from a rolled-back transaction and leaves no hole', async () => {
    await reset();
    await assert.rejects(
      inTransaction(ctx.db, async (trx) => {
        await appendAudit(trx, clock, event(99));
        throw new Error('change failed');
      }),
    );
    const result = await verifyAuditChain(ctx.db);
    assert.equal(result.ok, true);
    assert.equal(result.checked, 10);
  });

  const tamper: [string, string[], RegExp][] = [
    ['modification', [`UPDATE audit_events SET data = replace(data, 'g4', 'gX') WHERE seq = 4`], /event 4 was modified/],
    ['deletion', [`DELETE FROM audit_events WHERE seq = 5`], /event 5 is missing/],
    ['deletion of the tail', [`DELETE FROM audit_events WHERE seq = 10`], /head .* does not match/],
    [
      'reordering',
      [
        `UPDATE audit_events SET seq = 1003 WHERE seq = 3`,
        `UPDATE audit_events SET seq = 3 WHERE seq = 6`,
        `UPDATE audit_events SET seq = 6 WHERE seq = 1003`,
      ],
      /event 3/,
    ],
    [
      'insertion',
      [
        `UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 7`,
        `UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1000`,
        `INSERT INTO audit_events SELECT 7, gen_random_uuid(), activity_at, code, category, activity_display_name, result, initiated_by_id, target_ids, correlation_id, data, prev_hash, hash, chain FROM audit_events WHERE seq = 6`,
      ],
      /event 7/,
    ],
    ['an edited filter column', [`UPDATE audit_events SET category = 'Other' WHERE seq = 2`], /event 2 was modified/],
    ['a moved timestamp', [`UPDATE audit_events SET activity_at = activity_at - interval '1 day' WHERE seq = 3`], /event 3 was modified/],
    ['a removed target', [`UPDATE audit_events SET target_ids = '{}' WHERE seq = 5`], /event 5 was modified/],
  ];
  for (const [name, statements, message] of tamper) {
    it(`detects ${name} and names the first broken link`, async () => {
      await reset();
      for (const statement of statements) await sql.raw(statement).execute(ctx.db);
      const result = await verifyAuditChain(ctx.db);
      assert.equal(result.ok, false);
      assert.match(result.broken?.reason ?? '', message);
    });
  }

  it('detects a truncated log against a recorded head', async () => {
    await reset();
    const recorded = (await verifyAuditChain(ctx.db)).heads;
    await sql`DELETE FROM audit_events WHERE seq > 8`.execute(ctx.db);
    await sql`UPDATE audit_head SET seq = 8, hash = (SELECT hash FROM audit_events WHERE seq = 8) WHERE id = (SELECT chain FROM audit_events LIMIT 1)`.execute(ctx.db);
    assert.equal((await verifyAuditChain(ctx.db)).ok, true);
    const result = await verifyAuditChain(ctx.db, { expectedHeads: recorded });
    assert.equal(result.ok, false);
    assert.match(result.broken?.reason ?? '', /truncated/);
  });
});
