import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, insecureSettings, loadConfig, options, renderConfigDocs } from '#src/config/index.ts';

const made: string[] = [];
const tmp = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ghcfg-'));
  made.push(dir);
  return dir;
};
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('configuration', () => {
  it('applies defaults and returns a frozen object', () => {
    const config = loadConfig({ env: {}, cwd: tmp() });
    assert.equal(config.httpPort, 8080);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config as { httpPort: number }).httpPort = 1;
    });
  });

  it('layers defaults < file < environment', () => {
    const cwd = tmp();
    writeFileSync(path.join(cwd, 'gatehouse.config.json'), JSON.stringify({ httpPort: 9000, logLevel: 'debug' }));
    const config = loadConfig({ env: { GATEHOUSE_HTTP_PORT: '9100' }, cwd });
    assert.equal(config.httpPort, 9100);
    assert.equal(config.logLevel, 'debug');
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['non-integer port', { GATEHOUSE_HTTP_PORT: '80x' }, /httpPort \(GATEHOUSE_HTTP_PORT\).*integer/],
    ['port out of range', { GATEHOUSE_HTTP_PORT: '70000' }, /httpPort.*<= 65535/],
    ['unknown enum value', { GATEHOUSE_LOG_LEVEL: 'loud' }, /logLevel.*one of/],
    ['non-numeric proxy hops', { GATEHOUSE_TRUST_PROXY: 'true' }, /trustProxy.*integer/],
    ['non-postgres database url', { DATABASE_URL: 'mysql://x' }, /databaseUrl.*postgres/],
    ['public url with trailing slash', { GATEHOUSE_PUBLIC_URL: 'https://gh.example.com/' }, /publicUrl.*slash/],
    ['tls cert without key', { GATEHOUSE_TLS_CERT_FILE: '/x.pem' }, /tlsCertFile.*together/],
    ['short master key', { GATEHOUSE_MASTER_KEY: 'c2hvcnQ=' }, /masterKey.*32 bytes/],
  ];
  for (const [name, env, message] of bad) {
    it(`stops on a bad value naming the setting: ${name}`, () => {
      assert.throws(() => loadConfig({ env, cwd: tmp() }), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }

  it('never echoes a secret value in an error', () => {
    assert.throws(
      () => loadConfig({ env: { GATEHOUSE_MASTER_KEY: 'not-base64-secret-value!!' }, cwd: tmp() }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('not-base64-secret-value'),
    );
  });

  it('rejects an unknown key and invalid JSON in the config file', () => {
    const cwd = tmp();
    writeFileSync(path.join(cwd, 'gatehouse.config.json'), JSON.stringify({ httpPrt: 1 }));
    assert.throws(() => loadConfig({ env: {}, cwd }), /unknown setting "httpPrt"/);
    writeFileSync(path.join(cwd, 'gatehouse.config.json'), '{ nope');
    assert.throws(() => loadConfig({ env: {}, cwd }), /not valid JSON/);
  });

  it('fails when an explicitly named config file is missing', () => {
    assert.throws(() => loadConfig({ env: { GATEHOUSE_CONFIG: '/nonexistent/gh.json' }, cwd: tmp() }), /cannot read config file/);
  });

  it('warns about plain HTTP on a public host', () => {
    const config = loadConfig({ env: { GATEHOUSE_PUBLIC_URL: 'http://gatehouse.example.com' }, cwd: tmp() });
    assert.match(insecureSettings(config).join('\n'), /plain HTTP/);
    assert.deepEqual(insecureSettings(loadConfig({ env: {}, cwd: tmp() })), []);
  });

  it('documents every option in docs/configuration.md (regenerate with npm run docs:generate)', () => {
    const onDisk = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    assert.equal(onDisk, renderConfigDocs());
    for (const [key, spec] of Object.entries(options)) {
      assert.ok(spec.doc.length > 20, `option ${key} needs a real description`);
      assert.ok(onDisk.includes(`\`${spec.env}\``), `docs/configuration.md lacks ${spec.env}`);
    }
  });
});
