import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { isAppError } from '#src/core/errors.ts';
import { parseFilter } from '#src/core/odata/index.ts';
import { countRows, filterToSql, validateSelect } from '#src/store/index.ts';
import { describeEachBackend } from '../../helpers/database.ts';
import { createThingsTable, insertThings, thingFields } from './things.ts';

const A = '0a000000-0000-4000-8000-000000000001';
const G = '0a000000-0000-4000-8000-000000000002';
const G1 = '1b000000-0000-4000-8000-000000000001';
const G2 = '1b000000-0000-4000-8000-000000000002';
const G3 = '1b000000-0000-4000-8000-000000000003';
const T1 = '2c000000-0000-4000-8000-00000000000a';

const ALL = ['ada', 'backslash', 'grace', 'nulls', 'percent', 'quote', 'thousand', 'underscore', 'underx', 'upper'];
const except = (...labels: string[]) => ALL.filter((label) => !labels.includes(label));

const accepted: [string, string[]][] = [
  // strings compare case-insensitively; ne and not include NULLs (OData's two-valued logic)
  ["displayName eq 'ada lovelace'", ['ada', 'upper']],
  ["displayName eq 'ADA LOVELACE'", ['ada', 'upper']],
  ["displayName ne 'ada lovelace'", except('ada', 'upper')],
  ["not (displayName eq 'Ada Lovelace')", except('ada', 'upper')],
  ["not (not (displayName eq 'Ada Lovelace'))", ['ada', 'upper']],
  ['displayName eq null', ['nulls']],
  ['displayName ne null', except('nulls')],
  ['not (displayName eq null)', except('nulls')],
  ["displayName gt 'h'", ['quote', 'underscore', 'underx']],
  ["not (displayName gt 'h')", except('quote', 'underscore', 'underx')],
  // LIKE: %, _ and \ in the value match literally
  ["startsWith(displayName,'ada')", ['ada', 'upper']],
  ["startswith(displayName,'100%')", ['percent']],
  ["startsWith(displayName,'under_')", ['underscore']],
  ["contains(displayName,'\\')", ['backslash']],
  ["contains(displayName,'''')", ['quote']],
  ["endsWith(displayName,'PURE')", ['percent', 'thousand']],
  ["not startsWith(displayName,'ada')", except('ada', 'upper')],
  // enums match case-insensitively
  ["kind eq 'guest'", ['grace', 'nulls']],
  ["kind ne 'Guest'", except('grace', 'nulls')],
  ["kind in ('GUEST','member')", ALL],
  // booleans
  ['enabled eq true', ['ada', 'percent']],
  ['enabled ne true', except('ada', 'percent')],
  ['enabled eq false', ['grace', 'underscore']],
  // datetimes keep microseconds and honour offsets
  ['createdDateTime ge 2026-01-01T00:00:00Z', ['ada', 'grace', 'underscore']],
  ['createdDateTime gt 2026-01-01T00:00:00Z', ['grace', 'underscore']],
  ['createdDateTime lt 2026-01-01T01:00:00+01:00', ['percent']],
  ['not (createdDateTime lt 2026-01-01T00:00:00Z)', except('percent')],
  // numbers and in, with and without null
  ['score gt 0', ['ada', 'grace']],
  ['score le 0', ['percent', 'underscore']],
  ['not (score gt 0)', except('ada', 'grace')],
  ['score eq 2.50', ['grace']],
  ['score in (10, -1)', ['ada', 'percent']],
  ['score in (null, 10)', ['ada', 'backslash', 'nulls', 'quote', 'thousand', 'underx', 'upper']],
  ['not (score in (null, 10))', ['grace', 'percent', 'underscore']],
  ['not (score in (10))', except('ada')],
  // ids, bare or quoted, any case
  [`id eq ${A}`, ['ada']],
  [`id eq '${A.toUpperCase()}'`, ['ada']],
  [`id in (${A}, '${G}')`, ['ada', 'grace']],
  [`initiatedBy/user/id eq ${G1}`, ['ada']],
  [`initiatedBy/app/id eq ${G1}`, ['ada']],
  // string collections
  ["tags/any(t: t eq 'unified')", ['ada', 'grace']],
  ["tags/any(t: startsWith(t,'A'))", ['ada', 'percent']],
  ["tags/all(t: t eq 'unified')", except('ada', 'percent')],
  ['tags/any()', ['ada', 'grace', 'percent']],
  ['not tags/any()', except('ada', 'grace', 'percent')],
  ['tags/any(t: t eq null)', ['percent']],
  ['tags/all(t: t ne null)', except('percent')],
  ["tags/any(t: t eq 'unified' and startsWith(displayName, 'grace'))", ['grace']],
  // object collections (jsonb)
  ["identities/any(i: i/issuer eq 'CONTOSO.COM')", ['ada', 'percent']],
  ["identities/any(i: i/issuer eq 'contoso.com' and i/signInType eq 'emailAddress')", ['ada']],
  ['identities/all(i: i/issuer ne null)', except('percent')],
  ['identities/any(i: i/verified eq true)', ['ada']],
  ['not identities/any(i: i/verified eq true)', except('ada')],
  [`identities/any(i: i/tenantId eq ${T1})`, ['ada']],
  ["identities/any(i: startsWith(i/issuerAssignedId, 'ADA@'))", ['ada']],
  // the custom escape hatch: fast path, generic lambda, negation
  [`targetResources/any(t: t/id eq ${G2})`, ['grace']],
  [`targetResources/any(t: t/id in (${G1}, ${G3}))`, ['ada', 'grace']],
  [`not targetResources/any(t: t/id eq ${G2})`, except('grace')],
  [`targetResources/all(t: t/id eq ${G1})`, except('grace')],
  // composition
  ["(kind eq 'Guest' or enabled eq true) and not startsWith(displayName,'g')", ['ada', 'nulls', 'percent']],
];

