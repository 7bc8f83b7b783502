import { badRequest, type AppError } from '#src/core/errors.ts';
import type { Literal } from './filter-ast.ts';
import { DATETIME_PATTERN, dateTimeProblem } from './datetime.ts';

/**
 * Splits `$filter` text into tokens. Literals are recognised here (strings, numbers, bare GUIDs, datetimes) because
 * their shapes overlap: `2b1f…` starts like a name and `2026-…` like a number, so the longest specific shape wins.
 */
export type Token =
  | { kind: 'punct'; value: '(' | ')' | ',' | '/' | ':'; position: number }
  | { kind: 'word'; value: string; position: number }
  | { kind: 'literal'; literal: Literal; position: number }
  | { kind: 'end'; position: number };

/** Every syntax error of the OData options reads the same way and carries the position for clients to point at. */
export const syntaxError = (option: string, what: string, position: number): AppError =>
  badRequest(`Invalid ${option}: ${what} at position ${position}`, { position });

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const GUID = /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const DATE_ONLY = /\d{4}-\d{2}-\d{2}/y;
const NAME_CHAR = /[A-Za-z0-9_.-]/;
const PUNCT = new Set(['(', ')', ',', '/', ':']);
const SPACE = new Set([' ', '\t', '\n', '\r']);

const matchAt = (pattern: RegExp, text: string, index: number): RegExpExecArray | null => {
  pattern.lastIndex = index;
  return pattern.exec(text);
};

/** A character for an error message, escaped so control characters stay visible. */
export const describeChar = (ch: string): string => JSON.stringify(ch);

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (SPACE.has(ch)) {
      i++;
    } else if (PUNCT.has(ch)) {
      tokens.push({ kind: 'punct', value: ch as '(' | ')' | ',' | '/' | ':', position: i });
      i++;
    } else if (ch === "'") {
      i = readString(text, i, tokens);
    } else {
      const { token, end } = readValueOrWord(text, i);
      tokens.push(token);
      i = end;
    }
  }
  tokens.push({ kind: 'end', position: text.length });
  return tokens;
}

/** A token read from the text, and the index just past it. */
interface Read {
  token: Token;
  end: number;
}

const literalAt = (literal: Literal, end: number): Read => ({ token: { kind: 'literal', literal, position: literal.position }, end });

function readString(text: string, start: number, tokens: Token[]): number {
  let value = '';
  let i = start + 1;
  for (;;) {
    const close = text.indexOf("'", i);
    if (close < 0) throw syntaxError('$filter', `unterminated string starting`, start);
    value += text.slice(i, close);
    if (text[close + 1] === "'") {
      value += "'";
      i = close + 2;
    } else {
      tokens.push({ kind: 'literal', literal: { type: 'string', value, position: start }, position: start });
      return close + 1;
    }
  }
}

function readValueOrWord(text: string, start: number): Read {
  const guid = matchAt(GUID, text, start);
  if (guid && !NAME_CHAR.test(text[start + guid[0].length] ?? '')) {
    return literalAt({ type: 'guid', value: guid[0].toLowerCase(), position: start }, start + guid[0].length);
  }
  const ch = text[start] as string;
  if (/[0-9-]/.test(ch)) return readNumeric(text, start);
  const word = matchAt(WORD, text, start);
  if (word) return { token: { kind: 'word', value: word[0], position: start }, end: start + word[0].length };
  throw syntaxError('$filter', `unexpected character ${describeChar(ch)}`, start);
}

function readNumeric(text: string, start: number): Read {
  const datetime = matchAt(DATETIME_PATTERN, text, start);
  if (datetime) {
    const problem = dateTimeProblem(datetime);
    if (problem) throw syntaxError('$filter', `invalid datetime '${datetime[0]}' (${problem})`, start);
    return literalAt({ type: 'datetime', value: datetime[0], position: start }, start + datetime[0].length);
  }
  if (matchAt(DATE_ONLY, text, start)) {
    throw syntaxError('$filter', 'expected a time after the date (write e.g. 2026-01-01T00:00:00Z)', start);
  }
  const number = matchAt(NUMBER, text, start);
  if (!number) throw syntaxError('$filter', `unexpected character ${describeChar(text[start] as string)}`, start);
  const end = start + number[0].length;
  if (NAME_CHAR.test(text[end] ?? '')) {
    throw syntaxError('$filter', `unexpected character ${describeChar(text[end] as string)} after a number`, end);
  }
  const value = Number(number[0]);
  if (!Number.isFinite(value)) throw syntaxError('$filter', `number '${number[0]}' is out of range`, start);
  return literalAt({ type: 'number', value, text: number[0], position: start }, end);
}
