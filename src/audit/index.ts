/** Append events to the hash-chained audit log inside the caller's transaction. */
export { appendAudit, insertAuditRows, chainHash, chainHashV1, toDirectoryAudit, GENESIS_HASH, AUDIT_CHAINS, type AuditInput, type AuditRow } from './audit.service.ts';
/** Recompute the chain and report the first broken link. */
export { verifyAuditChain, verifyAuditChainInProcess, formatCheckpoint, parseCheckpoint, type VerifyResult, type VerifyOptions, type ChainHead } from './audit.verify.ts';
/** The typed registry of audit event codes. */
export { auditEvents, type AuditEventName, type AuditEventSpec } from './audit.registry.ts';
/** Actor, target and directoryAudit shapes. */
export type { Actor, AuditTarget, ModifiedProperty, DirectoryAudit } from './audit.types.ts';
/** Query the audit log as Graph's directoryAudits. */
export { listDirectoryAudits, getDirectoryAudit, directoryAuditFields } from './audit.query.ts';
/** The sign-in log (Graph's signIn): record attempts, list and get them, sweep past retention. Not hash-chained. */
export { appendSignInLog, sweepSignInLog, signInLogCutoff, toSignIn } from './sign-in-log.service.ts';
/** Query the sign-in log as /v1.0/auditLogs/signIns, and read the history the sign-in risk signals need. */
export { listSignIns, getSignIn, recentSignInsForRisk, signInFields, signInSelectable, type RiskHistoryQuery } from './sign-in-log.query.ts';
/** Entra's sign-in error codes Gatehouse writes in status.errorCode, and which failures count as credential guesses. */
export { SIGN_IN_ERROR_CODES, CREDENTIAL_FAILURE_CODES, failureReasonFor, type SignInErrorName } from './sign-in-log.codes.ts';
/** Graph's signIn shape and the entry the sign-in pipeline hands to appendSignInLog. */
export type {
  SignIn, SignInLogEntry, SignInRiskHistory, SignInAppliedPolicy, SignInAppliedPolicyResult, SignInAuthenticationDetail, SignInDeviceDetail,
  SignInLocation, SignInRiskLevel, SignInRiskReason, SignInRiskState, SignInStatus, SignInUserType, SignInConditionalAccessStatus,
  AuthenticationRequirement,
} from './sign-in-log.types.ts';
/** Background indexing of the audit log's filter columns (run on one node, e.g. under runIfLeader). */
export { indexAuditEvents, indexAllAuditEvents } from './audit.indexer.ts';
