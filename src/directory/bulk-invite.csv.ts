import { AppError } from '#src/core/errors.ts';

/**
 * Bulk guest invitations as CSV: Entra's downloadable bulk-invite template or a short three-column form, read by a
 * small hand-written RFC 4180 reader (no dependency, linear work on hostile input). Only the file's shape is judged
 * here; addresses and redirect URLs are checked per row by the invitation service, which reports each failure.
 */

export type BulkInviteFormat = 'entra' | 'short';

export interface BulkInviteRow {
  /** 1-based line of the file on which the record starts, so a person can find it in their editor. */
  line: number;
  email: string;
  redirectUrl: string;
  displayName: string | null;
  sendInvitationMessage: boolean;
  customizedMessageBody: string | null;
}

export interface BulkInviteRowError {
  line: number;
  /** The address as written, when the row has one, so the report can name the guest. */
  email: string | null;
  error: string;
}

export interface ParsedInvitationCsv {
  rows: BulkInviteRow[];
  errors: BulkInviteRowError[];
  format: BulkInviteFormat;
}

export interface BulkInviteResult {
  line: number;
  email: string;
  status: 'invited' | 'failed';
  userId: string | null;
  inviteRedeemUrl: string | null;
  error: string | null;
}

/** Bounds what one upload can cost; a larger directory is invited in several files. */
export const MAX_DATA_ROWS = 50_000;
/** Counted in UTF-16 code units, close enough to bytes for the mostly-ASCII text of an invite list. */
export const MAX_LINE_LENGTH = 64 * 1024;

type Field = 'email' | 'redirectUrl' | 'displayName' | 'sendInvitationMessage' | 'customizedMessageBody';

interface Column {
  field: Field;
  /** Matched case-insensitively once Entra's decorations (`[key]`, `(hint)`, a trailing "Required") are removed. */
  label: string;
  /** Entra's `[key]`: it survives translation, so a localized template still matches. */
  key: string | null;
  required: boolean;
}

const FORMATS: Record<BulkInviteFormat, readonly Column[]> = {
  entra: [
    { field: 'email', label: 'Email address to invite', key: 'inviteeEmail', required: true },
    { field: 'redirectUrl', label: 'Redirection url', key: 'inviteRedirectURL', required: true },
    { field: 'sendInvitationMessage', label: 'Send invitation message', key: 'sendEmail', required: false },
    { field: 'customizedMessageBody', label: 'Customized invitation message', key: 'customizedMessageBody', required: false },
    // Older downloads of Entra's template carry this column; a newer one simply lacks it.
    { field: 'displayName', label: 'Name of invitee', key: 'inviteeName', required: false },
  ],
  short: [
    { field: 'email', label: 'UserPrincipalName', key: null, required: true },
    { field: 'displayName', label: 'DisplayName', key: null, required: false },
    { field: 'redirectUrl', label: 'InviteRedirectUrl', key: null, required: true },
  ],
};

interface Header {
  format: BulkInviteFormat;
  columns: ReadonlyMap<Field, number>;
}

interface CsvRecord {
  line: number;
  cells: string[];
}

const MAX_HEADER_CELL = 200;
const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;
const SPACE = 0x20;

/** An empty cell means "send", as in Entra; any other spelling is the row's error rather than a guess. */
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([['', true], ['true', true], ['yes', true], ['1', true], ['false', false], ['no', false], ['0', false]]);

const invalidCsv = (problem: string): AppError => new AppError('INVALID_CSV', 400, `The CSV file cannot be used: ${problem}.`);

