/**
 * ISO-8601 datetimes as OData writes them (`2026-01-01T00:00:00Z`, `2026-01-01T09:30:00.125+02:00`). Checked here,
 * field by field, so an impossible date such as February 30 is a 400 with a position rather than a database error.
 */

/** Sticky so the lexer can match at a position; groups: y, mo, d, h, mi, s, fraction, offset. */
export const DATETIME_PATTERN =
  /(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?([Zz]|[+-]\d{2}:\d{2})?/y;

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** Why the parts of a matched datetime do not form a real instant, or undefined when they do. */
export function dateTimeProblem(match: RegExpExecArray): string | undefined {
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i] ?? '0')) as [
    number, number, number, number, number, number,
  ];
  if (year < 1) return 'the year must be 0001 or later';
  if (month < 1 || month > 12) return 'the month must be 01 to 12';
  if (day < 1 || day > daysInMonth(year, month)) return `the day must be 01 to ${daysInMonth(year, month)} in that month`;
  if (hour > 23 || minute > 59 || second > 59) return 'the time must be 00:00:00 to 23:59:59';
  const offset = match[8];
  if (offset === undefined) return "the time needs 'Z' or an offset such as +02:00";
  if (offset.length > 1 && (Number(offset.slice(1, 3)) > 14 || Number(offset.slice(4, 6)) > 59)) {
    return 'the offset must be between -14:00 and +14:00';
  }
  return undefined;
}

/** Whether `text` is, in full, a valid OData datetime literal. */
export function isIsoDateTime(text: string): boolean {
  DATETIME_PATTERN.lastIndex = 0;
  const match = DATETIME_PATTERN.exec(text);
  return match !== null && match[0].length === text.length && dateTimeProblem(match) === undefined;
}
