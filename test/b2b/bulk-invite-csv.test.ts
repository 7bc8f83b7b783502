import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '#src/core/errors.ts';
import {
  invitationResultCsv,
  MAX_DATA_ROWS,
  MAX_LINE_LENGTH,
  parseInvitationCsv,
  type BulkInviteRow,
  type ParsedInvitationCsv,
} from '#src/directory/bulk-invite.csv.ts';

const ENTRA_HEADER =
  'Email address to invite [inviteeEmail] Required,Redirection url [inviteRedirectURL] Required,Send invitation message (true or false) [sendEmail],Customized invitation message [customizedMessageBody]';
const SHORT_HEADER = 'UserPrincipalName,DisplayName,InviteRedirectUrl';
const URL = 'https://apps.example.test/';

const row = (line: number, email: string, more: Partial<BulkInviteRow> = {}): BulkInviteRow => ({
  line,
  email,
  redirectUrl: URL,
  displayName: null,
  sendInvitationMessage: true,
  customizedMessageBody: null,
  ...more,
});

function assertInvalid(text: string, message: RegExp): void {
  assert.throws(
    () => parseInvitationCsv(text),
    (error: unknown) => isAppError(error) && error.code === 'INVALID_CSV' && error.status === 400 && message.test(error.message),
  );
}

/** The whole file is refused with INVALID_CSV, quickly: the budget is far above what it takes, to stay off noise. */
function assertInvalidQuickly(text: string): void {
  const started = performance.now();
  assertInvalid(text, /^The CSV file cannot be used: /);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
}

describe('parseInvitationCsv: the two header formats', () => {
  const cases: { name: string; csv: string; expected: ParsedInvitationCsv }[] = [
    {
      name: "Entra's downloaded template: version line, decorated headers, Example row, ', ' separators",
      csv: [
        'version:v1.0',
        ENTRA_HEADER,
        'Example: someone@fabrikam.test, https://myapplications.microsoft.com, TRUE, Welcome to Contoso!',
        `ann@vendor.test, ${URL}, TRUE, "Hello, Ann"`,
        `bob@vendor.test,${URL},false,`,
      ].join('\r\n'),
      expected: {
        format: 'entra',
        errors: [],
        rows: [row(4, 'ann@vendor.test', { customizedMessageBody: 'Hello, Ann' }), row(5, 'bob@vendor.test', { sendInvitationMessage: false })],
      },
    },
    {
      name: 'Entra plain labels without the version line or Example row',
      csv: `Email address to invite,Redirection url\nann@vendor.test,${URL}\n`,
      expected: { format: 'entra', errors: [], rows: [row(2, 'ann@vendor.test')] },
    },
    {
      name: 'Entra with the version line padded by commas and the Example row, no data rows',
      csv: `version:v1.0,,,\n${ENTRA_HEADER}\nExample:,,,\n`,
      expected: { format: 'entra', errors: [], rows: [] },
    },
    {
      name: 'a localized Entra template, matched by its [keys]',
      csv: `version:v1.0\n招待するメール アドレス [inviteeEmail] 必須,リダイレクト URL [inviteRedirectURL] 必須\nann@vendor.test,${URL}\n`,
      expected: { format: 'entra', errors: [], rows: [row(3, 'ann@vendor.test')] },
    },
    {
      name: 'Entra columns reordered, cased and padded, an extra column, every boolean spelling',
      csv: [
        ' CUSTOMIZED INVITATION MESSAGE ,Notes,  send invitation message,redirection URL,EMAIL ADDRESS TO INVITE',
        `hi,x,yes,${URL},a@v.test`,
        `,x,No,${URL},b@v.test`,
        `,x,1,${URL},c@v.test`,
        `,x,0,${URL},d@v.test`,
        `,x,FALSE,${URL},e@v.test`,
        `,x,,${URL},f@v.test`,
      ].join('\n'),
      expected: {
        format: 'entra',
        errors: [],
        rows: [
          row(2, 'a@v.test', { customizedMessageBody: 'hi' }),
          row(3, 'b@v.test', { sendInvitationMessage: false }),
          row(4, 'c@v.test'),
          row(5, 'd@v.test', { sendInvitationMessage: false }),
          row(6, 'e@v.test', { sendInvitationMessage: false }),
          row(7, 'f@v.test'),
        ],
      },
    },
    {
      name: "the older Entra template's 'Name of invitee' column fills the display name",
      csv: `Name of invitee [inviteeName],${ENTRA_HEADER}\nAnn Example,ann@vendor.test,${URL},,\n`,
      expected: { format: 'entra', errors: [], rows: [row(2, 'ann@vendor.test', { displayName: 'Ann Example' })] },
    },
    {
      name: 'the short form',
      csv: `${SHORT_HEADER}\nann@vendor.test,Ann Example,${URL}\nbob@vendor.test,,${URL}\n`,
      expected: { format: 'short', errors: [], rows: [row(2, 'ann@vendor.test', { displayName: 'Ann Example' }), row(3, 'bob@vendor.test')] },
    },
    {
      name: 'the short form reordered, cased, padded, with extra columns and a version line',
      csv: `version:v1.0\n inviteredirecturl ,Company,  userPrincipalName\t,displayname\n${URL},Vendor,ann@vendor.test,Ann\n`,
      expected: { format: 'short', errors: [], rows: [row(3, 'ann@vendor.test', { displayName: 'Ann' })] },
    },
    {
      name: 'the short form has no Example row: such a first cell is data (the service will refuse the address)',
      csv: `${SHORT_HEADER}\nExample: x,,${URL}\n`,
      expected: { format: 'short', errors: [], rows: [row(2, 'Example: x')] },
    },
  ];
  for (const { name, csv, expected } of cases) {
    it(name, () => assert.deepEqual(parseInvitationCsv(csv), expected));
  }
});

