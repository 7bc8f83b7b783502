import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { isAppError } from '#src/core/errors.ts';
import { parseFilter, parseOrderBy, type OrderByItem } from '#src/core/odata/index.ts';
import { applyPage, filterToSql, type Db, type PageOptions } from '#src/store/index.ts';
import { describeEachBackend } from '../../helpers/database.ts';
import { createThingsTable, insertThings, thingFields, type ThingRow } from './things.ts';

const NAMES = ['alpha', 'Alpha', 'ALPHA', 'beta', 'Beta', null, 'gamma', 'delta', '', 'Zeta', '_x', '%y'];

/** Many ties, case variants, NULLs in every sortable column and timestamps that differ only in microseconds. */
function seedRow(i: number): ThingRow {
  const base = Date.UTC(2026, 0, 1) + (i % 50) * 1000;
  return {
    label: `seed-${i}`,
    name: NAMES[i % NAMES.length] === null ? null : `${NAMES[i % NAMES.length]}${i % 4 === 0 ? '' : ` ${i % 7}`}`,
    kind: i % 3 === 0 ? 'Guest' : 'Member',
    enabled: i % 5 === 0 ? null : i % 2 === 0,
    created_at: i % 23 === 0 ? null : `${new Date(base).toISOString().slice(0, 19)}.${String((i % 6) * 7).padStart(6, '0')}Z`,
    score: i % 11 === 0 ? null : (i % 13) * 0.5,
  };
}

type Walk = { ids: string[]; pages: number };

async function walk(db: Db, table: string, options: Omit<PageOptions, 'fields'>, filter?: string, onPage?: () => Promise<void>): Promise<Walk> {
  const ids: string[] = [];
  let skiptoken: string | undefined;
  let pages = 0;
  do {
    let query = db.selectFrom(table).select(['id', 'label']);
    if (filter) query = query.where(filterToSql(parseFilter(filter), thingFields, 'things'));
    const page = await applyPage(query, { ...options, fields: thingFields, resource: 'things', skiptoken, scope: filter });
    ids.push(...page.rows.map((row) => row.id as string));
    for (const row of page.rows) assert.deepEqual(Object.keys(row).sort(), ['id', 'label']);
    skiptoken = page.skiptoken;
    pages++;
    assert.ok(pages < 1000, 'paging does not terminate');
    await onPage?.();
  } while (skiptoken);
  return { ids, pages };
}

// The order each $orderby must produce, written out as SQL independently of the code under test.
const orders: [string, string][] = [
  ['', 'id ASC'],
  ['displayName', 'lower(name) ASC NULLS LAST, id ASC'],
  ['displayName desc, createdDateTime', 'lower(name) DESC NULLS LAST, created_at ASC NULLS LAST, id ASC'],
  ['score desc', 'score DESC NULLS LAST, id ASC'],
  ['createdDateTime desc', 'created_at DESC NULLS LAST, id ASC'],
  ['enabled, kind desc, score', 'enabled ASC NULLS LAST, kind DESC NULLS LAST, score ASC NULLS LAST, id ASC'],
  ['id desc', 'id DESC'],
];

