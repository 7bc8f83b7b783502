import { badRequest, type AppError } from '#src/core/errors.ts';
import { isUuid } from '#src/core/crypto.ts';
import type { Literal } from '#src/core/odata/index.ts';
import type { ScalarType } from './field-map.ts';

/** A property as named in error messages: `Property 'userType' on users`. */
export interface Subject {
  name: string;
  resource: string;
}

/** A semantic (not syntax) problem in `$filter`; the position points at the offending part of the text. */
export const filterError = (message: string, position: number): AppError => badRequest(message, { position });

const describe = (subject: Subject) => `Property '${subject.name}' on ${subject.resource}`;

export type BoundValue = string | number | boolean;

/**
 * Check that a (non-null) literal fits the property's type and return the value to bind as a parameter. Checking
 * here means a malformed id or date is a 400 naming the property instead of a PostgreSQL cast error.
 */
export function coerceLiteral(
  literal: Exclude<Literal, { type: 'null' }>,
  type: ScalarType | 'enum',
  subject: Subject,
  enumValues: readonly string[] = [],
): BoundValue {
  const at = literal.position;
  switch (type) {
    case 'string':
      if (literal.type === 'string' || literal.type === 'guid') return literal.value;
      throw filterError(`${describe(subject)} is a string; put the value in single quotes`, at);
    case 'guid':
      if (literal.type === 'guid') return literal.value;
      if (literal.type === 'string' && isUuid(literal.value)) return literal.value.toLowerCase();
      if (literal.type === 'string') throw filterError(`'${literal.value}' is not a valid id for property '${subject.name}' on ${subject.resource}`, at);
      throw filterError(`${describe(subject)} is an id; write it like 2b1f3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d`, at);
    case 'boolean':
      if (literal.type === 'boolean') return literal.value;
      throw filterError(`${describe(subject)} is a boolean; compare it with true or false`, at);
    case 'number':
      if (literal.type === 'number') return literal.value;
      throw filterError(`${describe(subject)} is a number; write the number without quotes`, at);
    case 'datetime':
      // PostgreSQL reads ISO 8601 only with an upper-case T; Z is the only other letter a datetime can contain.
      if (literal.type === 'datetime') return literal.value.toUpperCase();
      throw filterError(`${describe(subject)} is a datetime; write it without quotes, e.g. 2026-01-01T00:00:00Z`, at);
    case 'enum':
      return coerceEnum(literal, subject, enumValues);
  }
}

function coerceEnum(literal: Exclude<Literal, { type: 'null' }>, subject: Subject, values: readonly string[]): string {
  const text = literal.type === 'string' ? literal.value : undefined;
  const match = text === undefined ? undefined : values.find((value) => value.toLowerCase() === text.toLowerCase());
  if (match === undefined) {
    const given = text === undefined ? 'This value' : `'${text}'`;
    throw filterError(`${given} is not a valid value of property '${subject.name}' on ${subject.resource} (expected one of: ${values.join(', ')})`, literal.position);
  }
  return match;
}

/** LIKE treats `%`, `_` and the escape character `\` (PostgreSQL's default) specially; a value matches literally. */
export const escapeLike = (value: string): string => value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
