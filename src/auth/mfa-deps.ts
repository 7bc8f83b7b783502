import type { Actor, AuditTarget } from '#src/audit/index.ts';
import { getUserRow, type UserRow } from '#src/directory/index.ts';
import { isUuid } from '#src/core/crypto.ts';
import type { Db } from '#src/store/index.ts';
import type { AuthDeps } from './auth.deps.ts';
import { authError } from './auth.errors.ts';
import type { ThrottlePolicy } from './sign-in-throttle.ts';

/** What the MFA services need: the auth deps plus the master key (TOTP secrets, recovery code keys). */
export interface MfaDeps extends AuthDeps {
  masterKey: Buffer;
  /** Failure limits for second factors (default: the sign-in defaults, 5 failures per user in 15 minutes). */
  throttle?: ThrottlePolicy;
}

/** The user whose methods are read or changed; deleted (or unknown) users have none. */
export async function mfaUser(db: Db, userId: string): Promise<UserRow> {
  if (!isUuid(userId)) throw authError('INVALID_VALUE', `'${userId}' is not a user id.`);
  return getUserRow(db, userId);
}

export const userTarget = (user: UserRow, extra: Partial<AuditTarget> = {}): AuditTarget => ({
  id: user.id,
  type: 'User',
  displayName: user.display_name,
  userPrincipalName: user.user_principal_name,
  ...extra,
});

/** The user acting on their own methods (self-service), when the caller did not pass a richer actor. */
export const selfActor = (user: UserRow, ipAddress: string | null = null): Actor => ({
  kind: 'user',
  id: user.id,
  displayName: user.display_name,
  userPrincipalName: user.user_principal_name,
  ipAddress,
});

/** A display name given for a method: trimmed, 1-256 characters; the default when absent. */
export function methodDisplayName(value: unknown, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !value.trim() || value.trim().length > 256) throw authError('INVALID_VALUE', 'displayName must be 1 to 256 characters.');
  return value.trim();
}
