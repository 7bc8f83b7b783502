import { options, type OptionSpec } from './options.ts';

/** Render docs/configuration.md from the option declarations. */
export function renderConfigDocs(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from src/config/options.ts by `npm run docs:generate`; do not edit by hand. -->',
    '',
    'Gatehouse reads its settings once at start-up, in this order (later wins): built-in defaults, the JSON file',
    '`gatehouse.config.json` in the working directory (or the file named by `GATEHOUSE_CONFIG`), environment',
    'variables. Keys in the JSON file are the setting names below. A bad value stops start-up with a message naming',
    'the setting.',
    '',
    '| Setting | Environment variable | Type | Default | Description |',
    '|---|---|---|---|---|',
  ];
  for (const [key, raw] of Object.entries(options)) {
    const spec: OptionSpec = raw;
    let type: string = spec.type;
    if (spec.values) type = spec.values.map((v) => `\`${v}\``).join(' \\| ');
    if (spec.min !== undefined || spec.max !== undefined) type += ` (${spec.min ?? ''}–${spec.max ?? ''})`;
    if (spec.secret) type += ', secret';
    const def = spec.defaultDoc ?? (spec.default === undefined ? '—' : `\`${String(spec.default)}\``);
    lines.push(`| \`${key}\` | \`${spec.env}\` | ${type} | ${def} | ${spec.doc} |`);
  }
  return `${lines.join('\n')}\n`;
}
