import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '#src/core/errors.ts';
import { parseOrderBy, parseQueryOptions, parseSelect, parseTop } from '#src/core/odata/index.ts';
import { render } from './render-filter.ts';

function rejects(run: () => unknown, message: RegExp, position?: number): void {
  assert.throws(run, (error) => {
    assert.ok(isAppError(error), `expected an AppError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.match(error.message, message);
    if (position !== undefined) assert.equal(error.details?.position, position);
    return true;
  });
}

describe('parseOrderBy', () => {
  const cases: [string, [string, 'asc' | 'desc'][]][] = [
    ['displayName', [['displayName', 'asc']]],
    ['displayName desc', [['displayName', 'desc']]],
    ['displayName DESC, createdDateTime asc', [['displayName', 'desc'], ['createdDateTime', 'asc']]],
    [' signInActivity/lastSignInDateTime   desc ,id', [['signInActivity/lastSignInDateTime', 'desc'], ['id', 'asc']]],
    // one word is a property name; whether it exists is the resource's business
    ['displayNamedesc', [['displayNamedesc', 'asc']]],
  ];
  for (const [text, expected] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => {
      assert.deepEqual(parseOrderBy(text), expected.map(([property, direction]) => ({ property, direction })));
    });
  }

  const rejected: [string, RegExp, number][] = [
    ['', /expected a property name/, 0],
    ['displayName,', /expected a property name/, 12],
    ['displayName sideways', /expected 'asc' or 'desc' after 'displayName'/, 11],
    ['1abc', /expected a property name/, 0],
    ['a, b, a desc', /'a' is listed twice/, 6],
  ];
  for (const [text, message, position] of rejected) {
    it(`rejects ${JSON.stringify(text)}`, () => rejects(() => parseOrderBy(text), message, position));
  }
});

describe('parseSelect', () => {
  it('returns the names in order without duplicates', () => {
    assert.deepEqual(parseSelect('id, displayName,id'), ['id', 'displayName']);
  });
  it('refuses * with a message saying what to do instead', () => rejects(() => parseSelect('*'), /list the properties you need/));
  it('refuses paths and empty items', () => {
    rejects(() => parseSelect('manager/id'), /'manager\/id' is not a property name/, 0);
    rejects(() => parseSelect('id,,mail'), /expected a property name/, 3);
  });
});

describe('parseTop', () => {
  for (const [text, value] of [['1', 1], ['999', 999], [' 37 ', 37]] as const) {
    it(`accepts ${text}`, () => assert.equal(parseTop(text), value));
  }
  for (const text of ['0', '1000', '-1', '1.5', 'abc', '', '1e2', '00001000']) {
    it(`rejects ${JSON.stringify(text)}`, () => rejects(() => parseTop(text), /^\$top must be an integer between 1 and 999$/));
  }
});

describe('parseQueryOptions', () => {
  it('reads every supported option', () => {
    const query = parseQueryOptions(
      {
        $filter: "userType eq 'Guest'",
        $select: 'id,displayName',
        $top: '5',
        $orderby: 'displayName desc',
        $count: 'true',
        $skiptoken: 'abc',
        $search: '"displayName:ada"',
        $expand: 'manager',
      },
      { consistencyLevel: 'eventual' },
    );
    assert.equal(query.filter && render(query.filter), '(eq userType "Guest")');
    assert.equal(query.filterText, "userType eq 'Guest'");
    assert.deepEqual(query.select, ['id', 'displayName']);
    assert.equal(query.top, 5);
    assert.deepEqual(query.orderBy, [{ property: 'displayName', direction: 'desc' }]);
    assert.equal(query.count, true);
    assert.equal(query.skiptoken, 'abc');
    assert.equal(query.search, '"displayName:ada"');
    assert.equal(query.expand, 'manager');
    assert.equal(query.consistencyEventual, true);
  });

  it('returns empty options for a bare request', () => {
    assert.deepEqual(parseQueryOptions({}, {}), {
      filter: undefined, filterText: undefined, select: undefined, top: undefined, orderBy: undefined, count: false,
      skiptoken: undefined, search: undefined, expand: undefined, consistencyEventual: false,
    });
  });

  it('accepts options without the $ prefix and in any case, as Graph does', () => {
    const query = parseQueryOptions({ filter: 'a eq 1', TOP: '3', $OrderBy: 'a' }, {});
    assert.equal(query.top, 3);
    assert.equal(query.filter && render(query.filter), '(eq a n:1)');
    assert.deepEqual(query.orderBy, [{ property: 'a', direction: 'asc' }]);
  });

  it('ignores parameters without $ that are not OData options (they belong to the route)', () => {
    assert.equal(parseQueryOptions({ tenantHint: 'x' }, {}).top, undefined);
  });

  const rejected: [Record<string, unknown>, { consistencyLevel?: string }, RegExp][] = [
    [{ $foo: '1' }, {}, /Unknown query option '\$foo' \(supported: \$filter, \$select/],
    [{ $skip: '10' }, {}, /\$skip is not supported; follow @odata.nextLink/],
    [{ skip: '10' }, {}, /\$skip is not supported/],
    [{ $count: 'true' }, {}, /\$count=true requires the request header 'ConsistencyLevel: eventual'/],
    [{ $count: 'true' }, { consistencyLevel: 'session' }, /requires the request header/],
    [{ $count: 'yes' }, { consistencyLevel: 'eventual' }, /\$count must be true or false/],
    [{ $filter: 'a eq 1', filter: 'a eq 2' }, {}, /'\$filter' is given more than once/],
    [{ $top: ['1', '2'] }, {}, /'\$top' is given more than once/],
    [{ $filter: 'a eq' }, {}, /Invalid \$filter: expected a value .* at position 4/],
    [{ $top: '0' }, {}, /\$top must be an integer/],
    [{ $skiptoken: '' }, {}, /\$skiptoken is empty/],
  ];
  for (const [query, headers, message] of rejected) {
    it(`rejects ${JSON.stringify(query)} ${JSON.stringify(headers)}`, () => rejects(() => parseQueryOptions(query, headers), message));
  }

  it('accepts $count=false without the header and the header in any case', () => {
    assert.equal(parseQueryOptions({ $count: 'false' }, {}).count, false);
    assert.equal(parseQueryOptions({ $count: 'TRUE' }, { consistencyLevel: ' Eventual ' }).count, true);
  });
});
