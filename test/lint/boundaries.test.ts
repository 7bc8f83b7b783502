import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const cruise = (...paths: string[]) =>
  spawnSync(process.execPath, ['node_modules/dependency-cruiser/bin/dependency-cruise.mjs', ...paths, '--config', '.dependency-cruiser.cjs'], {
    cwd: root,
    encoding: 'utf8',
  });

describe('import boundaries (dependency-cruiser)', () => {
  it('finds no layer violations in src/', () => {
    const result = cruise('src');
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('catches a domain module importing the HTTP layer', () => {
    const dir = `${root}src/directory/__boundary_probe__`;
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(`${dir}/probe.ts`, "import Fastify from 'fastify';\nexport const app = Fastify;\n");
      const result = cruise(`src/directory/__boundary_probe__`);
      assert.notEqual(result.status, 0);
      assert.match(result.stdout, /domain-no-fastify/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
