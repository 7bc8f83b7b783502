import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { manualClock } from '#src/core/clock.ts';
import {
  appendAudit, chainHashV1, formatCheckpoint, getDirectoryAudit, indexAllAuditEvents, listDirectoryAudits, parseCheckpoint, toDirectoryAudit,
  verifyAuditChain as verifyInDatabase, verifyAuditChainInProcess, type AuditInput, type VerifyOptions,
} from '#src/audit/index.ts';
import { parseQueryOptions } from '#src/core/odata/index.ts';
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
    await sql`TRUNCATE audit_events, audit_index`.execute(ctx.db);
    await sql`UPDATE audit_head SET seq = 0, hash = ${'0'.repeat(64)}`.execute(ctx.db);
    await sql`UPDATE audit_index_watermark SET seq = 0`.execute(ctx.db);
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

  // [name, statements, expected reason, run the indexer first]
  const tamper: [string, string[], RegExp, boolean?][] = [
    ['modification', [`UPDATE audit_events SET data = replace(data, 'g4', 'gX') WHERE seq = 4`], /event 4 was modified/],
    ['modification of an indexed event', [`UPDATE audit_events SET data = replace(data, 'g4', 'gX') WHERE seq = 4`], /event 4 was modified/, true],
    ['a JSON that no longer parses', [`UPDATE audit_events SET data = left(data, 40) WHERE seq = 4`], /event 4 was modified/],
    ['deletion', [`DELETE FROM audit_events WHERE seq = 5`], /event 5 is missing/],
    ['deletion of an indexed event', [`DELETE FROM audit_events WHERE seq = 5`], /event 5 is missing/, true],
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
        `INSERT INTO audit_events (chain, seq, format, data, prev_hash, hash) SELECT chain, 7, format, data, prev_hash, hash FROM audit_events WHERE seq = 6`,
      ],
      /event 7/,
    ],
    ['an edited filter column', [`UPDATE audit_index SET category = 'Other' WHERE seq = 2`], /index entry of event 2/, true],
    ['a moved timestamp', [`UPDATE audit_index SET activity_at = activity_at - interval '1 day' WHERE seq = 3`], /index entry of event 3/, true],
    ['a removed target', [`UPDATE audit_index SET target_ids = '{}' WHERE seq = 5`], /index entry of event 5/, true],
    ['a deleted index entry (an event hidden from filters)', [`DELETE FROM audit_index WHERE seq = 6`], /index entry of event 6/, true],
    ['an index entry above the watermark', [`UPDATE audit_index_watermark SET seq = 0 WHERE seq = 10`], /index entry of event 1\b/, true],
    ['a watermark raised past unindexed events', [`DELETE FROM audit_index WHERE seq > 7`], /index entry of event 8/, true],
  ];
  for (const [name, statements, message, indexed] of tamper) {
    it(`detects ${name} and names the first broken link`, async () => {
      await reset();
      if (indexed) assert.equal(await indexAllAuditEvents(ctx.db), 10);
      for (const statement of statements) await sql.raw(statement).execute(ctx.db);
      const result = await verifyAuditChain(ctx.db);
      assert.equal(result.ok, false);
      assert.match(result.broken?.reason ?? '', message);
    });
  }

  it('indexes the tail behind a watermark, and verifies before and after', async () => {
    await reset();
    assert.equal(await indexAllAuditEvents(ctx.db, 4), 10);
    assert.equal(await indexAllAuditEvents(ctx.db), 0);
    await inTransaction(ctx.db, (trx) => appendAudit(trx, clock, [event(11), event(12)]));
    const result = await verifyAuditChain(ctx.db);
    assert.equal(result.ok, true, JSON.stringify(result.broken));
    assert.equal(result.checked, 12);
    assert.equal(await indexAllAuditEvents(ctx.db), 2);
    assert.equal((await verifyAuditChain(ctx.db)).ok, true);
  });

  it('finds every event through filters whether or not it is indexed yet', async () => {
    await reset();
    const byTarget = async (n: number) => {
      const filter = `targetResources/any(t: t/id eq 22222222-2222-4222-8222-${String(n).padStart(12, '0')})`;
      const page = await listDirectoryAudits(ctx.db, parseQueryOptions({ $filter: filter }, {}));
      return page.value.map((a) => a.targetResources[0]?.displayName);
    };
    const byInitiator = async () =>
      (await listDirectoryAudits(ctx.db, parseQueryOptions({ $filter: `initiatedBy/user/id eq ${actor.id}`, $top: '999' }, {}))).value.length;
    assert.deepEqual(await byTarget(3), ['g3']);
    assert.equal(await byInitiator(), 10);
    await indexAllAuditEvents(ctx.db, 5, 5);
    await inTransaction(ctx.db, (trx) => appendAudit(trx, clock, event(11)));
    assert.deepEqual(await byTarget(3), ['g3']);
    assert.deepEqual(await byTarget(9), ['g9']);
    assert.deepEqual(await byTarget(11), ['g11']);
    assert.equal(await byInitiator(), 11);
    const newest = (await listDirectoryAudits(ctx.db, parseQueryOptions({ $top: '1' }, {}))).value[0];
    assert.ok(newest);
    assert.equal((await getDirectoryAudit(ctx.db, newest.id)).id, newest.id);
    await indexAllAuditEvents(ctx.db);
    assert.deepEqual(await byTarget(11), ['g11']);
    assert.equal(await byInitiator(), 11);
    assert.equal((await getDirectoryAudit(ctx.db, newest.id)).id, newest.id);
  });

  it('keeps events written in format 1 (wide rows) verifiable and indexed', async () => {
    await reset();
    const head = (await sql<{ chain: number; seq: number; hash: string }>`SELECT id AS chain, seq, hash FROM audit_head WHERE seq > 0`.execute(ctx.db)).rows[0];
    assert.ok(head);
    const at = new Date('2026-11-20T10:00:00.000Z');
    const id = '33333333-3333-4333-8333-333333333333';
    const data = JSON.stringify(toDirectoryAudit(event(99), id, at));
    const columns = {
      chain: head.chain, seq: head.seq + 1, id, activity_at: at, code: 'GH1204I', category: 'GroupManagement', activity_display_name: 'Add member to group',
      result: 'success', initiated_by_id: actor.id, target_ids: ['22222222-2222-4222-8222-000000000099'], correlation_id: null,
    };
    const hash = chainHashV1(head.hash, columns, data);
    await sql`INSERT INTO audit_events (chain, seq, format, id, activity_at, code, category, activity_display_name, result, initiated_by_id, target_ids, correlation_id, data, prev_hash, hash)
      VALUES (${columns.chain}, ${columns.seq}, 1, ${id}, ${at}, ${columns.code}, ${columns.category}, ${columns.activity_display_name}, ${columns.result},
              ${actor.id}, ${columns.target_ids}, NULL, ${data}, ${head.hash}, ${hash})`.execute(ctx.db);
    await sql`UPDATE audit_head SET seq = ${columns.seq}, hash = ${hash} WHERE id = ${head.chain}`.execute(ctx.db);
    await inTransaction(ctx.db, (trx) => appendAudit(trx, clock, event(12)));
    assert.equal((await verifyAuditChain(ctx.db)).ok, true);
    await indexAllAuditEvents(ctx.db);
    assert.equal((await verifyAuditChain(ctx.db)).ok, true);
    assert.equal((await getDirectoryAudit(ctx.db, id)).id, id);
    await sql`UPDATE audit_events SET category = 'Other' WHERE id = ${id}`.execute(ctx.db);
    assert.match((await verifyAuditChain(ctx.db)).broken?.reason ?? '', new RegExp(`event ${columns.seq} was modified`));
  });

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
