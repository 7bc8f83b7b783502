#!/usr/bin/env node
// Runs every *.test.ts under test/ and src/ with node:test (Node 20 does not expand globs itself).
// `npm test -- test/store` runs the tests under the given paths only.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ['test', 'src'];

function collect(entry, out) {
  const full = path.resolve(root, entry);
  let stat;
  try {
    stat = statSync(full);
  } catch {
    console.error(`no such test path: ${entry}`);
    process.exit(2);
  }
  if (stat.isFile()) {
    if (full.endsWith('.test.ts')) out.push(path.relative(root, full));
    return;
  }
  for (const name of readdirSync(full).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    collect(path.join(entry, name), out);
  }
}

const files = [];
for (const entry of roots) collect(entry, files);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(2);
}
const concurrency = process.env.GATEHOUSE_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
