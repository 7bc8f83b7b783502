import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startTestGatehouse } from '../helpers/gatehouse.ts';

function httpsGet(url: string, ca: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('running nodes', () => {
  it('lets a second node join the same PostgreSQL without bootstrapping again, sharing keys through the master key', async () => {
    const first = await startTestGatehouse();
    try {
      const masterKey = (await readFile(path.join(first.dataDir, 'master.key'), 'utf8')).trim();
      const second = await startTestGatehouse({ masterKey }, { shareDatabaseOf: first });
      try {
        assert.equal(second.gatehouse.bootstrap.created, false);
        assert.equal(second.gatehouse.bootstrap.tenant.id, first.gatehouse.bootstrap.tenant.id);
        assert.equal(second.gatehouse.bootstrap.adminUserId, first.gatehouse.bootstrap.adminUserId);
        // Both nodes sign with the same keys: the second node's JWKS equals the first's.
        const jwks = async (url: string) => (await (await fetch(`${url}/oauth2/v2.0/keys`)).json()) as { keys: { kid: string }[] };
        assert.deepEqual((await jwks(second.url)).keys.map((k) => k.kid).sort(), (await jwks(first.url)).keys.map((k) => k.kid).sort());
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
  });

  it('refuses to start with a master key that did not seal the signing keys, saying why', async () => {
    const first = await startTestGatehouse();
    try {
      await assert.rejects(startTestGatehouse({}, { shareDatabaseOf: first }), /master key/i);
    } finally {
      await first.stop();
    }
  });

  it('reuses its data directory on restart: same tenant, master key and signing keys', async () => {
    const first = await startTestGatehouse();
    try {
      const before = await readFile(path.join(first.dataDir, 'master.key'), 'utf8');
      const kids = ((await (await fetch(`${first.url}/oauth2/v2.0/keys`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      await first.gatehouse.close();
      const again = await startTestGatehouse({ dataDir: first.dataDir }, { shareDatabaseOf: first });
      try {
        assert.equal(await readFile(path.join(first.dataDir, 'master.key'), 'utf8'), before);
        assert.equal(again.gatehouse.bootstrap.created, false);
        const after = ((await (await fetch(`${again.url}/oauth2/v2.0/keys`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
        assert.deepEqual(after.sort(), kids.sort());
      } finally {
        await again.stop();
      }
    } finally {
      await first.database.drop();
      await rm(first.dataDir, { recursive: true, force: true });
    }
  });

  it('serves HTTPS with HSTS when a certificate is configured', async () => {
    const node = await startTestGatehouse({}, { tls: true });
    try {
      const ca = await readFile(path.join(node.dataDir, 'tls-cert.pem'), 'utf8');
      const health = await httpsGet(`${node.url}/healthz`, ca);
      assert.equal(health.status, 200);
      const page = await httpsGet(`${node.url}/users`, ca);
      assert.match(String(page.headers['strict-transport-security']), /max-age=\d+/);
      const discovery = JSON.parse((await httpsGet(`${node.url}/.well-known/openid-configuration`, ca)).body) as { issuer: string };
      assert.equal(discovery.issuer, node.url);
    } finally {
      await node.stop();
    }
  });

  it('lets an in-flight request finish during graceful shutdown, then refuses new connections', async () => {
    const node = await startTestGatehouse();
    const port = Number(new URL(node.url).port);
    const body = JSON.stringify({ userName: 'nobody@gatehouse.local', password: 'wrong password here' });
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
    // Headers and half the body now; the rest after shutdown has begun.
    socket.write(`POST /portal/api/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`);
    await new Promise((r) => setTimeout(r, 200));
    const closing = node.gatehouse.close();
    await new Promise((r) => setTimeout(r, 200));
    socket.write(body.slice(10));
    await new Promise((resolve) => socket.once('close', resolve));
    await closing;
    assert.match(response, /^HTTP\/1\.1 401/, `the in-flight request got its answer: ${response.slice(0, 80)}`);
    await assert.rejects(fetch(`${node.url}/healthz`));
    await node.database.drop();
    await rm(node.dataDir, { recursive: true, force: true });
  });
});
