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
/** Background indexing of the audit log's filter columns (run on one node, e.g. under runIfLeader). */
export { indexAuditEvents, indexAllAuditEvents } from './audit.indexer.ts';
