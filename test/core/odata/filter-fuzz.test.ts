import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '#src/core/errors.ts';
import { parseFilter } from '#src/core/odata/index.ts';
import { mutatedFilter, tokenSoup, validFilter } from './filter-grammar.ts';
import { render } from './render-filter.ts';

/**
 * 100,000 inputs in all: the parser must answer every one with an AST or a 400 AppError carrying a position
 * inside the text; any other exception (TypeError, RangeError from deep recursion, ...) fails the run.
 */
function parsesOrRejectsCleanly(text: string): void {
  try {
    parseFilter(text);
  } catch (error) {
    if (!isAppError(error)) throw error;
    assert.equal(error.status, 400);
    const position = error.details?.position;
    assert.ok(Number.isInteger(position), `no numeric position in: ${error.message}`);
    assert.ok((position as number) >= 0 && (position as number) <= text.length, `position ${String(position)} outside the text`);
    assert.ok(error.message.endsWith(`at position ${String(position)}`), error.message);
  }
}

// Repeating a short random unit is far cheaper than generating 4,000 random characters, and still crosses the limit.
const nearTheLengthLimit = fc
  .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.integer({ min: 4090, max: 4100 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

describe('parseFilter under random input', () => {
  it('handles 25,000 random strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60, unit: 'binary' }), nearTheLengthLimit), parsesOrRejectsCleanly),
      { numRuns: 25_000 },
    );
  });

  it('handles 25,000 token soups', () => {
    fc.assert(fc.property(tokenSoup, parsesOrRejectsCleanly), { numRuns: 25_000 });
  });

  it('parses 25,000 grammar-shaped filters to exactly the tree they were built from', () => {
    fc.assert(
      fc.property(validFilter, ({ text, expected }) => {
        if (text.length > 4096) return;
        assert.equal(render(parseFilter(text)), expected);
      }),
      { numRuns: 25_000 },
    );
  });

  it('handles 25,000 grammar-shaped filters with a few edits', () => {
    fc.assert(fc.property(mutatedFilter, parsesOrRejectsCleanly), { numRuns: 25_000 });
  });

  it('handles deep nesting of every kind without overflowing the stack', () => {
    for (const depth of [49, 50, 51, 5_000]) {
      parsesOrRejectsCleanly(`${'('.repeat(depth)}a eq 1${')'.repeat(depth)}`);
      parsesOrRejectsCleanly(`${'not '.repeat(depth)}a eq 1`.slice(0, 5000));
      parsesOrRejectsCleanly(`${'a/any(x:'.repeat(depth)}`.slice(0, 4096));
      parsesOrRejectsCleanly('('.repeat(depth).slice(0, 4096));
    }
  });
});