describe('parseInvitationCsv: RFC 4180 reading', () => {
  const cases: { name: string; csv: string; expected: BulkInviteRow[] }[] = [
    {
      name: 'quoted fields with commas and "" escapes',
      csv: `${SHORT_HEADER}\n"ann@vendor.test","Example, ""Ann""","${URL}"\n`,
      expected: [row(2, 'ann@vendor.test', { displayName: 'Example, "Ann"' })],
    },
    {
      name: 'embedded LF and CRLF inside quotes move the next record down',
      csv: `${SHORT_HEADER}\r\nann@vendor.test,"two\nlines",${URL}\r\nbob@vendor.test,"three\r\nmore\r\nlines",${URL}\r\ncat@vendor.test,,${URL}`,
      expected: [
        row(2, 'ann@vendor.test', { displayName: 'two\nlines' }),
        row(4, 'bob@vendor.test', { displayName: 'three\r\nmore\r\nlines' }),
        row(7, 'cat@vendor.test'),
      ],
    },
    {
      name: 'a UTF-8 BOM, CRLF line ends and no final line end',
      csv: `\uFEFF${SHORT_HEADER}\r\nann@vendor.test,Ann,${URL}`,
      expected: [row(2, 'ann@vendor.test', { displayName: 'Ann' })],
    },
    {
      name: 'a lone CR ends a line too (old Mac spreadsheets)',
      csv: `${SHORT_HEADER}\rann@vendor.test,,${URL}\rbob@vendor.test,,${URL}\r`,
      expected: [row(2, 'ann@vendor.test'), row(3, 'bob@vendor.test')],
    },
    {
      name: 'blank lines, whitespace lines and rows of empty cells are skipped but still counted',
      csv: `\n\n${SHORT_HEADER}\n\n   \n,,\n"",,\nann@vendor.test,,${URL}\n\n`,
      expected: [row(8, 'ann@vendor.test')],
    },
    {
      name: 'missing trailing cells are empty, surplus cells ignored, cells trimmed',
      csv: `UserPrincipalName,InviteRedirectUrl,DisplayName\n  ann@vendor.test ,  ${URL}\t\nbob@vendor.test,${URL},Bob,extra,more\n`,
      expected: [row(2, 'ann@vendor.test'), row(3, 'bob@vendor.test', { displayName: 'Bob' })],
    },
    {
      name: 'spaces before an opening quote and text after a closing one are tolerated',
      csv: `${SHORT_HEADER}\nann@vendor.test,  "Ann, A" ,${URL}\nbob@vendor.test,"Bob"by,${URL}\n`,
      expected: [row(2, 'ann@vendor.test', { displayName: 'Ann, A' }), row(3, 'bob@vendor.test', { displayName: 'Bobby' })],
    },
    {
      name: 'a quote inside an unquoted field is an ordinary character',
      csv: `${SHORT_HEADER}\nann@vendor.test,Ann "the" Admin,${URL}\n`,
      expected: [row(2, 'ann@vendor.test', { displayName: 'Ann "the" Admin' })],
    },
  ];
  for (const { name, csv, expected } of cases) {
    it(name, () => assert.deepEqual(parseInvitationCsv(csv), { format: 'short', errors: [], rows: expected }));
  }
});

