import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { auditEvents } from '#src/audit/index.ts';
import { errorCatalog, renderAuditEventDocs, renderErrorDocs } from '#src/http/index.ts';

const read = (name: string): string => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

describe('documentation generated from the registries (regenerate with npm run docs:generate)', () => {
  it('documents every error code', () => {
    const page = read('errors.md');
    assert.equal(page, renderErrorDocs());
    for (const codes of Object.values(errorCatalog)) for (const code of Object.keys(codes)) assert.ok(page.includes(`\`${code}\``), code);
  });

  it('documents every audit event code, and codes are unique and well-formed', () => {
    const page = read('audit-events.md');
    assert.equal(page, renderAuditEventDocs());
    const codes = Object.values(auditEvents).map((e) => e.code);
    assert.equal(new Set(codes).size, codes.length, 'audit event codes must be unique');
    for (const code of codes) assert.match(code, /^GH\d{4}[IW]$/);
  });
});
