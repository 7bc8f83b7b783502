import { Type } from 'typebox';
import { Guid, NullableString, ODataType, Nullable } from './common.ts';

const Identity = Type.Object({ signInType: Type.String(), issuer: Type.String(), issuerAssignedId: Type.String() });

export const User = Type.Object(
  {
    '@odata.type': Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    displayName: Type.Optional(Type.String()),
    givenName: Type.Optional(Nullable(Type.String())),
    surname: Type.Optional(Nullable(Type.String())),
    mail: Type.Optional(Nullable(Type.String())),
    mailNickname: Type.Optional(Nullable(Type.String())),
    userPrincipalName: Type.Optional(Type.String()),
    userType: Type.Optional(Type.String()),
    externalUserState: Type.Optional(Nullable(Type.String())),
    externalUserStateChangeDateTime: Type.Optional(Nullable(Type.String())),
    creationType: Type.Optional(Nullable(Type.String())),
    identities: Type.Optional(Type.Array(Identity)),
    otherMails: Type.Optional(Type.Array(Type.String())),
    accountEnabled: Type.Optional(Type.Boolean()),
    companyName: Type.Optional(Nullable(Type.String())),
    employeeType: Type.Optional(Nullable(Type.String())),
    department: Type.Optional(Nullable(Type.String())),
    jobTitle: Type.Optional(Nullable(Type.String())),
    usageLocation: Type.Optional(Nullable(Type.String())),
    createdDateTime: Type.Optional(Type.String()),
    signInActivity: Type.Optional(
      Type.Object({
        lastSignInDateTime: Nullable(Type.String()),
        lastNonInteractiveSignInDateTime: Nullable(Type.String()),
        lastSuccessfulSignInDateTime: Nullable(Type.String()),
      }),
    ),
    sponsors: Type.Optional(Type.Array(Type.Object({ id: Type.String() }, { additionalProperties: true }))),
  },
  { $id: 'User', additionalProperties: true },
);

const writable = {
  '@odata.type': ODataType,
  givenName: Type.Optional(NullableString({ maxLength: 64 })),
  surname: Type.Optional(NullableString({ maxLength: 64 })),
  mail: Type.Optional(NullableString({ maxLength: 256 })),
  companyName: Type.Optional(NullableString({ maxLength: 64 })),
  employeeType: Type.Optional(NullableString({ maxLength: 64 })),
  department: Type.Optional(NullableString({ maxLength: 64 })),
  jobTitle: Type.Optional(NullableString({ maxLength: 128 })),
  usageLocation: Type.Optional(Nullable(Type.String({ pattern: '^[A-Z]{2}$' }))),
  otherMails: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 20 })),
};

export const CreateUserBody = Type.Object(
  {
    ...writable,
    accountEnabled: Type.Boolean(),
    displayName: Type.String({ minLength: 1, maxLength: 256 }),
    mailNickname: Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9._%+'#-]+$" }),
    userPrincipalName: Type.String({ minLength: 3, maxLength: 113 }),
    // Optional in Gatehouse (required in Entra): most users sign in through their own organization, never locally.
    passwordProfile: Type.Optional(
      Type.Object(
        { password: Type.String({ minLength: 1, maxLength: 256 }), forceChangePasswordNextSignIn: Type.Optional(Type.Boolean()), forceChangePasswordNextSignInWithMfa: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    ...writable,
    accountEnabled: Type.Optional(Type.Boolean()),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    mailNickname: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9._%+'#-]+$" })),
    userPrincipalName: Type.Optional(Type.String({ minLength: 3, maxLength: 113 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UserIdRef = Type.Object({ id: Guid });