describe('parseInvitationCsv: row errors', () => {
  it('reports each bad row with its line and keeps going with the rest', () => {
    const csv = [
      'version:v1.0',
      ENTRA_HEADER,
      'Example: someone@fabrikam.test, https://myapplications.microsoft.com, TRUE, Welcome!',
      `ann@vendor.test,${URL},true,`,
      `,${URL},true,no address`,
      'bob@vendor.test,,true,',
      `"cat@vendor.test","${URL}",maybe,"a message`,
      'spanning lines"',
      `dan@vendor.test,${URL},${'x'.repeat(50)},`,
      ',,perhaps,only a message',
      `not an address,${URL},,`,
    ].join('\n');
    assert.deepEqual(parseInvitationCsv(csv), {
      format: 'entra',
      rows: [row(4, 'ann@vendor.test'), row(11, 'not an address')],
      errors: [
        { line: 5, email: null, error: '"Email address to invite" is empty' },
        { line: 6, email: 'bob@vendor.test', error: '"Redirection url" is empty' },
        { line: 7, email: 'cat@vendor.test', error: '"Send invitation message" must be true or false, yes or no, 1 or 0, not "maybe"' },
        { line: 9, email: 'dan@vendor.test', error: `"Send invitation message" must be true or false, yes or no, 1 or 0, not "${'x'.repeat(40)}…"` },
        {
          line: 10,
          email: null,
          error: '"Email address to invite" is empty; "Redirection url" is empty; "Send invitation message" must be true or false, yes or no, 1 or 0, not "perhaps"',
        },
      ],
    });
  });

  it('names the short-form columns in its messages', () => {
    const result = parseInvitationCsv(`${SHORT_HEADER}\n,Ann,${URL}\nbob@vendor.test,Bob,\n`);
    assert.deepEqual(result.errors, [
      { line: 2, email: null, error: '"UserPrincipalName" is empty' },
      { line: 3, email: 'bob@vendor.test', error: '"InviteRedirectUrl" is empty' },
    ]);
  });
});

