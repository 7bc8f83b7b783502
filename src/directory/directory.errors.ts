import { AppError } from '#src/core/errors.ts';

/** Error codes of the directory module (rendered in Graph's error shape by the HTTP layer). */
export const DirectoryErrorCodes = {
  USER_NOT_FOUND: { status: 404, description: 'No user has this id or userPrincipalName.' },
  GROUP_NOT_FOUND: { status: 404, description: 'No group has this id.' },
  OBJECT_NOT_FOUND: { status: 404, description: 'No directory object (user, group, service principal) has this id.' },
  DUPLICATE_VALUE: { status: 400, description: 'Another object already has this value for a unique property (e.g. userPrincipalName).' },
  ALREADY_MEMBER: { status: 400, description: 'The object is already a member or owner, or the role is already assigned.' },
  INVALID_VALUE: { status: 400, description: 'A property value is not acceptable (message names the property).' },
  LAST_GLOBAL_ADMIN: { status: 400, description: 'The change would leave the tenant without an enabled Global Administrator.' },
  APPLICATION_NOT_FOUND: { status: 404, description: 'No application has this id or appId.' },
  DOMAIN_NOT_ALLOWED: { status: 400, description: "The invited address's domain is not allowed by the external collaboration settings (allow or block list)." },
  REDEEM_LINK_INVALID: { status: 400, description: 'The redeem link is unknown or was altered.' },
  INVITATION_EXPIRED: { status: 400, description: 'The invitation expired or was replaced by a newer one.' },
  INVITATION_ALREADY_REDEEMED: { status: 400, description: 'The invitation was already accepted; sign in instead.' },
  REDEMPTION_BLOCKED: { status: 403, description: 'The tenant no longer allows this redemption (domain blocked, account disabled, redirect no longer allowed).' },
  PARTNER_NOT_FOUND: { status: 404, description: 'No cross-tenant access settings exist for this partner tenant id or issuer.' },
  CONNECTED_ORGANIZATION_NOT_FOUND: { status: 404, description: 'No partner organization (connectedOrganization) has this id.' },
  INVALID_CSV: { status: 400, description: 'The uploaded CSV file cannot be used as a whole (the message names the problem); bad rows alone are reported per row instead.' },
  INVITATION_NOT_FOUND: { status: 404, description: 'No invitation has this id.' },
  ROLE_NOT_FOUND: { status: 404, description: 'No role definition or role assignment has this id.' },
  BULK_JOB_NOT_FOUND: { status: 404, description: 'No bulk invitation job has this id, or the caller neither created it nor holds User.Invite.All.' },
  BULK_JOB_NOT_FINISHED: { status: 409, description: 'The bulk invitation job is still running: its result file exists once its status is completed or failed.' },
} as const;

type Code = keyof typeof DirectoryErrorCodes;

export const directoryError = (code: Code, message: string): AppError => new AppError(code, DirectoryErrorCodes[code].status, message);
