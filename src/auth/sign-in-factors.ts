import type { Db } from '#src/store/index.ts';
import type { MfaDeps } from './mfa-deps.ts';
import { mfaMethodSummary } from './mfa-methods.service.ts';
import { verifyRecoveryCode } from './mfa-recovery-codes.service.ts';
import { beginTotpEnrolment, finishTotpEnrolment, verifyTotp } from './mfa-totp.service.ts';
import { verifyWebAuthnAuthentication, verifyWebAuthnRegistration, webauthnAuthenticationOptions, webauthnRegistrationOptions } from './webauthn.service.ts';

/**
 * The second factors as the sign-in pipeline sees them: what a user has, and one `verify` for every kind of
 * proof, answering with the amr value the proof adds (otp, hwk, rc). The checks themselves (replay, counters,
 * throttling, their audit) belong to the MFA services.
 */
export interface SecondFactorSummary {
  totp: boolean;
  webauthn: boolean;
  recoveryCodesLeft: number;
  perUserMfaState: 'disabled' | 'enforced';
}

export type SecondFactorProof =
  | { type: 'totp'; code: string }
  | { type: 'recoveryCode'; code: string }
  | { type: 'webauthn'; response: unknown }
  | { type: 'totpEnrolment'; enrolmentId: string; code: string; displayName?: string }
  | { type: 'passkeyRegistration'; response: unknown; displayName?: string };

export type FactorResult = { ok: true; amr: string } | { ok: false; amr: string; message: string };

/** The amr value each kind of proof adds. */
export const AMR_OF_PROOF: Record<SecondFactorProof['type'], string> = { totp: 'otp', recoveryCode: 'rc', webauthn: 'hwk', totpEnrolment: 'otp', passkeyRegistration: 'hwk' };
const REFUSED: Record<SecondFactorProof['type'], string> = {
  totp: 'The code is wrong, expired or was already used. Enter the current code from your authenticator app.',
  recoveryCode: 'The recovery code is wrong or was already used.',
  webauthn: 'The passkey was not accepted.',
  totpEnrolment: 'The code does not match the new authenticator: check the device clock and enter the current code.',
  passkeyRegistration: 'The passkey could not be registered.',
};

async function check(deps: MfaDeps, userId: string, proof: SecondFactorProof): Promise<boolean> {
  switch (proof.type) {
    case 'totp':
      return verifyTotp(deps, userId, proof.code);
    case 'recoveryCode':
      return verifyRecoveryCode(deps, userId, proof.code);
    case 'webauthn':
      return verifyWebAuthnAuthentication(deps, userId, proof.response);
    case 'totpEnrolment':
      try {
        await finishTotpEnrolment(deps, userId, proof.enrolmentId, proof.code, proof.displayName);
        return true;
      } catch (error) {
        // A wrong first code is a failed proof like any other (counted against the pending sign-in).
        if ((error as { code?: string }).code === 'MFA_CODE_INVALID') return false;
        throw error;
      }
    case 'passkeyRegistration':
      await verifyWebAuthnRegistration(deps, userId, proof.response, proof.displayName);
      return true;
  }
}

export const secondFactors = {
  summary: (db: Db, userId: string): Promise<SecondFactorSummary> => mfaMethodSummary(db, userId),
  async verify(deps: MfaDeps, userId: string, proof: SecondFactorProof): Promise<FactorResult> {
    const amr = AMR_OF_PROOF[proof.type];
    // A lock-out or a malformed proof throws with the MFA service's own message.
    return (await check(deps, userId, proof)) ? { ok: true, amr } : { ok: false, amr, message: REFUSED[proof.type] };
  },
  webauthnAuthenticationOptions: (deps: MfaDeps, userId: string) => webauthnAuthenticationOptions(deps, userId),
  webauthnRegistrationOptions: (deps: MfaDeps, userId: string) => webauthnRegistrationOptions(deps, userId),
  beginTotpEnrolment: (deps: MfaDeps, userId: string) => beginTotpEnrolment(deps, userId),
};
