import fc from 'fast-check';

/**
 * fast-check arbitraries that produce `$filter` texts shaped by the grammar, each with the S-expression
 * (see render-filter.ts) the parser must produce for it, so fuzzing reaches deep into the grammar instead of
 * failing on the first character.
 */
export interface GeneratedFilter {
  text: string;
  expected: string;
}

type Target = { variable: boolean; path: string[] };
type LiteralSpec = { text: string; expected: string };
type Spec =
  | { kind: 'and' | 'or'; items: Spec[]; upper: boolean }
  | { kind: 'not'; item: Spec; upper: boolean }
  | { kind: 'compare'; op: string; target: Target; literal: LiteralSpec }
  | { kind: 'in'; target: Target; literals: LiteralSpec[] }
  | { kind: 'function'; name: string; target: Target; value: string }
  | { kind: 'lambda'; quantifier: string; collection: Target; body: Spec | undefined };

const randomCase = (word: string) =>
  fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((flags) =>
    [...word].map((ch, i) => (flags[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''),
  );

// Names that are never keywords nor lambda variables (those are v0, v1, ...).
const name = fc.constantFrom('displayName', 'userType', 'mail', 'identities', 'a', 'b2', '_x', 'Any', 'notes');
const target: fc.Arbitrary<Target> = fc.record({ variable: fc.boolean(), path: fc.array(name, { minLength: 1, maxLength: 3 }) });

const quoted = (value: string) => `'${value.replaceAll("'", "''")}'`;
export const literal: fc.Arbitrary<LiteralSpec> = fc.oneof(
  fc.string({ maxLength: 8, unit: 'grapheme-ascii' }).map((s) => ({ text: quoted(s), expected: JSON.stringify(s) })),
  fc.string({ maxLength: 4, unit: 'binary' }).map((s) => ({ text: quoted(s), expected: JSON.stringify(s) })),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => ({ text: String(n), expected: `n:${n}` })),
  fc.tuple(fc.integer({ min: -999, max: 999 }), fc.integer({ min: 0, max: 99 })).map(([whole, frac]) => {
    const text = `${whole}.${String(frac).padStart(2, '0')}`;
    return { text, expected: `n:${Number(text)}` };
  }),
  fc.boolean().chain((b) => randomCase(String(b)).map((text) => ({ text, expected: String(b) }))),
  randomCase('null').map((text) => ({ text, expected: 'null' })),
  fc.tuple(fc.uuid(), fc.boolean()).map(([id, upper]) => ({ text: upper ? id.toUpperCase() : id, expected: `guid:${id}` })),
  fc.tuple(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.constantFrom('Z', '+02:00', '-11:30', '.5Z')).map(([date, suffix]) => {
    const text = date.toISOString().slice(0, 19) + suffix;
    return { text, expected: `dt:${text}` };
  }),
);

const leaf: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ kind: fc.constant('compare' as const), op: fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le').chain(randomCase), target, literal }),
  fc.record({ kind: fc.constant('in' as const), target, literals: fc.array(literal, { minLength: 1, maxLength: 4 }) }),
  fc.record({
    kind: fc.constant('function' as const),
    name: fc.constantFrom('startsWith', 'endsWith', 'contains').chain(randomCase),
    target,
    value: fc.string({ maxLength: 6 }),
  }),
);

const { expr } = fc.letrec<{ expr: Spec }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    leaf,
    fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), items: fc.array(tie('expr'), { minLength: 2, maxLength: 3 }), upper: fc.boolean() }),
    fc.record({ kind: fc.constant('not' as const), item: tie('expr'), upper: fc.boolean() }),
    fc.record({
      kind: fc.constant('lambda' as const),
      quantifier: fc.constantFrom('any', 'all', 'ANY'),
      collection: target,
      body: fc.option(tie('expr'), { nil: undefined, freq: 8 }),
    }),
  ),
}));

function operand(value: Target, variables: string[]): { text: string; expected: string } {
  const variable = variables.at(-1);
  if (value.variable && variable) {
    const sub = value.path.slice(1).join('/');
    return { text: [variable, ...value.path.slice(1)].join('/'), expected: `$${variable}${sub ? `/${sub}` : ''}` };
  }
  return { text: value.path.join('/'), expected: value.path.join('/') };
}

