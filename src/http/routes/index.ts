import type { App, RouteDeps } from '../types.ts';
import { applicationRoutes } from './applications.routes.ts';
import { authenticationMethodRoutes } from './authentication-methods.routes.ts';
import { auditRoutes } from './audit.routes.ts';
import { signInRoutes } from './sign-ins.routes.ts';
import { bulkInvitationRoutes } from './bulk-invitations.routes.ts';
import { conditionalAccessRoutes } from './conditional-access.routes.ts';
import { groupRoutes } from './groups.routes.ts';
import { healthRoutes } from './health.routes.ts';
import { invitationRoutes } from './invitations.routes.ts';
import { oauthInteractionRoutes } from './oauth-interaction.routes.ts';
import { myAccountRoutes } from './my-account.routes.ts';
import { partnerRoutes } from './partners.routes.ts';
import { portalRoutes } from './portal.routes.ts';
import { redemptionRoutes } from './redemption.routes.ts';
import { roleRoutes } from './roles.routes.ts';
import { userRoutes } from './users.routes.ts';
import { signInFlowRoutes } from './sign-in.routes.ts';
import { emergencyAccessRoutes } from './emergency-access.routes.ts';

/** Every route of the HTTP API, registered in one place. */
export async function registerRoutes(app: App, deps: RouteDeps): Promise<void> {
  healthRoutes(app, deps);
  portalRoutes(app, deps);
  oauthInteractionRoutes(app, deps);
  userRoutes(app, deps);
  groupRoutes(app, deps);
  roleRoutes(app, deps);
  applicationRoutes(app, deps);
  auditRoutes(app, deps);
  signInRoutes(app, deps);
  invitationRoutes(app, deps);
  bulkInvitationRoutes(app, deps);
  redemptionRoutes(app, deps);
  partnerRoutes(app, deps);
  conditionalAccessRoutes(app, deps);
  myAccountRoutes(app, deps);
  signInFlowRoutes(app, deps);
  emergencyAccessRoutes(app, deps);
  authenticationMethodRoutes(app, deps);
}
