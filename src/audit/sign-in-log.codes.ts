/**
 * The `status.errorCode` values Gatehouse writes in the sign-in log: Entra's AADSTS numbers, so scripts and SIEM
 * rules written for Entra's sign-in logs read Gatehouse's the same way. The reasons are Entra's wording.
 * docs/graph-compat.md lists them; add a code here before the pipeline uses it.
 */
export const SIGN_IN_ERROR_CODES = {
  success: { code: 0, reason: null },
  invalidCredentials: { code: 50126, reason: 'Error validating credentials due to invalid username or password.' },
  userNotFound: { code: 50034, reason: 'The user account does not exist in the directory.' },
  accountLocked: { code: 50053, reason: 'Account is locked because the user tried to sign in too many times with an incorrect user ID or password.' },
  accountDisabled: { code: 50057, reason: 'The user account is disabled.' },
  passwordExpired: { code: 50055, reason: 'The password is expired.' },
  mfaRequired: { code: 50074, reason: 'Strong Authentication is required.' },
  mfaRequiredInterrupt: { code: 50076, reason: 'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.' },
  mfaRegistrationRequired: { code: 50072, reason: 'User needs to enroll for second factor authentication.' },
  mfaFailed: { code: 500121, reason: 'Authentication failed during strong authentication request.' },
  externalSecurityChallenge: { code: 50158, reason: 'External security challenge was not satisfied.' },
  blockedByConditionalAccess: { code: 53003, reason: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.' },
  deviceNotCompliant: { code: 53000, reason: 'Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant.' },
  sessionRevoked: { code: 50173, reason: 'The provided grant has expired due to it being revoked, a fresh auth token is needed.' },
  reauthenticationRequired: { code: 70044, reason: 'The session has expired or is invalid due to sign-in frequency checks by conditional access.' },
  guestIdentityMismatch: { code: 90072, reason: 'The external account the user signed in with does not exist in the tenant; the guest must sign in with the identity that redeemed the invitation.' },
  blockedByCrossTenantAccess: { code: 500213, reason: "The user's home tenant is not allowed by the resource tenant's cross-tenant access policy." },
  flowExpired: { code: 50089, reason: 'Authentication failed due to flow token expired.' },
} as const satisfies Record<string, { code: number; reason: string | null }>;

export type SignInErrorName = keyof typeof SIGN_IN_ERROR_CODES;

const REASONS = new Map<number, string | null>(Object.values(SIGN_IN_ERROR_CODES).map((e) => [e.code, e.reason]));

/** Entra's failure reason for a code, or undefined when Gatehouse does not know the code. */
export const failureReasonFor = (code: number): string | null | undefined => REASONS.get(code);

/**
 * Failures that are attempts at credentials (wrong password, unknown account, attempts during a lock-out, a
 * failed second factor): the ones the brute-force and password-spray signals count. A sign-in blocked by a policy
 * is not a guess.
 */
export const CREDENTIAL_FAILURE_CODES: readonly number[] = [
  SIGN_IN_ERROR_CODES.invalidCredentials.code,
  SIGN_IN_ERROR_CODES.userNotFound.code,
  SIGN_IN_ERROR_CODES.accountLocked.code,
  SIGN_IN_ERROR_CODES.mfaFailed.code,
];
