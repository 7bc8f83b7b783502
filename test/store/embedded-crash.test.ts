import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { startEmbeddedPostgres } from '#src/store/index.ts';

/** Start the child, wait until it has committed, return the pids. */
function runChild(dataDir: string, rows: number): Promise<{ child: number; postgres: number; committed: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/fixtures/embedded-child.ts', dataDir, String(rows)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not commit in time: ${output}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /committed (\d+) postgres (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child: child.pid as number, postgres: Number(match[2]), committed: Number(match[1]) });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => code !== null && code !== 0 && reject(new Error(`child exited ${code}: ${output}`)));
  });
}

/** Running, and not a zombie waiting to be reaped (orphans are reaped by pid 1, which may be slow or absent here). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

/** Wait (bounded) until a killed process is gone. */
async function untilDead(pid: number): Promise<void> {
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

async function countRows(dataDir: string): Promise<number> {
  const server = await startEmbeddedPostgres({ dataDir });
  try {
    const client = new pg.Client(server.connection);
    await client.connect();
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM crash_probe');
    await client.end();
    return rows[0]?.n ?? -1;
  } finally {
    await server.stop();
  }
}

describe('bundled PostgreSQL across crashes', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const newDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ghcrash-'));
    dirs.push(dir);
    return dir;
  };

  it('keeps its files private and runs PostgreSQL on a socket in the data directory only', async () => {
    const dir = await newDir();
    const server = await startEmbeddedPostgres({ dataDir: dir });
    try {
      assert.equal((await stat(path.join(dir, 'postgres.password'))).mode & 0o777, 0o600);
      assert.equal((await stat(path.join(dir, 'run'))).mode & 0o777, 0o700);
      const conf = await readFile(`/proc/${server.pid}/cmdline`, 'utf8');
      assert.match(conf, /listen_addresses=\0/);
      if (process.getuid?.() === 0) {
        const status = await readFile(`/proc/${server.pid}/status`, 'utf8');
        assert.doesNotMatch(status, /^Uid:\s+0\s/m, 'PostgreSQL must not run as root');
      }
    } finally {
      await server.stop();
    }
  });

  it('recovers after Gatehouse is killed with -9 and loses no committed row', async () => {
    const dir = await newDir();
    const first = await runChild(dir, 200);
    process.kill(first.child, 'SIGKILL');
    // SIGKILL is delivered asynchronously: the next start must see the owner gone, as it would after a real crash.
    await untilDead(first.child);
    assert.ok(alive(first.postgres), 'the orphaned PostgreSQL is still running');
    assert.equal(await countRows(dir), 200);
    assert.ok(!alive(first.postgres), 'the orphan was stopped before a new server started');
  });

  it('recovers when PostgreSQL itself is killed with -9 (WAL replay)', async () => {
    const dir = await newDir();
    const first = await runChild(dir, 150);
    process.kill(first.postgres, 'SIGKILL');
    // Its parent (the Gatehouse process) reaps it, then dies too. (Killing both at once leaves a zombie that only
    // pid 1 can reap, which this sandbox's pid 1 does not do; a real init does.)
    for (let i = 0; i < 100 && alive(first.postgres); i++) await new Promise((r) => setTimeout(r, 50));
    if (alive(first.child)) process.kill(first.child, 'SIGKILL'); // it may already have died of the lost connection
    await new Promise((r) => setTimeout(r, 300));
    const second = await runChild(dir, 50);
    assert.equal(second.committed, 200);
    process.kill(second.child, 'SIGKILL');
    await untilDead(second.child);
    assert.equal(await countRows(dir), 200);
  });

  it('refuses a second live process on the same data directory', async () => {
    const dir = await newDir();
    const first = await runChild(dir, 1);
    try {
      await assert.rejects(startEmbeddedPostgres({ dataDir: dir }), /another Gatehouse process \(pid \d+\) is using the data directory/);
    } finally {
      process.kill(first.child, 'SIGKILL');
    }
    await untilDead(first.child);
    assert.equal(await countRows(dir), 1);
  });
});
