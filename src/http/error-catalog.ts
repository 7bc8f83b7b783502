import { CoreErrorCodes } from '#src/core/errors.ts';
import { DirectoryErrorCodes } from '#src/directory/index.ts';
import { AuthErrorCodes } from '#src/auth/index.ts';
import { auditEvents } from '#src/audit/index.ts';

/** Every error code a client can receive, by module: the contract docs/errors.md is generated from. */
export const errorCatalog: Record<string, Record<string, { status: number; description: string }>> = {
  core: CoreErrorCodes,
  directory: DirectoryErrorCodes,
  auth: AuthErrorCodes,
};

export function renderErrorDocs(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from the *.errors.ts registries by `npm run docs:generate`; do not edit by hand. -->',
    '',
    'Errors use Microsoft Graph\'s shape: `{"error":{"code","message","innerError":{"code","request-id","client-request-id","date"}}}`.',
    '`error.code` is the Graph code scripts already check (`Request_BadRequest`, `Request_ResourceNotFound`,',
    '`Authorization_RequestDenied`, `InvalidAuthenticationToken`, `TooManyRequests`, `InternalServerError`);',
    '`innerError.code` is Gatehouse\'s stable code below. Codes are never renamed or reused.',
    '',
    '| Module | Code | HTTP status | Meaning |',
    '|---|---|---|---|',
  ];
  for (const [module, codes] of Object.entries(errorCatalog)) {
    for (const [code, spec] of Object.entries(codes)) lines.push(`| ${module} | \`${code}\` | ${spec.status} | ${spec.description} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderAuditEventDocs(): string {
  const lines = [
    '# Audit events',
    '',
    '<!-- Generated from src/audit/audit.registry.ts by `npm run docs:generate`; do not edit by hand. -->',
    '',
    'Every state change writes one of these events in the same transaction as the change. The code is in each',
    "event's `additionalDetails` under the key `eventCode`; codes ending in W record refused or failed attempts.",
    '',
    '| Code | Category | Activity (activityDisplayName) | Operation | Meaning |',
    '|---|---|---|---|---|',
  ];
  for (const spec of Object.values(auditEvents)) {
    lines.push(`| \`${spec.code}\` | ${spec.category} | ${spec.activity} | ${spec.operationType} | ${spec.description} |`);
  }
  return `${lines.join('\n')}\n`;
}
