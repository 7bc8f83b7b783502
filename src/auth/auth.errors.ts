import { AppError } from '#src/core/errors.ts';

/** Error codes of the auth module (rendered in Graph's error shape by the HTTP layer). */
export const AuthErrorCodes = {
  INVALID_CREDENTIALS: { status: 401, description: 'The user name or password is incorrect (also for unknown and disabled accounts, so the answer reveals nothing).' },
  SIGN_IN_LOCKED: { status: 429, description: 'Too many failed sign-in attempts for this account or from this address; retry after the time in the message.' },
  INVALID_SETUP_LINK: { status: 400, description: 'The set-password link is unknown, used or expired.' },
  PASSWORD_REJECTED: { status: 400, description: 'The new password does not meet the password rules (message says which).' },
  PASSWORD_CHANGE_REQUIRED: { status: 403, description: 'The credentials are right but the password must be changed first: sign in again with a new password.' },
  CSRF_MISMATCH: { status: 403, description: 'The anti-forgery token of the request does not match the session.' },
  INTERACTION_NOT_FOUND: { status: 400, description: 'The OAuth sign-in request (interaction) expired, was completed, or its cookie is missing.' },
  INTERACTION_REFUSED: { status: 403, description: 'The signed-in user cannot complete this OAuth sign-in (disabled account or unsupported client).' },
  SIGNING_KEY_NOT_FOUND: { status: 404, description: 'No token signing key has this kid.' },
  SIGNING_KEY_IN_USE: { status: 400, description: 'The key is the newest active key of its algorithm; rotate before retiring it.' },
  REDEMPTION_NOT_FOUND: { status: 400, description: 'The invitation page (redemption flow) expired, was finished, or its cookie is missing: open the invitation link again.' },
  OTP_UNAVAILABLE: { status: 400, description: 'Email one-time passcodes are turned off (or not needed at this step).' },
  OTP_RATE_LIMITED: { status: 429, description: 'Too many one-time passcodes were asked for; the message says how long to wait.' },
  OTP_INVALID: { status: 400, description: 'The one-time passcode is wrong or expired; the message says how many tries are left.' },
  OTP_LOCKED: { status: 429, description: 'Five wrong codes: this code no longer works; ask for a new one.' },
  GUEST_NOT_FOUND: { status: 400, description: 'No accepted, enabled guest uses this address (redeem the invitation first).' },
  INVALID_VALUE: { status: 400, description: 'A property value is not acceptable (the message names the property).' },
  IDENTITY_PROVIDER_NOT_FOUND: { status: 404, description: 'No identity provider has this id.' },
  ISSUER_IN_USE: { status: 400, description: 'Another identity provider already has this issuer (entity id): guests bound to an issuer must lead to one provider.' },
  DOMAIN_IN_USE: { status: 400, description: 'A domain is already served by another identity provider (each domain leads to one provider).' },
  INVALID_METADATA: { status: 400, description: 'The SAML metadata (XML or URL) cannot be used; the message says what is missing.' },
  FEDERATION_FAILED: { status: 400, description: "The partner identity provider's answer was refused (wrong state, nonce, audience or signature, or a different email than invited); the message says which." },
} as const;

export type AuthErrorCode = keyof typeof AuthErrorCodes;

export const authError = (code: AuthErrorCode, message: string): AppError => new AppError(code, AuthErrorCodes[code].status, message);
