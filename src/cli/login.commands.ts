import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import * as oidc from 'openid-client';
import { credentialsFile } from './api-client.ts';
import { CliError } from './output.ts';

/** The built-in public client of the CLI (registered by the auth module). */
const CLI_CLIENT_ID = 'gatehouse-cli';

/**
 * `gatehouse login`: the OAuth device authorization grant (RFC 8628, via openid-client). The user opens the
 * printed URL in a browser where they are signed in to the portal (MFA and policies apply there), enters the code
 * and approves; the CLI stores the delegated access token (mode 0600) and acts with that user's roles.
 */
export function registerLoginCommands(program: Command): void {
  program
    .command('login')
    .description('sign in as yourself with a browser (device code); later commands act with your roles')
    .option('--url <url>', 'Gatehouse URL (default $GATEHOUSE_URL or http://localhost:8080)')
    .action(async (options: { url?: string }) => {
      const baseUrl = (options.url ?? process.env.GATEHOUSE_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
      const url = new URL(baseUrl);
      const insecure = url.protocol === 'http:';
      let config: oidc.Configuration;
      try {
        config = await oidc.discovery(url, CLI_CLIENT_ID, undefined, oidc.None(), insecure ? { execute: [oidc.allowInsecureRequests] } : undefined);
      } catch (error) {
        throw new CliError(`cannot reach ${baseUrl}: ${(error as Error).message}`);
      }
      const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid profile offline_access https://graph.microsoft.com/.default' });
      process.stderr.write(
        `To sign in, open ${device.verification_uri_complete ?? device.verification_uri}\nand confirm the code ${device.user_code} (valid ${Math.round(device.expires_in / 60)} minutes).\n`,
      );
      const tokens = await oidc.pollDeviceAuthorizationGrant(config, device);
      const file = credentialsFile();
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(
        file,
        JSON.stringify({ url: baseUrl, accessToken: tokens.access_token, expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000 }),
        { mode: 0o600 },
      );
      const claims = tokens.claims();
      process.stderr.write(`signed in${claims?.preferred_username ? ` as ${String(claims.preferred_username)}` : ''}; the token is saved in ${file}\n`);
    });

  program
    .command('logout')
    .description('forget the token saved by `gatehouse login`')
    .action(async () => {
      await rm(credentialsFile(), { force: true });
      process.stderr.write('signed out\n');
    });
}
