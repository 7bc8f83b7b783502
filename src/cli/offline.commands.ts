import type { Command } from 'commander';
import { formatCheckpoint, parseCheckpoint, verifyAuditChain, verifyAuditChainInProcess, type ChainHead } from '#src/audit/index.ts';
import { systemClock } from '#src/core/clock.ts';
import { loadOrCreateMasterKey } from '#src/core/master-key.ts';
import { loadConfig } from '#src/config/index.ts';
import { migrateToLatest, openDatabase } from '#src/store/index.ts';
import { CliError, print, stdout } from './output.ts';

/** Open the configured database for a maintenance command (attaching to a running bundled server if any). */
async function withDatabase<T>(work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 4, attach: true });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

/** Commands that run in-process against the database: audit verification and migrations. */
export function registerOfflineCommands(program: Command): void {
  const audit = program.command('audit').description('audit log maintenance');
  audit
    .command('verify')
    .description('recompute the audit hash chain; exit 1 and name the first broken link if anything was changed, deleted, inserted or reordered')
    .option('--expect <checkpoint>', 'the checkpoint printed by an earlier verify: also detect truncation since then')
    .option('--in-process', 'recompute every hash in this process instead of in PostgreSQL (slower, trusts only the rows)')
    .option('--json', 'machine-readable output')
    .action(async (options: { expect?: string; inProcess?: boolean; json?: boolean }) => {
      let expectedHeads: ChainHead[] | undefined;
      if (options.expect !== undefined) {
        expectedHeads = parseCheckpoint(options.expect);
        if (!expectedHeads) throw new CliError('--expect must be a checkpoint printed by audit verify: chain:seq:hash[,chain:seq:hash…]', 2);
      }
      const verify = options.inProcess ? verifyAuditChainInProcess : verifyAuditChain;
      const result = await withDatabase(({ db }) => verify(db, expectedHeads ? { expectedHeads } : {}));
      const out = stdout(options.json ?? false);
      if (out.json) print(out, { ...result, checkpoint: formatCheckpoint(result.heads) });
      else if (result.ok) out.write(`audit chain OK: ${result.checked} events\ncheckpoint: ${formatCheckpoint(result.heads) || '(empty log)'}\n`);
      else out.write(`audit chain BROKEN at chain ${result.broken?.chain} event ${result.broken?.seq}${result.broken?.id ? ` (${result.broken.id})` : ''}: ${result.broken?.reason}\n`);
      if (!result.ok) process.exitCode = 1;
    });

  const SIGNING_ALGORITHMS = ['ES256', 'EdDSA'] as const;
  // The auth module loads the whole OAuth server: import it only when a keys command runs.
  const auth = () => import('#src/auth/index.ts');
  const keys = program.command('keys').description('token signing keys (running nodes pick changes up within a minute)');
  keys
    .command('list')
    .option('--json', 'machine-readable output')
    .description('list signing keys, newest first')
    .action(async (options: { json?: boolean }) => {
      const { listSigningKeys } = await auth();
      const list = await withDatabase(({ db }) => listSigningKeys(db));
      print(stdout(options.json ?? false), list, ['kid', 'alg', 'createdAt', 'retiredAt']);
    });
  keys
    .command('rotate')
    .option('--alg <alg>', `algorithm (${SIGNING_ALGORITHMS.join(', ')})`, 'ES256')
    .description('create a new signing key; tokens are signed with it from now on, older keys stay published until retired')
    .action(async (options: { alg: string }) => {
      if (!(SIGNING_ALGORITHMS as readonly string[]).includes(options.alg)) throw new CliError(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`, 2);
      const config = loadConfig();
      const { key } = await loadOrCreateMasterKey(config.dataDir, config.masterKey);
      const { rotateSigningKey } = await auth();
      const kid = await withDatabase(({ db }) => rotateSigningKey({ db, clock: systemClock, masterKey: key }, { kind: 'system' }, options.alg as (typeof SIGNING_ALGORITHMS)[number]));
      process.stdout.write(`new signing key ${kid}\n`);
    });
  keys
    .command('retire')
    .argument('<kid>')
    .description('stop publishing a key: tokens it signed stop being accepted')
    .action(async (kid: string) => {
      const config = loadConfig();
      const { key } = await loadOrCreateMasterKey(config.dataDir, config.masterKey);
      const { retireSigningKey } = await auth();
      await withDatabase(({ db }) => retireSigningKey({ db, clock: systemClock, masterKey: key }, { kind: 'system' }, kid));
      process.stdout.write(`retired ${kid}\n`);
    });

  program
    .command('migrate')
    .description('apply pending database migrations (start-up does this too)')
    .action(async () => {
      const applied = await withDatabase(({ db }) => migrateToLatest(db));
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
    });
}