/** Reads an uploaded invitation list; throws INVALID_CSV only when the file as a whole is unusable. */
export function parseInvitationCsv(text: string): ParsedInvitationCsv {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw invalidCsv('the file is empty');
  checkText(body);
  const records = readRecords(body);
  let next = records.next();
  if (!next.done && firstCellStarts(next.value, 'version:')) next = records.next();
  if (next.done) throw invalidCsv('there is no header row (expected Entra\'s bulk-invite columns or UserPrincipalName,DisplayName,InviteRedirectUrl)');
  const header = resolveHeader(next.value);
  const result: ParsedInvitationCsv = { rows: [], errors: [], format: header.format };
  let dataRows = 0;
  let firstAfterHeader = true;
  for (const record of records) {
    // Only Entra's template has the "Example:" row; in the short form a first cell like that is a (bad) address.
    const isExample = firstAfterHeader && header.format === 'entra' && firstCellStarts(record, 'example:');
    firstAfterHeader = false;
    if (isExample) continue;
    if (++dataRows > MAX_DATA_ROWS) throw invalidCsv(`it has more than ${MAX_DATA_ROWS.toLocaleString('en-US')} data rows; split it into smaller files`);
    const outcome = toRow(record, header);
    if ('error' in outcome) result.errors.push(outcome);
    else result.rows.push(outcome);
  }
  return result;
}

/** Checked before parsing, so junk is refused at its first sign instead of after a full parse. */
function checkText(text: string): void {
  const control = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/.exec(text);
  if (control !== null) {
    const code = text.charCodeAt(control.index).toString(16).toUpperCase().padStart(4, '0');
    throw invalidCsv(`line ${lineAt(text, control.index)} contains the control character U+${code}, so this is a binary file or text not saved as UTF-8 (save it as "CSV UTF-8")`);
  }
  for (let i = 0, lineStart = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) lineStart = i + 1;
    else if (i - lineStart >= MAX_LINE_LENGTH) throw invalidCsv(`line ${lineAt(text, lineStart)} is longer than 64 KiB`);
  }
}

const lineAt = (text: string, index: number): number => 1 + lineBreaks(text, 0, index);

/** CRLF, a lone CR and LF each end one line, as editors number them. */
function lineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) count++;
  }
  return count;
}

/** RFC 4180 records, skipping blank ones (including rows of empty cells, which spreadsheets write). CR, LF and CRLF end a line. */
function* readRecords(text: string): Generator<CsvRecord> {
  const fieldEnd = /[,\r\n]/g;
  let pos = 0;
  let line = 1;
  while (pos < text.length) {
    const start = line;
    const cells: string[] = [];
    for (let atEnd = false; !atEnd; ) {
      let value = '';
      let c = text.charCodeAt(pos);
      const open = c === QUOTE || c === SPACE || c === TAB ? openingQuote(text, pos) : -1;
      if (open !== -1) {
        const quoted = readQuoted(text, open, line);
        value = quoted.value;
        line += lineBreaks(text, open, quoted.end);
        pos = quoted.end;
        c = text.charCodeAt(pos);
      }
      fieldEnd.lastIndex = pos;
      const end = c === COMMA || c === CR || c === LF ? pos : fieldEnd.test(text) ? fieldEnd.lastIndex - 1 : text.length;
      // Text after a closing quote is kept, as spreadsheets do, rather than failing the whole file over `"a" ,`.
      cells.push(end === pos ? value : value + text.slice(pos, end));
      pos = end;
      c = text.charCodeAt(pos);
      if (c === COMMA) pos++;
      else {
        atEnd = true;
        if (pos < text.length) {
          pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
          line++;
        }
      }
    }
    if (cells.some((cell) => cell.trim() !== '')) yield { line: start, cells };
  }
}

/** Spaces before an opening quote are allowed: Entra's own example row separates cells with ", ". */
function openingQuote(text: string, pos: number): number {
  let i = pos;
  while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
  return text.charCodeAt(i) === QUOTE ? i : -1;
}

/**
 * Finds the closing quote first and unescapes once (piecewise building is slow on a run of `""`). A quoted field may
 * span lines but, like a line, not 64 KiB: that bounds the work per cell, and is usually a missing closing quote.
 */
function readQuoted(text: string, open: number, line: number): { value: string; end: number } {
  let close = text.indexOf('"', open + 1);
  let escaped = false;
  while (close !== -1 && close - open <= MAX_LINE_LENGTH && text.charCodeAt(close + 1) === QUOTE) {
    escaped = true;
    close = text.indexOf('"', close + 2);
  }
  if (close === -1) throw invalidCsv(`the quoted field that starts on line ${line} is never closed (a " is missing)`);
  if (close - open > MAX_LINE_LENGTH) throw invalidCsv(`the quoted field that starts on line ${line} is longer than 64 KiB (is a closing " missing?)`);
  const raw = text.slice(open + 1, close);
  return { value: escaped ? raw.replaceAll('""', '"') : raw, end: close + 1 };
}