function print(spec: Spec, variables: string[]): GeneratedFilter {
  switch (spec.kind) {
    case 'and':
    case 'or': {
      const parts = spec.items.map((item) => print(item, variables));
      const keyword = spec.upper ? spec.kind.toUpperCase() : spec.kind;
      return {
        text: parts.map((p) => `(${p.text})`).join(` ${keyword} `),
        expected: `(${spec.kind} ${parts.map((p) => p.expected).join(' ')})`,
      };
    }
    case 'not': {
      const inner = print(spec.item, variables);
      return { text: `${spec.upper ? 'NOT' : 'not'} (${inner.text})`, expected: `(not ${inner.expected})` };
    }
    case 'compare': {
      const left = operand(spec.target, variables);
      return { text: `${left.text} ${spec.op} ${spec.literal.text}`, expected: `(${spec.op.toLowerCase()} ${left.expected} ${spec.literal.expected})` };
    }
    case 'in': {
      const left = operand(spec.target, variables);
      return {
        text: `${left.text} in (${spec.literals.map((l) => l.text).join(', ')})`,
        expected: `(in ${left.expected} [${spec.literals.map((l) => l.expected).join(' ')}])`,
      };
    }
    case 'function': {
      const arg = operand(spec.target, variables);
      const canonical = { startswith: 'startsWith', endswith: 'endsWith', contains: 'contains' }[spec.name.toLowerCase()];
      return { text: `${spec.name}(${arg.text},${quoted(spec.value)})`, expected: `(${canonical} ${arg.expected} ${JSON.stringify(spec.value)})` };
    }
    case 'lambda':
      return printLambda(spec, variables);
  }
}

function printLambda(spec: Extract<Spec, { kind: 'lambda' }>, variables: string[]): GeneratedFilter {
  const collection = operand(spec.collection, variables);
  const quantifier = spec.body ? spec.quantifier : 'any';
  if (!spec.body) return { text: `${collection.text}/${quantifier}()`, expected: `(any ${collection.expected})` };
  const variable = `v${variables.length}`;
  const body = print(spec.body, [...variables, variable]);
  return {
    text: `${collection.text}/${quantifier}(${variable}: ${body.text})`,
    expected: `(${quantifier.toLowerCase()} ${collection.expected} ${variable}: ${body.expected})`,
  };
}

/** Valid filters with the AST they must parse to. */
export const validFilter: fc.Arbitrary<GeneratedFilter> = expr.map((spec) => print(spec, []));

const TOKENS = [
  '(', ')', ',', '/', ':', ' ', "'", "''", 'and', 'or', 'not', 'eq', 'NE', 'gt', 'in', 'any', 'all', 'x', 'x/y',
  'startsWith', 'contains(', 'true', 'null', '12', '-3.5', '1e999', "'s'", '2026-01-01T00:00:00Z', '2026-02-30T00:00:00Z',
  '2026-01-01', '2b1f3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d', '\t', '#', '\u0000', '\ud800',
];
/** Sequences of grammar tokens in random order: mostly wrong, but wrong in the ways people get it wrong. */
export const tokenSoup: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), fc.constantFrom(' ', ''))
  .map(([tokens, separator]) => tokens.join(separator));

/** A valid filter with a few characters deleted, inserted or replaced. */
export const mutatedFilter: fc.Arbitrary<string> = fc
  .tuple(validFilter, fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom(...TOKENS)), { minLength: 1, maxLength: 3 }))
  .map(([filter, edits]) => {
    let text = filter.text;
    for (const [at, edit, token] of edits) {
      const i = text.length === 0 ? 0 : at % text.length;
      if (edit === 'delete') text = text.slice(0, i) + text.slice(i + 1);
      else if (edit === 'insert') text = text.slice(0, i) + token + text.slice(i);
      else text = text.slice(0, i) + token + text.slice(i + token.length);
    }
    return text;
  });