describe('parseInvitationCsv: files refused as a whole', () => {
  const rows = (count: number) => Array.from({ length: count }, (_, i) => `u${i}@vendor.test,,${URL}`).join('\n');
  const lineOf = (length: number) => {
    const prefix = 'ann@vendor.test,';
    const suffix = `,${URL}`;
    return `${prefix}${'n'.repeat(length - prefix.length - suffix.length)}${suffix}`;
  };
  const cases: { name: string; csv: string; message: RegExp }[] = [
    { name: 'an empty file', csv: '', message: /the file is empty/ },
    { name: 'only a BOM and whitespace', csv: '\uFEFF \r\n\t\n', message: /the file is empty/ },
    { name: 'only the version line', csv: 'version:v1.0\n\n', message: /there is no header row/ },
    { name: 'data where the header should be', csv: `ann@vendor.test,${URL}\n`, message: /header row \(line 1\) has neither an "Email address to invite" column .* nor a "UserPrincipalName" column/ },
    { name: 'Entra template without its redirect column', csv: 'version:v1.0\nEmail address to invite [inviteeEmail] Required\na@v.test\n', message: /header row \(line 2\) has no "Redirection url" column/ },
    { name: 'short form without its redirect column', csv: 'UserPrincipalName,DisplayName,Redirection url\n', message: /has no "InviteRedirectUrl" column/ },
    { name: 'a required column twice', csv: 'UserPrincipalName,InviteRedirectUrl,userprincipalname\n', message: /has the "UserPrincipalName" column twice \(columns 1 and 3\)/ },
    { name: `more than ${MAX_DATA_ROWS} data rows`, csv: `${SHORT_HEADER}\n${rows(MAX_DATA_ROWS + 1)}`, message: /more than 50,000 data rows/ },
    { name: 'a line longer than 64 KiB', csv: `${SHORT_HEADER}\n${lineOf(MAX_LINE_LENGTH)}\n${lineOf(MAX_LINE_LENGTH + 1)}\n`, message: /line 3 is longer than 64 KiB/ },
    { name: 'a NUL byte', csv: `${SHORT_HEADER}\nann@vendor.test\0,,${URL}\n`, message: /line 2 contains the control character U\+0000/ },
    { name: 'UTF-16 text read as UTF-8', csv: Buffer.from(`${SHORT_HEADER}\n`, 'utf16le').toString('utf8'), message: /binary file or text not saved as UTF-8/ },
    { name: 'an unterminated quoted field', csv: `${SHORT_HEADER}\nann@vendor.test,,${URL}\n\nbob@vendor.test,"Bob,${URL}\ncat@vendor.test,,${URL}\n`, message: /quoted field that starts on line 4 is never closed/ },
    {
      name: 'a quoted field over 64 KiB, though no line is (usually a missing closing quote)',
      csv: `${SHORT_HEADER}\nann@vendor.test,"${'short line\n'.repeat(7000)}",${URL}\n`,
      message: /quoted field that starts on line 2 is longer than 64 KiB/,
    },
    { name: 'an unterminated quote in the header', csv: `"UserPrincipalName,${URL}\n`, message: /starts on line 1 is never closed/ },
  ];
  for (const { name, csv, message } of cases) {
    it(`refuses ${name}`, () => assertInvalid(csv, message));
  }

  it('accepts exactly the limits: 50,000 data rows, a 64 KiB line', () => {
    assert.equal(parseInvitationCsv(`${SHORT_HEADER}\n${rows(MAX_DATA_ROWS)}\n`).rows.length, MAX_DATA_ROWS);
    // Entra's Example row is not a data row, so it does not count against the limit.
    const entra = `version:v1.0\nEmail address to invite,Customized invitation message,Redirection url\nExample:,,\n${rows(MAX_DATA_ROWS)}`;
    assert.equal(parseInvitationCsv(entra).rows.length, MAX_DATA_ROWS);
    assert.equal(parseInvitationCsv(`${SHORT_HEADER}\n${lineOf(MAX_LINE_LENGTH)}\r\n`).rows[0]?.displayName?.length, MAX_LINE_LENGTH - 16 - URL.length - 1);
  });

  it('refuses 10 MB of random bytes quickly', () => {
    const bytes = randomBytes(10 * 1024 * 1024);
    assertInvalidQuickly(bytes.toString('utf8'));
    assertInvalidQuickly(bytes.toString('latin1'));
  });

  it('refuses 10 MB of random printable text quickly, with and without line breaks', () => {
    const bytes = randomBytes(10 * 1024 * 1024);
    const printable = Buffer.from(bytes.map((b) => 0x20 + (b % 95)));
    assertInvalidQuickly(printable.toString('latin1'));
    const lines = Buffer.from(printable.map((b, i) => (i % 100 === 99 ? 0x0a : b)));
    assertInvalidQuickly(lines.toString('latin1'));
    // Without quotes the reader must get past the first line and still refuse the header.
    const unquoted = Buffer.from(lines.map((b) => (b === 0x22 ? 0x27 : b)));
    assertInvalidQuickly(unquoted.toString('latin1'));
  });

  it('refuses hostile header cells quickly: runs of unclosed [ and ( in a 64 KiB line', () => {
    assertInvalidQuickly(`${'['.repeat(MAX_LINE_LENGTH - 1)}\n`);
    assertInvalidQuickly(`${'[('.repeat(MAX_LINE_LENGTH / 2 - 1)}\n`);
    assertInvalidQuickly(`${'[,'.repeat(MAX_LINE_LENGTH / 2 - 1)}\n`);
  });
});

