import { Type } from 'typebox';
import { Guid, NullableString, ODataType, Nullable } from './common.ts';

export const Group = Type.Object(
  {
    '@odata.type': Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    displayName: Type.Optional(Type.String()),
    description: Type.Optional(Nullable(Type.String())),
    mailNickname: Type.Optional(Type.String()),
    mailEnabled: Type.Optional(Type.Boolean()),
    securityEnabled: Type.Optional(Type.Boolean()),
    groupTypes: Type.Optional(Type.Array(Type.String())),
    membershipRule: Type.Optional(Nullable(Type.String())),
    membershipRuleProcessingState: Type.Optional(Nullable(Type.String())),
    createdDateTime: Type.Optional(Type.String()),
  },
  { $id: 'Group', additionalProperties: true },
);

/** Graph lets group creation bind owners and members: "owners@odata.bind": [".../users/{id}"]. */
export const CreateGroupBody = Type.Object(
  {
    '@odata.type': ODataType,
    displayName: Type.String({ minLength: 1, maxLength: 256 }),
    description: Type.Optional(NullableString({ maxLength: 1024 })),
    mailNickname: Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9._%+'#-]+$" }),
    mailEnabled: Type.Boolean(),
    securityEnabled: Type.Boolean(),
    groupTypes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 4 })),
    'owners@odata.bind': Type.Optional(Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 20 })),
    'members@odata.bind': Type.Optional(Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const UpdateGroupBody = Type.Object(
  {
    '@odata.type': ODataType,
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    description: Type.Optional(NullableString({ maxLength: 1024 })),
    mailNickname: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9._%+'#-]+$" })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const GroupIdRef = Type.Object({ id: Guid });
