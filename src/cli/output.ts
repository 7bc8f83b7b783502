/** Print for people (aligned table) or for scripts (`--json`). Secrets are never passed here except on creation. */
export interface Output {
  json: boolean;
  write(text: string): void;
}

export const stdout: (json: boolean) => Output = (json) => ({ json, write: (text) => process.stdout.write(text) });

/** Render rows as an aligned text table with the given columns. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown): string => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n') + '\n';
}

export function print(out: Output, value: unknown, columns?: string[]): void {
  if (out.json) {
    out.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  if (Array.isArray(value) && columns) {
    out.write(table(value as Record<string, unknown>[], columns));
    return;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0));
    const width = Math.max(...entries.map(([k]) => k.length));
    out.write(entries.map(([k, v]) => `${k.padEnd(width)}  ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n') + '\n');
    return;
  }
  out.write(`${String(value)}\n`);
}

/** A failure the CLI reports as one clear line and exit code (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
