import './errors.ts';
/**
 * Governance use cases: API keys and the people behind them, promotion proposals, the
 * hash-chained audit log and personal-data export and erasure. Every edge (HTTP, CLI) calls these.
 */
export { KEY_ROLES, type Role, type KeyRole, type Principal, type Actor } from './types.ts';
export { canonicalJson } from './canonical-json.ts';
export { ensureSubject, getSubject, namesOf, type Subject } from './subjects.ts';
export { archiveAudit, verifyAuditArchives, type AuditArchiveResult, type AuditArchiveVerification } from './audit-archive.ts';
export { recordAudit, listAudit, verifyAudit, auditHead, parseAuditHead, GENESIS_HASH, type AuditHead, type AuditAction, type AuditEntry, type AuditVerification, type ListAuditOptions, type RecordAuditInput } from './audit.ts';
export { createKey, listKeys, getKey, rotateKey, revokeKey, authenticateKey, hasActiveKey, parseExpiry, tokenFingerprint, type ApiKey, type Authentication, type CreateKeyInput } from './keys.ts';
export { operatorActor } from './operator.ts';
export { ensureLocalAdminKey, ensureLocalKey, LOCAL_ADMIN_FILE, LOCAL_ADMIN_NAME, type LocalAdminKey, type LocalKey } from './local-admin.ts';
export { exportSubject, eraseSubject, applyRetention, type SubjectExport, type RetentionSettings, type RetentionReport } from './privacy.ts';
export type { GovernanceErrorCode } from './errors.ts';
