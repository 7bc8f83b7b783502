import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '#src/config/index.ts';
import { systemClock } from '#src/core/clock.ts';
import { createLogger } from '#src/core/logger.ts';
import { startGatehouse, type RunningGatehouse } from '#src/main.ts';
import { addPassword, createApplication, createServicePrincipal, graphResource, grantAppRole, permissions } from '#src/directory/index.ts';
import { freePort } from '../test/helpers/gatehouse.ts';
import { benchDatabases, report, scale, seconds, type BenchDatabase } from './harness.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';

/**
 * Bulk invitation: a CSV of 10,000 guests uploaded to POST /v1.0/invitations/bulk on a node with a real SMTP
 * server, timed from the upload until the job is completed and every invitation mail has been accepted by the
 * SMTP server. Compared with Microsoft Graph's published ceiling for invitations (30 per second per tenant), and,
 * as the baseline measured in the same run, with the same work done as single POST /v1.0/invitations requests from
 * 8 concurrent clients (what a script or `gatehouse invite` does).
 */
const GRAPH_CEILING_PER_SECOND = 30;
const CLIENTS = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function connectionUrl(database: BenchDatabase): string {
  const c = database.connection;
  if (typeof c.connectionString === 'string') return c.connectionString;
  return `postgres://${c.user}:${encodeURIComponent(String(c.password))}@localhost/${c.database}?host=${encodeURIComponent(String(c.host))}`;
}

async function inviterToken(gatehouse: RunningGatehouse, url: string): Promise<string> {
  const deps = { db: gatehouse.database.db, clock: systemClock };
  const system = { kind: 'system' } as const;
  const app = await createApplication(deps, system, { displayName: 'invite bench' });
  const sp = await createServicePrincipal(deps, system, app.appId);
  await grantAppRole(deps, system, { principalId: sp.id, resourceId: (await graphResource(deps.db)).id, appRoleId: permissions['User.Invite.All'].id });
  const secret = await addPassword(deps, system, app.id);
  const response = await fetch(`${url}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.appId, client_secret: secret.secretText as string, scope: `${url}/.default` }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Upload, poll the job, wait for the mail: rows per second end to end. */
async function bulkRun(url: string, token: string, smtp: SmtpSink, total: number): Promise<{ rate: number; jobSeconds: number; mailSeconds: number }> {
  const csv = ['UserPrincipalName,DisplayName,InviteRedirectUrl', ...Array.from({ length: total }, (_, i) => `bulk${i}@vendor${i % 50}.test,Bulk Guest ${i},${url}/`)].join('\r\n');
  const mailBefore = smtp.received;
  const start = process.hrtime.bigint();
  const created = await fetch(`${url}/v1.0/invitations/bulk`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: csv });
  if (created.status !== 202) throw new Error(`upload failed: ${created.status} ${await created.text()}`);
  const location = created.headers.get('location') as string;
  for (;;) {
    const job = (await (await fetch(location, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string; succeeded: number; failed: number };
    if (job.status !== 'running') {
      if (job.status !== 'completed' || job.succeeded !== total) throw new Error(`job ended ${job.status}: ${JSON.stringify(job)}`);
      break;
    }
    await sleep(200);
  }
  const jobSeconds = seconds(start);
  await smtp.waitForCount(mailBefore + total, 600_000);
  const mailSeconds = seconds(start);
  return { rate: total / mailSeconds, jobSeconds, mailSeconds };
}

/** The baseline: single invitations from 8 concurrent clients, until every mail arrived. */
async function singleRun(url: string, token: string, smtp: SmtpSink, total: number): Promise<number> {
  const mailBefore = smtp.received;
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < total; i = next++) {
        const response = await fetch(`${url}/v1.0/invitations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ invitedUserEmailAddress: `single${i}@vendor${i % 50}.test`, invitedUserDisplayName: `Single Guest ${i}`, inviteRedirectUrl: `${url}/`, sendInvitationMessage: true }),
        });
        if (response.status !== 201) throw new Error(`invitation failed: ${response.status} ${await response.text()}`);
      }
    }),
  );
  await smtp.waitForCount(mailBefore + total, 600_000);
  return total / seconds(start);
}

export async function inviteBench(): Promise<void> {
  const total = scale(10_000);
  const baselineTotal = Math.min(total, scale(2_000));
  const open = (await benchDatabases()).at(-1);
  if (!open) return;
  const database = await open();
  const smtp = await startSmtpSink();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ghbench-invite-'));
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const config = loadConfig({
    env: {},
    cwd: dataDir,
    overrides: { dataDir, databaseUrl: connectionUrl(database), httpHost: '127.0.0.1', httpPort: port, publicUrl: url, logLevel: 'silent', smtpUrl: smtp.url },
  });
  const gatehouse = await startGatehouse(config, { logger: createLogger('silent'), announce: () => undefined });
  try {
    const token = await inviterToken(gatehouse, url);
    const baseline = await singleRun(url, token, smtp, baselineTotal);
    const bulk = await bulkRun(url, token, smtp, total);
    report(
      `invite bulk [${database.name}] ${total} rows: ${Math.round(bulk.rate)} rows/s until every mail was received (job completed after ${bulk.jobSeconds.toFixed(1)} s, last mail after ${bulk.mailSeconds.toFixed(1)} s); ` +
        `ratio to Graph's ${GRAPH_CEILING_PER_SECOND}/s ceiling ${(bulk.rate / GRAPH_CEILING_PER_SECOND).toFixed(1)}x (goal >= 300 rows/s, >= 10x)`,
    );
    report(`invite single [${database.name}] ${baselineTotal} POST /v1.0/invitations from ${CLIENTS} clients: ${Math.round(baseline)} invitations/s until every mail was received; bulk/single ratio ${(bulk.rate / baseline).toFixed(2)}`);
  } finally {
    await gatehouse.close();
    await smtp.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
