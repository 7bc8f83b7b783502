/**
 * The registry of audit events: one stable code per kind of change (`GH` + 4 digits + I for information or
 * W for a warning such as a failed or refused attempt). Docs, UI filters and alert rules are generated from this
 * list; a code is never reused or renumbered once it has landed.
 */
export interface AuditEventSpec {
  readonly code: string;
  /** directoryAudit.category */
  readonly category: string;
  /** directoryAudit.activityDisplayName (as Entra names the same activity where it has one). */
  readonly activity: string;
  /** directoryAudit.operationType */
  readonly operationType: 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign' | 'Other';
  readonly description: string;
}

export const auditEvents = {
  'tenant.created': { code: 'GH1001I', category: 'DirectoryManagement', activity: 'Create tenant', operationType: 'Add', description: 'First start created the tenant.' },
  'signingKey.created': { code: 'GH1002I', category: 'KeyManagement', activity: 'Create signing key', operationType: 'Add', description: 'A token signing key was generated.' },

  'user.created': { code: 'GH1101I', category: 'UserManagement', activity: 'Add user', operationType: 'Add', description: 'A user was created.' },
  'user.updated': { code: 'GH1102I', category: 'UserManagement', activity: 'Update user', operationType: 'Update', description: 'User properties changed (modifiedProperties lists them).' },
  'user.deleted': { code: 'GH1103I', category: 'UserManagement', activity: 'Delete user', operationType: 'Delete', description: 'A user was deleted.' },
  'user.passwordSet': { code: 'GH1104I', category: 'UserManagement', activity: 'Reset user password', operationType: 'Update', description: 'A password was set through a one-time link or by an administrator.' },
  'user.sessionsRevoked': { code: 'GH1105I', category: 'UserManagement', activity: 'Invalidate all refresh tokens for user', operationType: 'Update', description: 'All sign-in sessions of a user were revoked.' },
  'user.sponsorAdded': { code: 'GH1106I', category: 'UserManagement', activity: 'Add sponsor to user', operationType: 'Add', description: 'A sponsor was added to a user.' },
  'user.leftOrganization': { code: 'GH1108I', category: 'UserManagement', activity: 'Leave organization', operationType: 'Delete', description: 'A guest left the organization: soft-deleted, signed out, removed from every group and role (groupsLeft lists the groups).' },
  'user.restored': { code: 'GH1109I', category: 'UserManagement', activity: 'Restore user', operationType: 'Update', description: 'A deleted user was restored from deleted items.' },
  'user.purged': { code: 'GH1110I', category: 'UserManagement', activity: 'Hard delete user', operationType: 'Delete', description: 'A deleted user was removed for good (by an administrator, or 30 days after deletion).' },
  'user.sponsorRemoved': { code: 'GH1107I', category: 'UserManagement', activity: 'Remove sponsor from user', operationType: 'Delete', description: 'A sponsor was removed from a user.' },

  'group.created': { code: 'GH1201I', category: 'GroupManagement', activity: 'Add group', operationType: 'Add', description: 'A group was created.' },
  'group.updated': { code: 'GH1202I', category: 'GroupManagement', activity: 'Update group', operationType: 'Update', description: 'Group properties changed.' },
  'group.deleted': { code: 'GH1203I', category: 'GroupManagement', activity: 'Delete group', operationType: 'Delete', description: 'A group was deleted.' },
  'group.memberAdded': { code: 'GH1204I', category: 'GroupManagement', activity: 'Add member to group', operationType: 'Assign', description: 'A user or group became a direct member.' },
  'group.memberRemoved': { code: 'GH1205I', category: 'GroupManagement', activity: 'Remove member from group', operationType: 'Unassign', description: 'A direct member was removed.' },
  'group.ownerAdded': { code: 'GH1206I', category: 'GroupManagement', activity: 'Add owner to group', operationType: 'Assign', description: 'A user became an owner.' },
  'group.ownerRemoved': { code: 'GH1207I', category: 'GroupManagement', activity: 'Remove owner from group', operationType: 'Unassign', description: 'An owner was removed.' },

  'role.assignmentCreated': { code: 'GH1301I', category: 'RoleManagement', activity: 'Add member to role', operationType: 'Assign', description: 'A directory role was assigned.' },
  'role.assignmentDeleted': { code: 'GH1302I', category: 'RoleManagement', activity: 'Remove member from role', operationType: 'Unassign', description: 'A directory role assignment was removed.' },

  'application.created': { code: 'GH1401I', category: 'ApplicationManagement', activity: 'Add application', operationType: 'Add', description: 'An app registration was created.' },
  'application.updated': { code: 'GH1402I', category: 'ApplicationManagement', activity: 'Update application', operationType: 'Update', description: 'An app registration changed.' },
  'application.deleted': { code: 'GH1403I', category: 'ApplicationManagement', activity: 'Delete application', operationType: 'Delete', description: 'An app registration was deleted.' },
  'application.credentialAdded': { code: 'GH1404I', category: 'ApplicationManagement', activity: 'Update application – Certificates and secrets management', operationType: 'Add', description: 'A client secret or certificate was added (the secret itself is never logged).' },
  'application.credentialRemoved': { code: 'GH1405I', category: 'ApplicationManagement', activity: 'Update application – Certificates and secrets management', operationType: 'Delete', description: 'A client secret or certificate was removed.' },
  'servicePrincipal.created': { code: 'GH1411I', category: 'ApplicationManagement', activity: 'Add service principal', operationType: 'Add', description: 'A service principal was created.' },
  'servicePrincipal.updated': { code: 'GH1412I', category: 'ApplicationManagement', activity: 'Update service principal', operationType: 'Update', description: 'A service principal changed.' },
  'servicePrincipal.deleted': { code: 'GH1413I', category: 'ApplicationManagement', activity: 'Delete service principal', operationType: 'Delete', description: 'A service principal was deleted.' },
  'appRoleAssignment.created': { code: 'GH1414I', category: 'ApplicationManagement', activity: 'Add app role assignment to service principal', operationType: 'Assign', description: 'An application permission was granted.' },
  'appRoleAssignment.deleted': { code: 'GH1415I', category: 'ApplicationManagement', activity: 'Remove app role assignment from service principal', operationType: 'Unassign', description: 'An application permission was revoked.' },

  'auth.signedIn': { code: 'GH1501I', category: 'Authentication', activity: 'Sign in', operationType: 'Other', description: 'A user signed in to the portal.' },
  'auth.signInFailed': { code: 'GH1502W', category: 'Authentication', activity: 'Sign in', operationType: 'Other', description: 'A portal sign-in failed (wrong password, disabled account, unknown user).' },
  'auth.signedOut': { code: 'GH1503I', category: 'Authentication', activity: 'Sign out', operationType: 'Other', description: 'A user signed out.' },
  'auth.lockedOut': { code: 'GH1504W', category: 'Authentication', activity: 'Lock out', operationType: 'Other', description: 'Too many failed attempts locked an account or source address for a while.' },
  'auth.setupLinkIssued': { code: 'GH1505I', category: 'Authentication', activity: 'Issue one-time set-password link', operationType: 'Add', description: 'A one-time set-password link was issued.' },
  'auth.deviceCodeApproved': { code: 'GH1506I', category: 'Authentication', activity: 'Approve device sign-in', operationType: 'Other', description: 'A user approved a device-code sign-in (e.g. the gatehouse CLI).' },
  'auth.otpSent': { code: 'GH1508I', category: 'Authentication', activity: 'Send email one-time passcode', operationType: 'Other', description: 'A one-time passcode was sent to a guest who signs in by email (the code is never logged).' },
  'signingKey.retired': { code: 'GH1003I', category: 'KeyManagement', activity: 'Retire signing key', operationType: 'Delete', description: 'A token signing key was retired and is no longer published.' },
  'auth.authorizationApproved': { code: 'GH1507I', category: 'Authentication', activity: 'Approve application sign-in', operationType: 'Other', description: 'A signed-in user approved a browser sign-in (authorization code + PKCE) of the gatehouse CLI or of a registered application; details.consent says whether the user approved on the page (prompted) or an earlier consent covered it (remembered).' },

  'invitation.created': { code: 'GH1701I', category: 'UserManagement', activity: 'Invite external user', operationType: 'Add', description: 'A guest (or external member) was invited; the guest user exists from now on in state PendingAcceptance.' },
  'invitation.reset': { code: 'GH1702I', category: 'UserManagement', activity: 'Reset redemption status of external user', operationType: 'Update', description: 'An invitation was re-issued with resetRedemption: the old sign-in identity no longer works; id, memberships and assignments stay.' },
  'invitation.refused': { code: 'GH1703W', category: 'UserManagement', activity: 'Invite external user', operationType: 'Add', description: 'An invitation was refused by the invite policy or the domain allow/block list (the reason is in resultReason).' },
  'invitation.redemptionStarted': { code: 'GH1704I', category: 'UserManagement', activity: 'Start redemption of external user invitation', operationType: 'Other', description: 'An invitee opened a valid redeem link.' },
  'invitation.consented': { code: 'GH1705I', category: 'UserManagement', activity: 'Accept terms of use and privacy statement', operationType: 'Other', description: 'The invitee accepted the terms of use and privacy statement.' },
  'invitation.redeemed': { code: 'GH1706I', category: 'UserManagement', activity: 'Redeem external user invite', operationType: 'Update', description: 'The invitee redeemed the invitation; the identity that signed in (issuer and subject) is bound to the guest.' },
  'invitation.redemptionBlocked': { code: 'GH1707W', category: 'UserManagement', activity: 'Redeem external user invite', operationType: 'Other', description: 'A redemption was refused: domain no longer allowed, wrong identity, locked after too many wrong codes, or an invalid link (reason in resultReason).' },
  'invitation.otpSent': { code: 'GH1708I', category: 'UserManagement', activity: 'Send email one-time passcode', operationType: 'Other', description: 'A one-time passcode was sent to the invited address (the code is never logged).' },
  'mail.sent': { code: 'GH1801I', category: 'Other', activity: 'Send mail', operationType: 'Other', description: 'A message (invitation, sponsor notice, one-time passcode) was handed to the SMTP server.' },
  'mail.failed': { code: 'GH1802W', category: 'Other', activity: 'Send mail', operationType: 'Other', description: 'A message could not be delivered after every retry (the SMTP error is in resultReason).' },
  'mail.notSent': { code: 'GH1803W', category: 'Other', activity: 'Send mail', operationType: 'Other', description: 'No SMTP server is configured: the message stays in the outbox for an administrator to read.' },
  'partner.created': { code: 'GH2001I', category: 'EntitlementManagement', activity: 'Create connected organization', operationType: 'Add', description: 'A partner organization (connectedOrganization) was created.' },
  'partner.updated': { code: 'GH2002I', category: 'EntitlementManagement', activity: 'Update connected organization', operationType: 'Update', description: 'A partner organization changed (modifiedProperties lists the changes).' },
  'partner.deleted': { code: 'GH2003I', category: 'EntitlementManagement', activity: 'Delete connected organization', operationType: 'Delete', description: 'A partner organization was deleted.' },
  'partner.sponsorAdded': { code: 'GH2004I', category: 'EntitlementManagement', activity: 'Add sponsor to connected organization', operationType: 'Assign', description: 'An internal or external sponsor was added to a partner organization.' },
  'partner.sponsorRemoved': { code: 'GH2005I', category: 'EntitlementManagement', activity: 'Remove sponsor from connected organization', operationType: 'Unassign', description: 'A sponsor was removed from a partner organization.' },
  'identityProvider.created': { code: 'GH2011I', category: 'DirectoryManagement', activity: 'Add identity provider', operationType: 'Add', description: "A partner identity provider (OIDC or SAML) was added; its client secret is never logged." },
  'identityProvider.updated': { code: 'GH2012I', category: 'DirectoryManagement', activity: 'Update identity provider', operationType: 'Update', description: 'A partner identity provider changed (a new client secret shows only as changed).' },
  'identityProvider.deleted': { code: 'GH2013I', category: 'DirectoryManagement', activity: 'Delete identity provider', operationType: 'Delete', description: 'A partner identity provider was deleted.' },
  'emergencyAccess.accountAdded': { code: 'GH2401I', category: 'Policy', activity: 'Add emergency access account', operationType: 'Add', description: 'A cloud-only account was marked as an emergency-access (break-glass) account.' },
  'emergencyAccess.accountUpdated': { code: 'GH2402I', category: 'Policy', activity: 'Update emergency access account', operationType: 'Update', description: 'Whether an emergency-access account is left out of Conditional Access changed.' },
  'emergencyAccess.accountRemoved': { code: 'GH2403I', category: 'Policy', activity: 'Remove emergency access account', operationType: 'Delete', description: 'An account is no longer an emergency-access account.' },
  'emergencyAccess.settingsUpdated': { code: 'GH2404I', category: 'Policy', activity: 'Update emergency access alert settings', operationType: 'Update', description: 'Where emergency-access alerts go changed (a webhook secret shows only as changed).' },
  'emergencyAccess.alertRaised': { code: 'GH2405W', category: 'Authentication', activity: 'Emergency access account used', operationType: 'Other', description: 'Critical: an emergency-access account signed in or tried to, or is due for validation; the alert went to the webhook, mail and the portal banner.' },
  'emergencyAccess.alertAcknowledged': { code: 'GH2406I', category: 'Policy', activity: 'Acknowledge emergency access alert', operationType: 'Update', description: 'An administrator acknowledged an emergency-access alert.' },
  'auth.mfaCompleted': { code: 'GH2411I', category: 'Authentication', activity: 'Complete multifactor authentication', operationType: 'Other', description: 'A user completed a second factor (TOTP, passkey or recovery code) during sign-in or step-up.' },
  'auth.mfaFailed': { code: 'GH2412W', category: 'Authentication', activity: 'Multifactor authentication failed', operationType: 'Other', description: 'A second factor was refused during sign-in (wrong or replayed code, passkey refused).' },
  'auth.signInBlocked': { code: 'GH2413W', category: 'Authentication', activity: 'Sign-in blocked by Conditional Access', operationType: 'Other', description: 'Conditional Access blocked a sign-in (policies named in the details and in the sign-in log).' },
  'mfa.methodRegistered': { code: 'GH2101I', category: 'UserManagement', activity: 'User registered security info', operationType: 'Add', description: 'An authentication method (authenticator app or passkey) was registered; its secret or key is never logged (method in additionalDetails).' },
  'mfa.methodDeleted': { code: 'GH2102I', category: 'UserManagement', activity: 'Delete security info', operationType: 'Delete', description: 'An authentication method (authenticator app, passkey or the recovery codes) was removed, by the user or an administrator.' },
  'mfa.recoveryCodesGenerated': { code: 'GH2103I', category: 'UserManagement', activity: 'Generate recovery codes', operationType: 'Add', description: 'A new set of 10 recovery codes replaced the old one (the codes are never logged).' },
  'mfa.recoveryCodeUsed': { code: 'GH2104I', category: 'Authentication', activity: 'Use recovery code', operationType: 'Update', description: 'A recovery code was used as a second factor and is spent (codesLeft in additionalDetails).' },
  'mfa.perUserStateChanged': { code: 'GH2105I', category: 'UserManagement', activity: 'Update per-user multifactor authentication state', operationType: 'Update', description: 'An administrator changed whether a user must use (and register) multifactor authentication (perUserMfaState).' },
  'mfa.verificationFailed': { code: 'GH2106W', category: 'Authentication', activity: 'Verify second factor', operationType: 'Other', description: 'A second factor was refused: wrong or replayed authenticator code, unknown or spent recovery code, or a WebAuthn assertion with a wrong origin, RP id, unknown credential or counter (reason in resultReason). Counts toward the MFA lockout.' },
  'mfa.registrationFailed': { code: 'GH2107W', category: 'UserManagement', activity: 'User registered security info', operationType: 'Add', description: 'A passkey registration was refused (wrong origin or RP id, no user verification, expired ceremony, credential already registered; reason in resultReason).' },
  'conditionalAccessPolicy.created': { code: 'GH2201I', category: 'Policy', activity: 'Add conditional access policy', operationType: 'Add', description: 'A Conditional Access policy was created (new policies are report-only unless the body says otherwise); its state is in additionalDetails.' },
  'conditionalAccessPolicy.updated': { code: 'GH2202I', category: 'Policy', activity: 'Update conditional access policy', operationType: 'Update', description: 'A Conditional Access policy changed (modifiedProperties lists the changes; lockoutRiskConfirmed when an administrator confirmed that only emergency-access accounts could still sign in).' },
  'conditionalAccessPolicy.deleted': { code: 'GH2203I', category: 'Policy', activity: 'Delete conditional access policy', operationType: 'Delete', description: 'A Conditional Access policy was deleted.' },
  'conditionalAccessPolicy.lockoutRefused': { code: 'GH2204W', category: 'Policy', activity: 'Refuse conditional access policy change', operationType: 'Other', description: 'A Conditional Access change was refused because it would block every Global Administrator (or all but emergency-access accounts, unconfirmed) from signing in; the blocking policies are in additionalDetails.' },
  'namedLocation.created': { code: 'GH2211I', category: 'Policy', activity: 'Add named location', operationType: 'Add', description: 'A named location (IP ranges or countries) was created.' },
  'namedLocation.updated': { code: 'GH2212I', category: 'Policy', activity: 'Update named location', operationType: 'Update', description: 'A named location changed (modifiedProperties lists the changes).' },
  'namedLocation.deleted': { code: 'GH2213I', category: 'Policy', activity: 'Delete named location', operationType: 'Delete', description: 'A named location was deleted.' },
  'policy.updated': { code: 'GH1901I', category: 'Policy', activity: 'Update policy', operationType: 'Update', description: 'A tenant policy (invite policy, external collaboration settings, external identities policy) changed; modifiedProperties lists the changes.' },
  'invitation.bulkStarted': { code: 'GH1709I', category: 'UserManagement', activity: 'Bulk invite external users', operationType: 'Add', description: 'A CSV file of invitations was accepted as a bulk job (total and rows refused by the file check in additionalDetails); each row then records its own invitation event.' },
  'invitation.bulkFinished': { code: 'GH1710I', category: 'UserManagement', activity: 'Finish bulk invitation', operationType: 'Other', description: 'A bulk invitation job finished (completed, or failed after repeated errors); succeeded and failed counts in additionalDetails.' },
  'signInLog.retentionSwept': { code: 'GH2301I', category: 'Policy', activity: 'Delete sign-in log entries past retention', operationType: 'Delete', description: 'The scheduled sweep deleted sign-in log entries older than signInLogRetentionDays (count and cutoff in additionalDetails); at most one event a day.' },
} as const satisfies Record<string, AuditEventSpec>;

export type AuditEventName = keyof typeof auditEvents;
