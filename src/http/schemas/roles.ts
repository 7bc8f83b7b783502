import { Type } from 'typebox';
import { Guid, ODataType } from './common.ts';

export const RoleDefinition = Type.Object(
  {
    id: Type.String(),
    templateId: Type.String(),
    displayName: Type.String(),
    description: Type.String(),
    isBuiltIn: Type.Boolean(),
    isEnabled: Type.Boolean(),
    version: Type.String(),
    resourceScopes: Type.Array(Type.String()),
    rolePermissions: Type.Array(Type.Object({ allowedResourceActions: Type.Array(Type.String()), condition: Type.Union([Type.String(), Type.Null()]) })),
  },
  { $id: 'RoleDefinition' },
);

export const RoleAssignment = Type.Object(
  { id: Type.String(), principalId: Type.String(), roleDefinitionId: Type.String(), directoryScopeId: Type.String() },
  { $id: 'RoleAssignment', additionalProperties: true },
);

export const CreateRoleAssignmentBody = Type.Object(
  { '@odata.type': ODataType, principalId: Guid, roleDefinitionId: Guid, directoryScopeId: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
