/** Who did it: a signed-in user, an application (client credentials), or Gatehouse itself. */
export type Actor =
  | { kind: 'user'; id: string; displayName?: string | null; userPrincipalName?: string | null; ipAddress?: string | null }
  | { kind: 'app'; appId: string; servicePrincipalId: string; displayName?: string | null; ipAddress?: string | null }
  | { kind: 'system' };

export interface ModifiedProperty {
  displayName: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface AuditTarget {
  id: string;
  /** User, Group, Application, ServicePrincipal, Role, Directory, ... */
  type: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  modifiedProperties?: ModifiedProperty[];
}

/** Graph's directoryAudit, as returned by /v1.0/auditLogs/directoryAudits. */
export interface DirectoryAudit {
  id: string;
  activityDateTime: string;
  activityDisplayName: string;
  category: string;
  correlationId: string | null;
  initiatedBy: {
    user: { id: string; displayName: string | null; userPrincipalName: string | null; ipAddress: string | null } | null;
    app: { appId: string; displayName: string | null; servicePrincipalId: string; servicePrincipalName: string | null } | null;
  };
  loggedByService: string;
  operationType: string;
  result: 'success' | 'failure';
  resultReason: string;
  targetResources: {
    id: string;
    type: string;
    displayName: string | null;
    userPrincipalName: string | null;
    modifiedProperties: ModifiedProperty[];
  }[];
  additionalDetails: { key: string; value: string }[];
}
