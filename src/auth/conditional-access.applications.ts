import { GRAPH_APP_ID } from '#src/directory/index.ts';
import { GATEHOUSE_CLI_CLIENT_ID } from './oauth-clients.ts';

/**
 * Gatehouse's own applications, which Conditional Access policies can name like registered apps: the portal (every
 * browser sign-in), the Graph-compatible API, and the CLI.
 * The portal id is also exported as GATEHOUSE_PORTAL_APP_ID (defined here, a leaf, so no import cycle).
 */
export const PORTAL_APP_ID = '5f1c2a8e-7d34-4b6f-9a0e-3c8d1b7e2f45';

export interface KnownApplication {
  appId: string;
  displayName: string;
}

export const BUILT_IN_APPLICATIONS: readonly KnownApplication[] = [
  { appId: PORTAL_APP_ID, displayName: 'Gatehouse portal' },
  { appId: GRAPH_APP_ID, displayName: 'Gatehouse API (Microsoft Graph-compatible)' },
  { appId: GATEHOUSE_CLI_CLIENT_ID, displayName: 'Gatehouse CLI' },
];