describe('invitationResultCsv', () => {
  it('writes the header, CRLF line ends, empty cells for nulls, and quotes where needed', () => {
    const csv = invitationResultCsv([
      { line: 4, email: 'ann@vendor.test', status: 'invited', userId: 'u-1', inviteRedeemUrl: 'https://gh.test/redeem#rd=abc', error: null },
      { line: 7, email: 'bob@vendor.test', status: 'failed', userId: null, inviteRedeemUrl: null, error: 'domain "vendor.test" is blocked, ask an admin\nline two' },
    ]);
    assert.equal(
      csv,
      'line,email,status,userId,inviteRedeemUrl,error\r\n' +
        '4,ann@vendor.test,invited,u-1,https://gh.test/redeem#rd=abc,\r\n' +
        '7,bob@vendor.test,failed,,,"domain ""vendor.test"" is blocked, ask an admin\nline two"\r\n',
    );
    assert.equal(invitationResultCsv([]), 'line,email,status,userId,inviteRedeemUrl,error\r\n');
  });

  it('neutralizes every cell that a spreadsheet would run as a formula', () => {
    const cases: { value: string; cell: string }[] = [
      { value: '=HYPERLINK("http://x")', cell: `"'=HYPERLINK(""http://x"")"` },
      { value: '+1+2', cell: "'+1+2" },
      { value: '-2+3', cell: "'-2+3" },
      { value: '@SUM(A1)', cell: "'@SUM(A1)" },
      { value: '\t=1', cell: "'\t=1" },
      { value: '\r=1', cell: `"'\r=1"` },
      { value: '=1,2', cell: `"'=1,2"` },
      { value: 'a=1', cell: 'a=1' },
      { value: "'=1", cell: "'=1" },
    ];
    for (const { value, cell } of cases) {
      const csv = invitationResultCsv([{ line: 1, email: value, status: 'failed', userId: value, inviteRedeemUrl: value, error: value }]);
      assert.equal(csv.split('\r\n')[1], `1,${cell},failed,${cell},${cell},${cell}`, JSON.stringify(value));
    }
  });
});

/** Test-side writer: quotes when needed (or always), so any string survives. Returns each record's first line. */
function writeShortCsv(records: readonly (readonly string[])[], options: { eol: string; bom: boolean; quoteAll: boolean }) {
  const cell = (value: string) => (options.quoteAll || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  let text = `${options.bom ? '\uFEFF' : ''}${SHORT_HEADER}${options.eol}`;
  const lines: number[] = [];
  for (const record of records) {
    lines.push(1 + (text.match(/\r\n?|\n/g)?.length ?? 0));
    text += record.map(cell).join(',') + options.eol;
  }
  return { text, lines };
}

// Printable graphemes mixed with everything CSV treats specially; C0 controls other than tab, CR and LF are refused as binary.
const csvString = fc
  .string({
    unit: fc.oneof(fc.constantFrom(',', '"', '""', '\r', '\n', '\r\n', ' ', '\t', '\u00a0', '\uFEFF', 'é', '😀', '='), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
    maxLength: 16,
  })
  .map((s) => s.replace(/[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/g, ''));

describe('parseInvitationCsv under random input', () => {
  it('reads back 2,000 random short-form files exactly as a writer wrote them', () => {
    const options = fc.record({ eol: fc.constantFrom('\r\n', '\n'), bom: fc.boolean(), quoteAll: fc.boolean() });
    fc.assert(
      fc.property(fc.array(fc.tuple(csvString, csvString, csvString), { maxLength: 12 }), options, (records, writeOptions) => {
        const { text, lines } = writeShortCsv(records, writeOptions);
        const expectedRows: BulkInviteRow[] = [];
        const expectedErrors: { line: number; email: string | null }[] = [];
        records.forEach(([upn, name, url], i) => {
          const [email, displayName, redirectUrl] = [upn.trim(), name.trim(), url.trim()];
          const line = lines[i]!;
          if (email === '' && displayName === '' && redirectUrl === '') return;
          if (email === '' || redirectUrl === '') expectedErrors.push({ line, email: email || null });
          else expectedRows.push({ line, email, redirectUrl, displayName: displayName || null, sendInvitationMessage: true, customizedMessageBody: null });
        });
        const result = parseInvitationCsv(text);
        assert.equal(result.format, 'short');
        assert.deepEqual(result.rows, expectedRows);
        assert.deepEqual(result.errors.map(({ line, email }) => ({ line, email })), expectedErrors);
      }),
      { numRuns: 2_000 },
    );
  });

  it('answers 5,000 CSV-shaped junk files with a result or INVALID_CSV, nothing else', () => {
    const token = fc.oneof(
      fc.constantFrom(',', '"', '\r', '\n', 'version:v1.0', 'Example:', SHORT_HEADER, ENTRA_HEADER, '[inviteeEmail]', 'UserPrincipalName', 'InviteRedirectUrl', 'true', 'maybe'),
      fc.string({ maxLength: 6, unit: 'binary' }),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => {
        try {
          const result = parseInvitationCsv(tokens.join(''));
          for (const r of result.rows) assert.ok(r.email !== '' && r.redirectUrl !== '' && r.line >= 1);
        } catch (error) {
          if (!isAppError(error) || error.code !== 'INVALID_CSV') throw error;
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
