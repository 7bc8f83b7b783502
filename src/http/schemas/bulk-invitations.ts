import { Type } from 'typebox';
import { Guid, Nullable } from './common.ts';

/** A bulk invitation job (Gatehouse extension): progress counters of one uploaded CSV. */
export const BulkInvitationJob = Type.Object(
  {
    id: Guid,
    status: Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]),
    total: Type.Integer({ description: 'Records in the file (data rows, the header and Entra\'s example row excluded).' }),
    processed: Type.Integer(),
    succeeded: Type.Integer(),
    failed: Type.Integer(),
    createdDateTime: Type.String({ format: 'date-time' }),
    finishedDateTime: Nullable(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

/** JSON alternative to a raw text/csv upload. */
export const BulkInvitationJsonBody = Type.Object({ csv: Type.String({ minLength: 1, description: 'The whole CSV file as text.' }) }, { additionalProperties: false });

/** The CSV file itself, raw (size and content are checked by the service, which names the problem). */
export const BulkInvitationCsvBody = Type.String({ description: "Entra's bulk-invite template or UserPrincipalName,DisplayName,InviteRedirectUrl; at most 10 MiB." });

export const BulkResultsCsv = Type.String({ description: 'line,email,status,userId,inviteRedeemUrl,error — one line per record of the upload.' });
