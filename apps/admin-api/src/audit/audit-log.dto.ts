import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { pageQueryShape, pageSchema, timeRangeShape } from '../common/pagination';

const token = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, `${what} is lower-case letters, digits, dots and dashes`)
    .optional();

export const auditQuerySchema = z
  .object({
    ...pageQueryShape,
    ...timeRangeShape,
    actorId: z.string().min(1).max(200).optional().describe('User id, API key id or component'),
    action: token('action').describe('e.g. alert.acknowledge'),
    entityType: token('entityType'),
    entityId: z.string().min(1).max(200).optional(),
    patientId: z.uuid().optional(),
    dataCategory: token('dataCategory'),
    outcome: z.enum(['success', 'failure', 'denied']).optional(),
    order: z.enum(['asc', 'desc']).default('asc').describe('By seq (the chain order)'),
    afterSeq: z
      .string()
      .regex(/^\d{1,19}$/, 'afterSeq is a row’s seq')
      .optional()
      .describe(
        'Keyset paging: the rows after this seq in the chosen order (the previous page’s nextAfterSeq); ' +
          'unlike offset, as fast on page 10,000 as on page 1 and stable while rows are appended',
      ),
  })
  .strict();
export class AuditQueryDto extends createZodDto(auditQuerySchema) {}

export const auditEntrySchema = z.object({
  id: z.string(),
  seq: z.string(),
  occurredAt: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actorLabel: z.string().nullable(),
  action: z.string(),
  entityType: z.string().nullable(),
  entityId: z.string().nullable(),
  patientId: z.string().nullable(),
  dataCategory: z.string(),
  outcome: z.string(),
  sourceIp: z.string().nullable(),
  userAgent: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntryView = z.infer<typeof auditEntrySchema>;
export const auditPageSchema = pageSchema(auditEntrySchema).extend({
  nextAfterSeq: z.string().nullable().describe('Pass as afterSeq for the next page; null on the last page'),
});
export class AuditPageDto extends createZodDto(auditPageSchema) {}

const breakSchema = z.object({
  seq: z.string(),
  id: z.string(),
  reason: z.enum(['sequence-gap', 'previous-hash-mismatch', 'hash-mismatch']),
  expected: z.string(),
  found: z.string(),
});
const anchorSchema = z.object({
  seq: z.string(),
  hash: z.string(),
  anchoredAt: z.string(),
});
export class AuditAnchorDto extends createZodDto(
  anchorSchema.extend({
    v: z.literal(1),
    keyId: z.string().describe('SHA-256 of the signing key’s public key (SPKI)'),
    signature: z.string().describe('Ed25519, base64'),
  }),
) {}

export class AuditVerificationDto extends createZodDto(
  z.object({
    ok: z.boolean().describe('The chain is intact and every anchor holds'),
    rowsChecked: z.number().int(),
    head: z.object({ seq: z.string(), id: z.string(), hash: z.string() }).nullable(),
    firstBreak: breakSchema.nullable(),
    breaks: z.array(breakSchema),
    anchors: z
      .object({
        sink: z.string(),
        checked: z.number().int().describe('Anchor records read'),
        lastGood: anchorSchema.nullable().describe('The chain is vouched for up to this anchor'),
        firstFailure: z
          .object({ seq: z.string(), id: z.string().nullable() })
          .nullable()
          .describe(
            'The first row after the last good anchor that fails (id null for a removed row); when later hashes ' +
              'were recomputed to hide an edit, the first row the failed anchor no longer vouches for',
          ),
        problems: z.array(
          z.object({
            line: z.number().int(),
            seq: z.string().nullable(),
            reason: z.enum(['malformed', 'unknown-key', 'bad-signature', 'hash-mismatch', 'row-missing']),
          }),
        ),
      })
      .nullable()
      .describe('Null when no anchors are configured'),
  }),
) {}