const rejected: [string, RegExp, number][] = [
  ['foo eq 1', /^Property 'foo' is not filterable on things \(filterable: .*displayName/, 0],
  ["contains(kind,'x')", /^Operator 'contains' is not supported for property 'kind' on things \(supported: eq, ne, in\)$/, 9],
  ["startsWith(id,'0a')", /^Operator 'startsWith' is not supported for property 'id'/, 11],
  ["kind eq 'robot'", /^'robot' is not a valid value of property 'kind' on things \(expected one of: Member, Guest\)$/, 8],
  ["id eq 'not-a-guid'", /^'not-a-guid' is not a valid id for property 'id' on things$/, 6],
  ['id eq 12', /^Property 'id' on things is an id; write it like/, 6],
  ['displayName gt null', /^Property 'displayName' on things can be compared with null only using eq or ne$/, 15],
  ["enabled eq 'true'", /^Property 'enabled' on things is a boolean; compare it with true or false$/, 11],
  ["createdDateTime ge '2026-01-01T00:00:00Z'", /is a datetime; write it without quotes/, 19],
  ['displayName eq 1', /^Property 'displayName' on things is a string; put the value in single quotes$/, 15],
  ["score eq '1'", /^Property 'score' on things is a number/, 9],
  ["tags eq 'x'", /^Property 'tags' on things is a collection; filter it with a lambda, e\.g\. tags\/any\(x: \.\.\.\)$/, 0],
  ["displayName/any(x: x eq 'a')", /^Property 'displayName' on things is not a collection; any applies to collections$/, 0],
  ['tags/any(t: t/x eq 1)', /^Lambda variable 't' stands for a single value of 'tags'; it has no property 'x'$/, 12],
  ["identities/any(i: i eq 'x')", /^Lambda variable 'i' stands for an object of 'identities'; use one of its properties/, 18],
  ["identities/any(i: i/nope eq 'x')", /^Property 'nope' of 'identities' is not filterable on things \(filterable: signInType, issuer/, 18],
  ["tags/any(t: contains(t,'x'))", /^Operator 'contains' is not supported for property 'tags item'/, 21],
  ['initiatedBy/foo eq 1', /^This filter on property 'initiatedBy\/foo' is not supported on things: only initiatedBy\/user\/id/, 0],
];

describeEachBackend('OData $filter to SQL', (ctx) => {
  before(async () => {
    await createThingsTable(ctx.db);
    await insertThings(ctx.db, [
      {
        id: A, label: 'ada', name: 'Ada Lovelace', kind: 'Member', enabled: true, created_at: '2026-01-01T00:00:00Z', score: 10,
        owner_id: G1, tags: ['Unified', 'Admins'], target_ids: [G1],
        identities: [{ signInType: 'emailAddress', issuer: 'contoso.com', issuerAssignedId: 'ada@contoso.com', verified: true, tenantId: T1 }],
      },
      {
        id: G, label: 'grace', name: 'Grace Hopper', kind: 'Guest', enabled: false, created_at: '2026-02-01T12:00:00.5Z', score: 2.5,
        tags: ['unified'], identities: [{ signInType: 'federated', issuer: 'Fabrikam.com', verified: false, tenantId: 'not-a-uuid' }],
        target_ids: [G2, G3],
      },
      { label: 'nulls', name: null, kind: 'Guest' },
      {
        label: 'percent', name: '100% pure', enabled: true, created_at: '2025-12-31T23:59:59.999999Z', score: -1, tags: ['a_b', null],
        identities: [{ issuer: null }, { signInType: 'userPrincipalName', issuer: 'contoso.com' }],
      },
      { label: 'underscore', name: 'under_score', enabled: false, created_at: '2026-01-01T00:00:00.000001Z', score: 0 },
      { label: 'backslash', name: 'back\\slash' },
      { label: 'quote', name: "O'Brien" },
      { label: 'upper', name: 'ADA LOVELACE' },
      { label: 'thousand', name: '1000 pure' },
      { label: 'underx', name: 'underXscore' },
    ]);
  });

  const labels = async (filter: string): Promise<string[]> => {
    const rows = await ctx.db
      .selectFrom('odata_things')
      .select('label')
      .where(filterToSql(parseFilter(filter), thingFields, 'things'))
      .orderBy('label')
      .execute();
    return rows.map((row) => row.label as string);
  };

  for (const [filter, expected] of accepted) {
    it(`${filter} → ${expected.length === ALL.length ? 'all' : expected.join(', ') || 'none'}`, async () => {
      assert.deepEqual(await labels(filter), [...expected].sort());
    });
  }

  for (const [filter, message, position] of rejected) {
    it(`rejects ${filter}`, () => {
      assert.throws(
        () => filterToSql(parseFilter(filter), thingFields, 'things'),
        (error) => isAppError(error) && error.status === 400 && message.test(error.message) && error.details?.position === position,
      );
    });
  }

  it('treats injection attempts as plain values', async () => {
    for (const filter of [
      "displayName eq '''; DROP TABLE odata_things; --'",
      "startsWith(displayName, ''' OR 1=1 --')",
      "tags/any(t: t eq ''')); DELETE FROM odata_things; --')",
      "identities/any(i: i/issuer in ('x'') OR true --'))",
    ]) {
      assert.deepEqual(await labels(filter), []);
      const compiled = ctx.db.selectFrom('odata_things').selectAll().where(filterToSql(parseFilter(filter), thingFields, 'things')).compile();
      assert.doesNotMatch(compiled.sql, /DROP|DELETE|OR 1=1|OR true/);
    }
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM odata_things`.execute(ctx.db);
    assert.equal(rows[0]?.n, ALL.length);
  });

  it('binds every value as a parameter', () => {
    const filter = `displayName eq 'v1' and score gt 7 and id eq ${A} and createdDateTime lt 2026-01-01T00:00:00Z and tags/any(t: t eq 'v2')`;
    const compiled = ctx.db.selectFrom('odata_things').selectAll().where(filterToSql(parseFilter(filter), thingFields, 'things')).compile();
    assert.deepEqual([...compiled.parameters].sort(), ['2026-01-01T00:00:00Z', 7, A, 'v1', 'v2'].sort());
    assert.doesNotMatch(compiled.sql, /v1|v2|2026|0a000000/);
  });

  it('counts with the same filter', async () => {
    const query = ctx.db.selectFrom('odata_things').selectAll().where(filterToSql(parseFilter("kind eq 'Guest' or score gt 0"), thingFields, 'things'));
    assert.equal(await countRows(ctx.db, query.orderBy('label')), 3);
  });
});

it('validateSelect accepts known names and names the unknown ones', () => {
  assert.equal(validateSelect(undefined, ['id']), undefined);
  assert.deepEqual(validateSelect(['id', 'displayName'], ['id', 'displayName', 'mail'], 'users'), ['id', 'displayName']);
  assert.throws(
    () => validateSelect(['id', 'foo', 'DisplayName'], ['id', 'displayName'], 'users'),
    /^AppError: Properties 'foo', 'DisplayName' cannot be selected on users \(selectable: displayName, id\)$/,
  );
});
