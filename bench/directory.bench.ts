import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '#src/config/index.ts';
import { systemClock } from '#src/core/clock.ts';
import { createLogger } from '#src/core/logger.ts';
import { startGatehouse } from '#src/main.ts';
import { addPassword, createApplication, createServicePrincipal, createUser, graphResource, grantAppRole, permissions } from '#src/directory/index.ts';
import { freePort } from '../test/helpers/gatehouse.ts';
import { benchDatabases, percentile, report, scale, seconds } from './harness.ts';

/**
 * Directory at 100k users: users created per second through the API (8 concurrent clients), against creating
 * the same users through the service directly in the same run (the API's overhead is the ratio); then p50/p95
 * of filtered, paged list requests over the full directory.
 */
const CONCURRENCY = 8;

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return seconds(start) * 1000;
}

export async function directoryBench(): Promise<void> {
  const total = scale(100_000);
  const open = (await benchDatabases()).at(-1);
  if (!open) return;
  const database = await open();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ghbench-dir-'));
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const connectionString = typeof database.connection.connectionString === 'string' ? database.connection.connectionString : undefined;
  if (!connectionString) {
    report('directory bench needs an external PostgreSQL (GATEHOUSE_BENCH_DATABASE_URL or GATEHOUSE_TEST_DATABASE_URL): skipped');
    await database.close();
    return;
  }
  const config = loadConfig({ env: {}, cwd: dataDir, overrides: { dataDir, databaseUrl: connectionString, httpHost: '127.0.0.1', httpPort: port, publicUrl: url, logLevel: 'silent' } });
  const gatehouse = await startGatehouse(config, { logger: createLogger('silent'), announce: () => undefined });
  try {
    const deps = { db: gatehouse.database.db, clock: systemClock };
    const system = { kind: 'system' } as const;
    const app = await createApplication(deps, system, { displayName: 'bench' });
    const sp = await createServicePrincipal(deps, system, app.appId);
    const graph = await graphResource(deps.db);
    await grantAppRole(deps, system, { principalId: sp.id, resourceId: graph.id, appRoleId: permissions['User.ReadWrite.All'].id });
    const secret = await addPassword(deps, system, app.id);
    const tokenResponse = await fetch(`${url}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.appId, client_secret: secret.secretText as string, scope: `${url}/.default` }),
    });
    const token = ((await tokenResponse.json()) as { access_token: string }).access_token;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const baselineCount = Math.min(total, scale(10_000));
    let next = 0;
    const baseline = await (async () => {
      const start = process.hrtime.bigint();
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < baselineCount; i = next++) {
          await createUser(deps, system, { displayName: `Baseline ${i}`, userPrincipalName: `baseline${i}@gatehouse.local`, userType: 'Member' });
        }
      }));
      return baselineCount / seconds(start);
    })();

    next = 0;
    const companies = ['Contoso', 'Fabrikam', 'Northwind', 'Tailspin', 'Litware'];
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < total; i = next++) {
        const response = await fetch(`${url}/v1.0/users`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ accountEnabled: i % 10 !== 0, displayName: `User ${String(i).padStart(6, '0')}`, mailNickname: `user${i}`, userPrincipalName: `user${i}@gatehouse.local`, companyName: companies[i % companies.length], department: `D${i % 50}` }),
        });
        if (response.status !== 201) throw new Error(`create failed: ${response.status} ${await response.text()}`);
      }
    }));
    const apiRate = total / seconds(start);
    report(`directory create [${database.name}] ${total} users through the API: ${Math.round(apiRate)} users/s; direct service calls ${Math.round(baseline)} users/s; ratio ${(apiRate / baseline).toFixed(2)}`);

    const queries = [
      `$filter=${encodeURIComponent("startsWith(displayName,'User 05')")}&$top=100&$orderby=displayName`,
      `$filter=${encodeURIComponent("companyName eq 'Fabrikam' and accountEnabled eq true")}&$top=100`,
      `$filter=${encodeURIComponent("department in ('D1','D2','D3')")}&$top=50&$orderby=displayName desc`,
    ];
    for (const query of queries) {
      const samples: number[] = [];
      for (let i = 0; i < 100; i++) {
        samples.push(await timed(async () => {
          const first = await fetch(`${url}/v1.0/users?${query}`, { headers });
          const body = (await first.json()) as { '@odata.nextLink'?: string };
          if (!first.ok) throw new Error(`list failed: ${first.status}`);
          if (body['@odata.nextLink']) await (await fetch(body['@odata.nextLink'], { headers })).json();
        }));
      }
      samples.sort((a, b) => a - b);
      report(`directory list [${database.name}] ${decodeURIComponent(query)}: first page + next page p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms (${total} users)`);
    }
  } finally {
    await gatehouse.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
