import { Type } from 'typebox';
import { Guid, Nullable, NullableString, ODataType } from './common.ts';

const PasswordCredential = Type.Object({
  keyId: Type.String(),
  displayName: Nullable(Type.String()),
  hint: Nullable(Type.String()),
  startDateTime: Type.String(),
  endDateTime: Type.String(),
  customKeyIdentifier: Nullable(Type.String()),
  secretText: Nullable(Type.String()),
});

const KeyCredential = Type.Object({
  keyId: Type.String(),
  type: Type.String(),
  usage: Type.String(),
  displayName: Nullable(Type.String()),
  startDateTime: Type.String(),
  endDateTime: Type.String(),
  customKeyIdentifier: Nullable(Type.String()),
  key: Type.Null(),
});

const RequiredResourceAccess = Type.Object(
  {
    resourceAppId: Guid,
    resourceAccess: Type.Array(Type.Object({ id: Guid, type: Type.Union([Type.Literal('Role'), Type.Literal('Scope')]) }, { additionalProperties: false }), { maxItems: 50 }),
  },
  { additionalProperties: false },
);

export const Application = Type.Object(
  {
    id: Type.String(),
    appId: Type.String(),
    displayName: Type.String(),
    description: Nullable(Type.String()),
    signInAudience: Type.String(),
    createdDateTime: Type.String(),
    requiredResourceAccess: Type.Array(RequiredResourceAccess),
    web: Type.Object({
      redirectUris: Type.Array(Type.String()),
      homePageUrl: Nullable(Type.String()),
      implicitGrantSettings: Type.Object({ enableIdTokenIssuance: Type.Boolean(), enableAccessTokenIssuance: Type.Boolean() }),
    }),
    publicClient: Type.Object({ redirectUris: Type.Array(Type.String()) }),
    spa: Type.Object({ redirectUris: Type.Array(Type.String()) }),
    passwordCredentials: Type.Array(PasswordCredential),
    keyCredentials: Type.Array(KeyCredential),
  },
  { $id: 'Application', additionalProperties: true },
);

const NewKeyCredential = Type.Object(
  {
    '@odata.type': ODataType,
    type: Type.Optional(Type.Literal('AsymmetricX509Cert')),
    usage: Type.Optional(Type.Literal('Verify')),
    key: Type.String({ minLength: 1, maxLength: 20000, description: 'X.509 certificate, base64 DER or PEM' }),
    displayName: Type.Optional(NullableString()),
  },
  { additionalProperties: false },
);

const RedirectUris = Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 20 });

/** Graph's web / publicClient / spa objects (redirect URIs are checked further by the directory: https, no fragment, no wildcard). */
const RedirectSettings = {
  web: Type.Optional(
    Type.Object(
      {
        '@odata.type': ODataType,
        redirectUris: Type.Optional(RedirectUris),
        homePageUrl: Type.Optional(NullableString({ maxLength: 1000 })),
        implicitGrantSettings: Type.Optional(
          Type.Object(
            { '@odata.type': ODataType, enableIdTokenIssuance: Type.Optional(Type.Boolean()), enableAccessTokenIssuance: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  ),
  publicClient: Type.Optional(Type.Object({ '@odata.type': ODataType, redirectUris: Type.Optional(RedirectUris) }, { additionalProperties: false })),
  spa: Type.Optional(Type.Object({ '@odata.type': ODataType, redirectUris: Type.Optional(RedirectUris) }, { additionalProperties: false })),
};

export const CreateApplicationBody = Type.Object(
  {
    '@odata.type': ODataType,
    displayName: Type.String({ minLength: 1, maxLength: 256 }),
    description: Type.Optional(NullableString({ maxLength: 1024 })),
    signInAudience: Type.Optional(Type.String({ maxLength: 64 })),
    requiredResourceAccess: Type.Optional(Type.Array(RequiredResourceAccess, { maxItems: 10 })),
    ...RedirectSettings,
    keyCredentials: Type.Optional(Type.Array(NewKeyCredential, { maxItems: 10 })),
  },
  { additionalProperties: false },
);

export const UpdateApplicationBody = Type.Object(
  {
    '@odata.type': ODataType,
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    description: Type.Optional(NullableString({ maxLength: 1024 })),
    ...RedirectSettings,
    keyCredentials: Type.Optional(Type.Array(NewKeyCredential, { maxItems: 10 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AddPasswordBody = Type.Object(
  {
    passwordCredential: Type.Optional(
      Type.Object(
        { displayName: Type.Optional(NullableString()), endDateTime: Type.Optional(Nullable(Type.String({ format: 'date-time' }))), '@odata.type': ODataType },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const RemovePasswordBody = Type.Object({ keyId: Guid }, { additionalProperties: false });
export { PasswordCredential };

export const ServicePrincipal = Type.Object(
  {
    id: Type.String(),
    appId: Type.String(),
    displayName: Type.String(),
    accountEnabled: Type.Boolean(),
    servicePrincipalType: Type.String(),
    createdDateTime: Type.String(),
    appRoles: Type.Array(Type.Object({ id: Type.String(), value: Type.String(), displayName: Type.String(), description: Type.String(), allowedMemberTypes: Type.Array(Type.String()), isEnabled: Type.Boolean(), origin: Type.String() })),
  },
  { $id: 'ServicePrincipal', additionalProperties: true },
);

export const CreateServicePrincipalBody = Type.Object({ '@odata.type': ODataType, appId: Guid, accountEnabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export const UpdateServicePrincipalBody = Type.Object({ '@odata.type': ODataType, accountEnabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 });

export const AppRoleAssignment = Type.Object({
  id: Type.String(),
  principalId: Type.String(),
  principalType: Type.String(),
  principalDisplayName: Type.String(),
  resourceId: Type.String(),
  resourceDisplayName: Type.String(),
  appRoleId: Type.String(),
  createdDateTime: Type.String(),
});

export const CreateAppRoleAssignmentBody = Type.Object(
  { '@odata.type': ODataType, principalId: Guid, resourceId: Guid, appRoleId: Guid },
  { additionalProperties: false },
);
