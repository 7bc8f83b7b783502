import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { loadConfig } from '#src/config/index.ts';
import { systemClock } from '#src/core/clock.ts';
import { createLogger } from '#src/core/logger.ts';
import { startGatehouse } from '#src/main.ts';
import { addPassword, createApplication, createServicePrincipal, graphResource, grantAppRole, permissions } from '#src/directory/index.ts';
import { freePort } from '../test/helpers/gatehouse.ts';
import { benchDatabases, report, scale, type BenchDatabase } from './harness.ts';

/**
 * Client-credentials tokens per second over keep-alive HTTP against a real Gatehouse node (its own database,
 * loopback only): each request authenticates the application by its secret, reads its registration and
 * permissions from the directory, and returns a signed (ES256) access token. The baseline, measured in the same
 * run by the same client: a bare Fastify endpoint on the same event loop answering the same request with a JSON
 * body of the same size. The client runs in a worker thread (CONNECTIONS keep-alive connections through a node:http
 * Agent, each sending its next request when the previous answer has been read), so the node's event loop serves
 * only requests; the database's backends share the same two cores. Each line also gives the CPU time of this
 * process (node and client worker, not PostgreSQL) per request, which the machine's other load does not inflate.
 */
const CONNECTIONS = 16;

interface LoadResult {
  perSecond: number;
  /** CPU time of this process (the node and the client worker) per request, in µs; the database's is not counted. */
  cpuMicros: number;
  p50: number;
  p99: number;
  failures: number;
  firstFailure: string | null;
}

/** The load generator, as a plain script for the worker (no TypeScript loader needed there). */
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, headers, body, connections, total, warmup } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const send = () => new Promise((resolve) => {
  const start = process.hrtime.bigint();
  const request = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent }, (response) => {
    const chunks = [];
    response.on('data', (chunk) => chunks.push(chunk));
    response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString(), ns: Number(process.hrtime.bigint() - start) }));
  });
  request.on('error', (error) => resolve({ status: 0, text: String(error), ns: 0 }));
  request.end(body);
});
async function run(count, latencies) {
  let next = 0, failures = 0, firstFailure = null;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < count) {
      const i = next++;
      const answer = await send();
      if (answer.status !== 200) { failures++; firstFailure ??= answer.status + ' ' + answer.text.slice(0, 300); }
      if (latencies) latencies[i] = answer.ns;
    }
  }));
  return { failures, firstFailure };
}
(async () => {
  await run(warmup, null);
  const latencies = new Float64Array(total);
  const start = process.hrtime.bigint();
  const { failures, firstFailure } = await run(total, latencies);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort();
  const at = (p) => latencies[Math.min(total - 1, Math.floor(p / 100 * total))];
  agent.destroy();
  parentPort.postMessage({ perSecond: total / seconds, p50: at(50), p99: at(99), failures, firstFailure });
})();
`;

function load(url: string, headers: Record<string, string>, body: string, total: number, warmup: number): Promise<LoadResult> {
  const worker = new Worker(LOAD_WORKER, { eval: true, workerData: { url, headers, body, connections: CONNECTIONS, total, warmup } });
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    worker.once('message', (result: Omit<LoadResult, 'cpuMicros'>) => {
      const used = process.cpuUsage(cpu);
      void worker.terminate();
      resolve({ ...result, cpuMicros: (used.user + used.system) / (total + warmup) });
    });
    worker.once('error', reject);
  });
}

function connectionUrl(database: BenchDatabase): string {
  const c = database.connection;
  if (typeof c.connectionString === 'string') return c.connectionString;
  return `postgres://${c.user}:${encodeURIComponent(String(c.password))}@localhost/${c.database}?host=${encodeURIComponent(String(c.host))}`;
}

const ms = (ns: number): string => (ns / 1e6).toFixed(2);
const line = (name: string, r: LoadResult): string =>
  `${Math.round(r.perSecond).toLocaleString('en-US')} ${name}/s, p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms, ${Math.round(r.cpuMicros)} µs of node CPU each`;

export async function clientCredentialsBench(): Promise<void> {
  const total = scale(20_000);
  const open = (await benchDatabases()).at(-1);
  if (!open) return;
  const database = await open();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ghbench-cc-'));
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const config = loadConfig({ env: {}, cwd: dataDir, overrides: { dataDir, databaseUrl: connectionUrl(database), httpHost: '127.0.0.1', httpPort: port, publicUrl: url, logLevel: 'silent' } });
  const gatehouse = await startGatehouse(config, { logger: createLogger('silent'), announce: () => undefined });
  const bare = Fastify({ logger: false });
  try {
    const deps = { db: gatehouse.database.db, clock: systemClock };
    const system = { kind: 'system' } as const;
    const app = await createApplication(deps, system, { displayName: 'client credentials bench' });
    const sp = await createServicePrincipal(deps, system, app.appId);
    await grantAppRole(deps, system, { principalId: sp.id, resourceId: (await graphResource(deps.db)).id, appRoleId: permissions['User.Read.All'].id });
    const secret = await addPassword(deps, system, app.id);
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: app.appId, client_secret: secret.secretText as string, scope: 'https://graph.microsoft.com/.default' }).toString();
    const tokenUrl = `http://127.0.0.1:${port}/oauth2/v2.0/token`;
    const first = await fetch(tokenUrl, { method: 'POST', headers, body });
    const sample = await first.text();
    if (first.status !== 200 || !(JSON.parse(sample) as { access_token?: string }).access_token) throw new Error(`token request failed: ${first.status} ${sample}`);

    // The baseline answers the same request (form body read as text) with a JSON body of the same length.
    bare.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, text, done) => done(null, text));
    const canned = JSON.parse(sample) as Record<string, unknown>;
    bare.post('/oauth2/v2.0/token', async () => canned);
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/oauth2/v2.0/token`;

    const baseline = await load(bareUrl, headers, body, total, scale(2_000));
    const tokens = await load(tokenUrl, headers, body, total, scale(1_000));
    for (const [name, result] of [['baseline', baseline], ['token', tokens]] as const) {
      if (result.failures > 0) throw new Error(`${name}: ${result.failures} failed requests, first: ${result.firstFailure}`);
    }
    report(`client credentials [${database.name}] ${total} tokens over ${CONNECTIONS} keep-alive connections: ${line('tokens', tokens)} (goal >= 3,000/s); bare Fastify ${line('responses', baseline)}; ratio ${(tokens.perSecond / baseline.perSecond).toFixed(3)}; response ${sample.length} bytes`);
  } finally {
    await bare.close();
    await gatehouse.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
