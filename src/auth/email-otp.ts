import { randomInt } from 'node:crypto';
import { constantTimeEqual, sha256Hex } from '#src/core/crypto.ts';

/**
 * Email one-time passcodes: 6 digits from the CSPRNG, valid 30 minutes, at most 5 tries per code, at most 5 codes
 * per hour for the same invitation or guest, and 30 seconds between two codes. Only a hash bound to the flow is
 * stored, so a stored hash cannot be replayed in another flow.
 */
export const OTP_DIGITS = 6;
export const OTP_LIFETIME_MINUTES = 30;
export const OTP_MAX_TRIES = 5;
export const OTP_MAX_SENDS_PER_HOUR = 5;
export const OTP_RESEND_SECONDS = 30;

export const newOtp = (): string => String(randomInt(0, 10 ** OTP_DIGITS)).padStart(OTP_DIGITS, '0');
export const otpHash = (bindTo: string, code: string): string => sha256Hex(`otp:${bindTo}:${code}`);
export const otpMatches = (bindTo: string, code: string, stored: string): boolean => /^\d{6}$/.test(code) && constantTimeEqual(otpHash(bindTo, code), stored);
