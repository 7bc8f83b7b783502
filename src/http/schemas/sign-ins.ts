import { Type } from 'typebox';
import { Nullable } from './common.ts';

const Str = Type.String();
const NStr = Nullable(Type.String());

const AppliedPolicy = Type.Object(
  {
    id: Str,
    displayName: Str,
    enforcedGrantControls: Type.Array(Str),
    enforcedSessionControls: Type.Array(Str),
    result: Type.String({ description: 'success, failure, notApplied, notEnabled, unknown, reportOnlySuccess, reportOnlyFailure, reportOnlyNotApplied, reportOnlyInterrupted' }),
    reasons: Type.Array(Str, { description: 'Gatehouse extension: why the policy applied or not' }),
  },
  { additionalProperties: true },
);

/** Graph's signIn (v1.0 plus the beta userType, authenticationRequirement, authenticationMethodsUsed). */
export const SignIn = Type.Object(
  {
    id: Str,
    createdDateTime: Type.String({ format: 'date-time' }),
    userId: NStr,
    userPrincipalName: Str,
    userDisplayName: NStr,
    userType: Nullable(Type.String({ description: 'member or guest (Graph beta signInUserType)' })),
    appId: Str,
    appDisplayName: Str,
    resourceId: NStr,
    resourceDisplayName: NStr,
    ipAddress: NStr,
    clientAppUsed: Str,
    isInteractive: Type.Boolean(),
    homeTenantId: NStr,
    resourceTenantId: NStr,
    correlationId: NStr,
    status: Type.Object({ errorCode: Type.Integer(), failureReason: NStr, additionalDetails: NStr }, { additionalProperties: true }),
    conditionalAccessStatus: Type.String({ description: 'success, failure or notApplied' }),
    appliedConditionalAccessPolicies: Type.Array(AppliedPolicy),
    deviceDetail: Type.Object({}, { additionalProperties: true }),
    location: Type.Object({}, { additionalProperties: true }),
    riskLevelDuringSignIn: Str,
    riskLevelAggregated: Str,
    riskState: Str,
    riskDetail: Str,
    riskEventTypes_v2: Type.Array(Str),
    riskReasons: Type.Array(Type.Object({ type: Str, detail: Str }), { description: 'Gatehouse extension: each risk signal with what was seen' }),
    authenticationRequirement: Str,
    authenticationMethodsUsed: Type.Array(Str),
    authenticationDetails: Type.Array(Type.Object({}, { additionalProperties: true })),
  },
  { $id: 'SignIn', additionalProperties: true },
);
