import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '#src/core/errors.ts';
import { parseFilter } from '#src/core/odata/index.ts';
import { render } from './render-filter.ts';

const GUID = '2b1f3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d';

function parseError(text: string): { message: string; position: unknown } {
  try {
    parseFilter(text);
  } catch (error) {
    assert.ok(isAppError(error), `expected an AppError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'BAD_REQUEST');
    return { message: error.message, position: error.details?.position };
  }
  assert.fail(`expected '${text}' to be rejected`);
}

describe('parseFilter', () => {
  const accepted: [string, string][] = [
    // every comparison operator
    ["displayName eq 'Ada'", '(eq displayName "Ada")'],
    ["displayName ne 'Ada'", '(ne displayName "Ada")'],
    ['age gt 1', '(gt age n:1)'],
    ['age ge 1', '(ge age n:1)'],
    ['age lt 1', '(lt age n:1)'],
    ['age le 1', '(le age n:1)'],
    // keywords and functions are case-insensitive; property names keep their case
    ["DisplayName EQ 'x' AND Other Ne 'y'", '(and (eq DisplayName "x") (ne Other "y"))'],
    ["startswith(displayName,'a')", '(startsWith displayName "a")'],
    ["STARTSWITH(displayName, 'a')", '(startsWith displayName "a")'],
    ["endsWith(mail,'@vendor.com')", '(endsWith mail "@vendor.com")'],
    ["contains(displayName,'ad')", '(contains displayName "ad")'],
    // precedence: not > and > or, parentheses override
    ["a eq 1 or b eq 2 and c eq 3", '(or (eq a n:1) (and (eq b n:2) (eq c n:3)))'],
    ["a eq 1 and b eq 2 or c eq 3", '(or (and (eq a n:1) (eq b n:2)) (eq c n:3))'],
    ["(a eq 1 or b eq 2) and c eq 3", '(and (or (eq a n:1) (eq b n:2)) (eq c n:3))'],
    ["not a eq 1 and b eq 2", '(and (not (eq a n:1)) (eq b n:2))'],
    ["not (a eq 1 and b eq 2)", '(not (and (eq a n:1) (eq b n:2)))'],
    ["not not a eq 1", '(not (not (eq a n:1)))'],
    ["not(startsWith(a,'x'))", '(not (startsWith a "x"))'],
    ["a eq 1 and b eq 2 and c eq 3", '(and (eq a n:1) (eq b n:2) (eq c n:3))'],
    ["((a eq 1))", '(eq a n:1)'],
    // in
    ["userType in ('Guest','Member')", '(in userType ["Guest" "Member"])'],
    ["n in (1, 2.5, null)", '(in n [n:1 n:2.5 null])'],
    // lambdas over string and object collections, nested paths and functions on variables
    ["groupTypes/any(c:c eq 'Unified')", '(any groupTypes c: (eq $c "Unified"))'],
    ["groupTypes/ALL(c: c ne 'Unified')", '(all groupTypes c: (ne $c "Unified"))'],
    ["identities/any(x: x/issuer eq 'contoso.com')", '(any identities x: (eq $x/issuer "contoso.com"))'],
    [`targetResources/any(t: t/id eq '${GUID}')`, `(any targetResources t: (eq $t/id "${GUID}"))`],
    ["otherMails/any(m: startsWith(m,'a'))", '(any otherMails m: (startsWith $m "a"))'],
    ["identities/any(x: startsWith(x/issuer,'a') or x/signInType in ('email'))",
      '(any identities x: (or (startsWith $x/issuer "a") (in $x/signInType ["email"])))'],
    ['assignedLicenses/any()', '(any assignedLicenses)'],
    ["a/b/any(x: x/c/any(y: y eq 1))", '(any a/b x: (any $x/c y: (eq $y n:1)))'],
    // a path segment that merely starts like a keyword is still a property
    ["anyway/all eq 1", '(eq anyway/all n:1)'],
    // property paths
    ['initiatedBy/user/id eq null', '(eq initiatedBy/user/id null)'],
    ['signInActivity/lastSignInDateTime le 2026-01-01T00:00:00Z', '(le signInActivity/lastSignInDateTime dt:2026-01-01T00:00:00Z)'],
    // literals
    ["a eq 'it''s'", `(eq a "it's")`],
    ["a eq ''", '(eq a "")'],
    ["a eq ''''", `(eq a "'")`],
    ["a eq 'and or not ( )'", '(eq a "and or not ( )")'],
    ['a eq true', '(eq a true)'],
    ['a eq FALSE', '(eq a false)'],
    ['a eq Null', '(eq a null)'],
    ['a eq -12', '(eq a n:-12)'],
    ['a eq 3.25', '(eq a n:3.25)'],
    ['a eq 1e3', '(eq a n:1000)'],
    [`id eq ${GUID}`, `(eq id guid:${GUID})`],
    [`id eq ${GUID.toUpperCase()}`, `(eq id guid:${GUID})`],
    ['id eq 12345678-aaaa-bbbb-cccc-1234567890ab', '(eq id guid:12345678-aaaa-bbbb-cccc-1234567890ab)'],
    ['t gt 2026-01-01T00:00:00Z', '(gt t dt:2026-01-01T00:00:00Z)'],
    ['t gt 2026-01-01T00:00:00.1234567Z', '(gt t dt:2026-01-01T00:00:00.1234567Z)'],
    ['t gt 2026-01-01T10:00+05:30', '(gt t dt:2026-01-01T10:00+05:30)'],
    ['t gt 2024-02-29T23:59:59-08:00', '(gt t dt:2024-02-29T23:59:59-08:00)'],
    // whitespace of every kind
    ["\ta\neq\r\n'x' ", '(eq a "x")'],
  ];
  for (const [text, expected] of accepted) {
    it(`parses ${JSON.stringify(text)}`, () => assert.equal(render(parseFilter(text)), expected));
  }

  it('records where each operand and literal starts', () => {
    assert.deepEqual(parseFilter("userType eq 'Guest'"), {
      type: 'compare',
      op: 'eq',
      left: { type: 'property', path: 'userType', position: 0 },
      right: { type: 'string', value: 'Guest', position: 12 },
    });
  });

  const rejected: [string, RegExp, number][] = [
    ['', /expected a condition/, 0],
    ['   ', /expected a condition/, 3],
    ["(a eq 'x'", /expected '\)'/, 9],
    ["a eq 'x')", /unmatched '\)'/, 8],
    ["a eq 'x' b eq 'y'", /expected 'and', 'or' or the end/, 9],
    ['a eq', /expected a value/, 4],
    ['a eq b', /expected a value/, 5],
    ["a 'x'", /expected a comparison operator .* after 'a'/, 2],
    ['a', /expected a comparison operator/, 1],
    ["a like 'x'", /expected a comparison operator/, 2],
    ["'x' eq a", /expected a property name, a function/, 0],
    ["a eq 'x' and", /expected a condition/, 12],
    ["a eq 'unterminated", /unterminated string/, 5],
    ["a eq 'it's'", /unterminated string/, 10],
    ["a in ()", /expected a value/, 6],
    ["a in ('x',)", /expected a value/, 10],
    ["a in 'x'", /expected '\('/, 5],
    ["foo(a,'b')", /unknown function 'foo'/, 0],
    ["startsWith(a, 1)", /expected a quoted string as the second argument of startsWith/, 14],
    ["startsWith(a 'x')", /expected ','/, 13],
    ["startsWith(a/any(x: x eq 1), 'x')", /takes a property, not a lambda/, 13],
    ['a/any(x x eq 1)', /expected ':'/, 8],
    ['a/any(: x eq 1)', /expected a lambda variable name/, 6],
    ['a/all()', /all\(\) needs a condition/, 6],
    ['a/any(x: x/b/any(x: x eq 1))', /lambda variable 'x' is already in use/, 17],
    ["a/'b' eq 1", /expected a property name after '\/'/, 2],
    ['a eq 1 # 2', /unexpected character "#"/, 7],
    ['a eq 12abc', /unexpected character "a" after a number/, 7],
    ['a eq 1e999', /out of range/, 5],
    ['t gt 2026-02-30T00:00:00Z', /the day must be 01 to 28/, 5],
    ['t gt 2026-13-01T00:00:00Z', /the month must be 01 to 12/, 5],
    ['t gt 2026-01-01T24:00:00Z', /the time must be/, 5],
    ['t gt 2026-01-01T00:00:00', /needs 'Z' or an offset/, 5],
    ['t gt 2026-01-01T00:00:00+15:00', /offset must be between/, 5],
    ['t gt 0000-01-01T00:00:00Z', /year must be 0001 or later/, 5],
    ['t gt 2026-01-01', /expected a time after the date/, 5],
    ['a eq \u0000', /unexpected character "\\u0000"/, 5],
  ];
  for (const [text, message, position] of rejected) {
    it(`rejects ${JSON.stringify(text)} at position ${position}`, () => {
      const error = parseError(text);
      assert.match(error.message, /^Invalid \$filter: /);
      assert.match(error.message, message);
      assert.equal(error.position, position);
      assert.match(error.message, new RegExp(`at position ${position}$`));
    });
  }

  it('rejects filters longer than 4,096 characters', () => {
    const text = `a eq '${'x'.repeat(4096)}'`;
    assert.match(parseError(text).message, /longer than 4,096 characters/);
    assert.doesNotThrow(() => parseFilter(`a eq '${'x'.repeat(4096 - 7)}'`));
  });

  it('accepts 50 levels of nesting and rejects the 51st', () => {
    assert.equal(render(parseFilter(`${'('.repeat(50)}a eq 1${')'.repeat(50)}`)), '(eq a n:1)');
    assert.match(parseError(`${'('.repeat(51)}a eq 1${')'.repeat(51)}`).message, /nested more than 50 levels/);
    assert.match(parseError(`${'not '.repeat(51)}a eq 1`).message, /nested more than 50 levels/);
    const lambdas = Array.from({ length: 51 }, (_, i) => `c/any(v${i}: `).join('') + 'v50 eq 1' + ')'.repeat(51);
    assert.match(parseError(lambdas).message, /nested more than 50 levels/);
  });

  it('keeps long and/or chains flat instead of nesting them', () => {
    const text = Array.from({ length: 300 }, (_, i) => `p eq ${i}`).join(' or ');
    const parsed = parseFilter(text);
    assert.equal(parsed.type, 'or');
    assert.equal(parsed.type === 'or' && parsed.operands.length, 300);
  });
});