function firstCellStarts(record: CsvRecord, prefix: string): boolean {
  return (record.cells[0] ?? '').trim().toLowerCase().startsWith(prefix);
}

interface HeaderName {
  key: string | null;
  label: string;
}

function headerName(cell: string): HeaderName {
  // The bracket patterns backtrack quadratically on a long run of unclosed `[`; no real column name is this long.
  if (cell.length > MAX_HEADER_CELL) return { key: null, label: '' };
  return {
    key: /\[([^\]]*)\]/.exec(cell)?.[1]?.trim().toLowerCase() ?? null,
    label: cell.replace(/\[[^\]]*\]|\([^)]*\)/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase().replace(/ required$/, ''),
  };
}

function resolveHeader({ line, cells }: CsvRecord): Header {
  const names = cells.map(headerName);
  const matches = (column: Column, name: HeaderName): boolean =>
    name.label === column.label.toLowerCase() || (column.key !== null && name.key === column.key.toLowerCase());
  const format = (['entra', 'short'] as const).find((f) => names.some((name) => FORMATS[f].some((c) => c.field === 'email' && matches(c, name))));
  if (format === undefined) {
    throw invalidCsv(`the header row (line ${line}) has neither an "Email address to invite" column (Entra's template) nor a "UserPrincipalName" column (short form)`);
  }
  const columns = new Map<Field, number>();
  names.forEach((name, index) => {
    const column = FORMATS[format].find((c) => matches(c, name));
    if (column === undefined) return;
    const earlier = columns.get(column.field);
    if (earlier !== undefined) throw invalidCsv(`the header row (line ${line}) has the "${column.label}" column twice (columns ${earlier + 1} and ${index + 1})`);
    columns.set(column.field, index);
  });
  const missing = FORMATS[format].find((c) => c.required && !columns.has(c.field));
  if (missing !== undefined) throw invalidCsv(`the header row (line ${line}) has no "${missing.label}" column`);
  return { format, columns };
}

function toRow({ line, cells }: CsvRecord, header: Header): BulkInviteRow | BulkInviteRowError {
  const cell = (field: Field): string => {
    const index = header.columns.get(field);
    return index === undefined ? '' : (cells[index] ?? '').trim();
  };
  const label = (field: Field): string => FORMATS[header.format].find((c) => c.field === field)?.label ?? field;
  const email = cell('email');
  const redirectUrl = cell('redirectUrl');
  const sendText = cell('sendInvitationMessage');
  const send = BOOLEANS.get(sendText.toLowerCase());
  const problems: string[] = [];
  if (email === '') problems.push(`"${label('email')}" is empty`);
  if (redirectUrl === '') problems.push(`"${label('redirectUrl')}" is empty`);
  if (send === undefined) {
    const shown = sendText.length > 40 ? `${sendText.slice(0, 40)}…` : sendText;
    problems.push(`"${label('sendInvitationMessage')}" must be true or false, yes or no, 1 or 0, not "${shown}"`);
  }
  if (send === undefined || problems.length > 0) return { line, email: email === '' ? null : email, error: problems.join('; ') };
  const displayName = cell('displayName');
  const message = cell('customizedMessageBody');
  return { line, email, redirectUrl, displayName: displayName || null, sendInvitationMessage: send, customizedMessageBody: message || null };
}

/** The per-row report offered for download after a bulk invitation. */
export function invitationResultCsv(results: readonly BulkInviteResult[]): string {
  const lines = ['line,email,status,userId,inviteRedeemUrl,error'];
  for (const r of results) {
    lines.push([String(r.line), r.email, r.status, r.userId ?? '', r.inviteRedeemUrl ?? '', r.error ?? ''].map(resultCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Addresses and error messages echo what an uploader typed, and the report is opened in a spreadsheet: a leading
 * `=`, `+`, `-`, `@`, tab or CR would make it a formula, so such a cell gets a `'` in front (OWASP CSV injection).
 */
function resultCell(value: string): string {
  const inert = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(inert) ? `"${inert.replaceAll('"', '""')}"` : inert;
}