describeEachBackend('OData keyset paging', (ctx) => {
  before(async () => {
    await createThingsTable(ctx.db, 'odata_paging');
    await insertThings(ctx.db, Array.from({ length: 1000 }, (_, i) => seedRow(i)), 'odata_paging');
  });

  const expectedOrder = async (orderSql: string, where = 'true'): Promise<string[]> => {
    const { rows } = await sql<{ id: string }>`SELECT id FROM odata_paging WHERE ${sql.raw(where)} ORDER BY ${sql.raw(orderSql)}`.execute(ctx.db);
    return rows.map((row) => row.id);
  };

  for (const [orderBy, orderSql] of orders) {
    it(`pages through 1,000 rows 37 at a time ordered by '${orderBy || '(default)'}', each row once, in order`, async () => {
      const result = await walk(ctx.db, 'odata_paging', { orderBy: orderBy ? parseOrderBy(orderBy) : undefined, top: 37 });
      assert.equal(result.pages, Math.ceil(1000 / 37));
      assert.deepEqual(result.ids, await expectedOrder(orderSql));
    });
  }

  it('pages a filtered query and binds the token to that filter', async () => {
    const result = await walk(ctx.db, 'odata_paging', { orderBy: parseOrderBy('displayName desc'), top: 37 }, "kind eq 'Guest' and score ne 1");
    assert.deepEqual(result.ids, await expectedOrder('lower(name) DESC NULLS LAST, id ASC', "kind = 'Guest' AND (score IS NULL OR score <> 1)"));
  });

  it('returns no skiptoken when the page is the last, including an exactly full one', async () => {
    const page = await applyPage(ctx.db.selectFrom('odata_paging').select('id'), { fields: thingFields, top: 999 });
    assert.equal(page.rows.length, 999);
    assert.ok(page.skiptoken);
    const rest = await applyPage(ctx.db.selectFrom('odata_paging').select('id'), { fields: thingFields, top: 999, skiptoken: page.skiptoken });
    assert.equal(rest.rows.length, 1);
    assert.equal(rest.skiptoken, undefined);
    const empty = await applyPage(ctx.db.selectFrom('odata_paging').select('id').where(sql<boolean>`false`), { fields: thingFields });
    assert.deepEqual(empty, { rows: [], skiptoken: undefined });
  });

  it('yields no duplicates and no gaps while other rows are inserted concurrently', async () => {
    await createThingsTable(ctx.db, 'odata_paging_live');
    await insertThings(ctx.db, Array.from({ length: 1000 }, (_, i) => seedRow(i)), 'odata_paging_live');
    const initial = new Set((await ctx.db.selectFrom('odata_paging_live').select('id').execute()).map((row) => row.id as string));
    for (const orderBy of ['displayName', 'createdDateTime desc, displayName', '']) {
      let inserted = 0;
      let done = false;
      const writer = (async () => {
        for (let i = 0; !done; i++) {
          // Random sort values, so new rows land both before and after the reader's cursor.
          await insertThings(ctx.db, [0, 1, 2].map((j) => ({ ...seedRow(Math.floor(Math.random() * 1000)), id: randomUUID(), label: `live-${i}-${j}` })), 'odata_paging_live');
          inserted += 3;
          await sleep(1);
        }
      })();
      const result = await walk(ctx.db, 'odata_paging_live', { orderBy: orderBy ? parseOrderBy(orderBy) : undefined, top: 37 }, undefined, () => sleep(3));
      done = true;
      await writer;
      assert.ok(inserted >= 30, `only ${inserted} rows were inserted while paging`);
      assert.equal(new Set(result.ids).size, result.ids.length, 'a row was returned twice');
      const missing = [...initial].filter((id) => !result.ids.includes(id));
      assert.deepEqual(missing, [], 'a row that existed throughout was skipped');
    }
  });

  const rejectsWith = async (options: Partial<PageOptions>, message: RegExp) => {
    await assert.rejects(
      applyPage(ctx.db.selectFrom('odata_paging').select('id'), { fields: thingFields, resource: 'things', ...options }),
      (error) => isAppError(error) && error.status === 400 && message.test(error.message),
    );
  };

  const firstToken = async (orderBy: OrderByItem[] | undefined, scope?: string) => {
    const page = await applyPage(ctx.db.selectFrom('odata_paging').select('id'), { fields: thingFields, top: 5, orderBy, scope });
    return page.skiptoken as string;
  };

  it('refuses a token issued for a different $orderby or $filter', async () => {
    const token = await firstToken(parseOrderBy('displayName'), "kind eq 'Guest'");
    await rejectsWith({ skiptoken: token, orderBy: parseOrderBy('displayName desc'), scope: "kind eq 'Guest'" }, /belongs to a different \$filter or \$orderby/);
    await rejectsWith({ skiptoken: token, orderBy: parseOrderBy('displayName'), scope: "kind eq 'Member'" }, /belongs to a different/);
    await rejectsWith({ skiptoken: token, orderBy: undefined, scope: "kind eq 'Guest'" }, /belongs to a different/);
  });

  it('refuses malformed and forged tokens with a 400, never a database error', async () => {
    const orderBy = parseOrderBy('createdDateTime desc, score, displayName');
    const token = await firstToken(orderBy);
    const body = JSON.parse(Buffer.from(token, 'base64url').toString()) as { v: number; h: string; k: (string | null)[] };
    const forge = (k: unknown[], extra: object = {}) => Buffer.from(JSON.stringify({ ...body, k, ...extra })).toString('base64url');
    const [at, score, name, id] = body.k;
    for (const skiptoken of [
      'abc', '!!!', 'x'.repeat(20_000), Buffer.from('null').toString('base64url'), Buffer.from('[1]').toString('base64url'),
      forge([at, score, name]), forge([at, score, name, id], { v: 2 }), forge(['2026-13-45T00:00:00.000000Z', score, name, id]),
      forge([at, 'abc', name, id]), forge([at, score, 'nul\u0000', id]), forge([at, score, name, 'not-a-uuid']),
      forge([at, score, 7, id]), forge([{ a: 1 }, score, name, id]),
    ]) {
      await rejectsWith({ skiptoken, orderBy }, /Invalid \$skiptoken|belongs to a different/);
    }
    // Every single-character edit is either refused or (when it only changes a value) read as another position.
    for (let i = 0; i < token.length; i += 3) {
      const edited = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      try {
        await applyPage(ctx.db.selectFrom('odata_paging').select('id'), { fields: thingFields, orderBy, skiptoken: edited });
      } catch (error) {
        assert.ok(isAppError(error) && error.status === 400, `edit at ${i} caused ${String(error)}`);
      }
    }
    // A forged but well-typed position is simply a position, like a $filter would be.
    const forged = await applyPage(ctx.db.selectFrom('odata_paging').select('id'), {
      fields: thingFields, orderBy, skiptoken: forge([at, score, name, '00000000-0000-4000-8000-000000000000']),
    });
    assert.ok(forged.rows.length > 0);
  });

  it('refuses $orderby on properties that are unknown or not sortable', async () => {
    await rejectsWith({ orderBy: parseOrderBy('tags') }, /^Property 'tags' cannot be used in \$orderby on things \(sortable: createdDateTime, displayName, enabled, id, kind, score\)$/);
    await rejectsWith({ orderBy: parseOrderBy('nope desc') }, /^Property 'nope' cannot be used in \$orderby on things/);
    await rejectsWith({ orderBy: parseOrderBy('initiatedBy/user/id') }, /^Property 'initiatedBy\/user\/id' cannot be used in \$orderby/);
  });
});
