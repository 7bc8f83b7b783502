import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from '#src/config/index.ts';
import { renderAuditEventDocs, renderErrorDocs } from '#src/http/error-catalog.ts';

/** Regenerate the documentation pages that are derived from code registries. */
const pages: Record<string, () => string> = {
  'configuration.md': renderConfigDocs,
  'errors.md': renderErrorDocs,
  'audit-events.md': renderAuditEventDocs,
};
for (const [file, render] of Object.entries(pages)) {
  writeFileSync(new URL(`../docs/${file}`, import.meta.url), render());
  console.log(`wrote docs/${file}`);
}
