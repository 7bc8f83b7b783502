import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '#src/config/index.ts';
import { isAppError } from '#src/core/errors.ts';
import { registerDirectoryCommands } from './directory.commands.ts';
import { registerInviteCommands } from './invite.commands.ts';
import { registerLoginCommands } from './login.commands.ts';
import { registerOfflineCommands } from './offline.commands.ts';
import { CliError } from './output.ts';

/**
 * The `gatehouse` command. `start` runs the server; `audit verify` and `migrate` run in-process against the
 * database; every other command is a client of the /v1.0 API (same permissions and audit as any client).
 */
const program = new Command('gatehouse')
  .description('Gatehouse: third-party privileged access with a Microsoft Graph-compatible API')
  .showHelpAfterError()
  .exitOverride();

program
  .command('start')
  .description('start the server (UI, API, OAuth) with the configuration from the environment and gatehouse.config.json')
  .action(async () => {
    const config = loadConfig();
    // Loaded here, not at the top: other commands should not pay for (or print warnings of) the whole server.
    const { startGatehouse } = await import('#src/main.ts');
    const gatehouse = await startGatehouse(config);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`received ${signal}, shutting down\n`);
      gatehouse.close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

registerOfflineCommands(program);
registerLoginCommands(program);
registerDirectoryCommands(program);
registerInviteCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof ConfigError) {
    process.stderr.write(`gatehouse: configuration error: ${error.message}\n`);
    process.exitCode = 78; // EX_CONFIG
  } else if (error instanceof CliError) {
    process.stderr.write(`gatehouse: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else if (isAppError(error) && error.expose) {
    process.stderr.write(`gatehouse: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`gatehouse: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
