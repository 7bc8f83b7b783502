import { Type } from 'typebox';
import { Guid, Nullable, ODataType } from './common.ts';

const Recipient = Type.Object(
  { emailAddress: Type.Object({ address: Type.String({ maxLength: 254 }), name: Type.Optional(Nullable(Type.String({ maxLength: 256 }))) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

const MessageInfo = Type.Object(
  {
    '@odata.type': ODataType,
    customizedMessageBody: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
    messageLanguage: Type.Optional(Nullable(Type.String({ maxLength: 20 }))),
    ccRecipients: Type.Optional(Type.Array(Recipient, { maxItems: 5 })),
  },
  { additionalProperties: false },
);

export const CreateInvitationBody = Type.Object(
  {
    '@odata.type': ODataType,
    invitedUserEmailAddress: Type.String({ minLength: 1, maxLength: 254 }),
    inviteRedirectUrl: Type.String({ minLength: 1, maxLength: 2000 }),
    invitedUserDisplayName: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
    invitedUserType: Type.Optional(Type.Union([Type.Literal('Guest'), Type.Literal('Member')])),
    sendInvitationMessage: Type.Optional(Type.Boolean()),
    invitedUserMessageInfo: Type.Optional(Nullable(MessageInfo)),
    resetRedemption: Type.Optional(Type.Boolean()),
    invitedUser: Type.Optional(Nullable(Type.Object({ '@odata.type': ODataType, id: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }))),
    invitedUserSponsors: Type.Optional(Nullable(Type.Array(Type.Object({ '@odata.type': ODataType, id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }), { maxItems: 20 }))),
  },
  { additionalProperties: false },
);

const invitationProperties = {
  id: Guid,
  invitedUserDisplayName: Nullable(Type.String()),
  invitedUserEmailAddress: Type.String(),
  invitedUserType: Type.String(),
  inviteRedirectUrl: Type.String(),
  sendInvitationMessage: Type.Boolean(),
  invitedUserMessageInfo: Type.Object({ customizedMessageBody: Nullable(Type.String()), messageLanguage: Nullable(Type.String()), ccRecipients: Type.Array(Recipient) }),
  resetRedemption: Type.Boolean(),
  status: Type.String(),
  invitedUser: Type.Object({ id: Guid }),
};

export const Invitation = Type.Object(
  { '@odata.context': Type.Optional(Type.String()), ...invitationProperties, inviteRedeemUrl: Type.String({ description: 'Shown once: give it to the invitee (or let Gatehouse mail it).' }) },
  { $id: 'Invitation' },
);

export const ListedInvitation = Type.Object(
  { ...invitationProperties, createdDateTime: Type.String(), expirationDateTime: Type.String(), redeemedDateTime: Nullable(Type.String()) },
  { $id: 'ListedInvitation' },
);

const settingsProperties = {
  allowInvitesFrom: Type.Union([Type.Literal('none'), Type.Literal('adminsAndGuestInviters'), Type.Literal('adminsGuestInvitersAndAllMembers'), Type.Literal('everyone')]),
  guestUserRoleId: Guid,
  allowExternalIdentitiesToLeave: Type.Boolean(),
  emailOneTimePasscode: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
  allowedDomains: Type.Array(Type.String({ maxLength: 253 }), { maxItems: 1000 }),
  blockedDomains: Type.Array(Type.String({ maxLength: 253 }), { maxItems: 1000 }),
  invitationLifetimeInDays: Type.Integer({ minimum: 1, maximum: 365 }),
  allowedRedirectUrls: Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 100 }),
  termsOfUseUrl: Nullable(Type.String({ maxLength: 2000 })),
  privacyStatementUrl: Nullable(Type.String({ maxLength: 2000 })),
};

export const ExternalCollaborationSettings = Type.Object(settingsProperties, { $id: 'ExternalCollaborationSettings' });
export const ExternalCollaborationPatch = Type.Partial(Type.Object({ '@odata.type': ODataType, ...settingsProperties }), { additionalProperties: false });

export const AuthorizationPolicy = Type.Object({
  '@odata.context': Type.Optional(Type.String()),
  id: Type.String(),
  displayName: Type.String(),
  description: Type.String(),
  allowInvitesFrom: settingsProperties.allowInvitesFrom,
  guestUserRoleId: Guid,
});
export const AuthorizationPolicyPatch = Type.Object(
  { '@odata.type': ODataType, allowInvitesFrom: Type.Optional(settingsProperties.allowInvitesFrom), guestUserRoleId: Type.Optional(Guid) },
  { additionalProperties: false },
);

export const ExternalIdentitiesPolicy = Type.Object({
  '@odata.context': Type.Optional(Type.String()),
  id: Type.String(),
  displayName: Type.String(),
  allowExternalIdentitiesToLeave: Type.Boolean(),
  allowDeletedIdentitiesDataRemoval: Type.Boolean(),
});
export const ExternalIdentitiesPolicyPatch = Type.Object(
  { '@odata.type': ODataType, allowExternalIdentitiesToLeave: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const OutboxMessage = Type.Object({
  id: Guid,
  kind: Type.String(),
  relatedId: Nullable(Type.String()),
  toRecipients: Type.Array(Type.String()),
  ccRecipients: Type.Array(Type.String()),
  subject: Type.String(),
  body: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  createdDateTime: Type.String(),
  sentDateTime: Nullable(Type.String()),
});
