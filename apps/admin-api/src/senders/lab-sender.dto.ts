import { IANAZone } from 'luxon';
import { normaliseFingerprint, normaliseSourceAddress } from '@alem/access';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { senderSchema } from '../auth/auth.dto';
import { DEFAULT_JSON_PAGE, pageQueryShape, pageSchema } from '../common/pagination';

const timeZone = z
  .string()
  .trim()
  .max(64)
  .refine((name) => IANAZone.isValidZone(name), 'not an IANA time zone (such as Europe/London or UTC)')
  .describe('IANA zone of the times the sender’s messages send without an offset, e.g. Europe/London');

export class LabSenderParams extends createZodDto(
  z
    .object({
      sender: senderSchema.describe('APPLICATION^FACILITY, URL-encoded in the path (LIS%5ECENTRAL-LAB)'),
    })
    .strict(),
) {}

/** A list written as a set: trimmed, each entry normalised, duplicates dropped, sorted (so "no change" is seen). */
const normalisedSet = (normalise: (text: string) => string | null, what: string, max: number) =>
  z
    .array(z.string().max(200))
    .max(max)
    .transform((items, ctx) => {
      const out = new Set<string>();
      for (const item of items) {
        const normal = normalise(item);
        if (normal === null) {
          ctx.addIssue({ code: 'custom', message: `${JSON.stringify(item.slice(0, 80))} is not ${what}` });
          return z.NEVER;
        }
        out.add(normal);
      }
      return [...out].sort();
    });

const authority = (text: string) => {
  const value = text.trim();
  // A hierarchic designator (`CITYHOSP`, `CITYHOSP&2.16.840.1.113883.19.5&ISO`): no HL7 delimiters but `&`.
  return value !== '' && value.length <= 227 && !/[|^~\\\r\n]/.test(value) ? value : null;
};

export const labSenderInputSchema = z
  .object({
    timeZone,
    authorities: normalisedSet(authority, 'an assigning authority (HL7 hierarchic designator)', 500)
      .optional()
      .describe(
        'Assigning authorities (patient identifier namespaces, e.g. CITYHOSP or CITYHOSP&2.16.840.1.113883.19.5&ISO) ' +
          'the sender may report for; results for any other are refused and dead-lettered. Left out: unchanged ' +
          '(none for a new registration)',
      ),
    certificateFingerprints: normalisedSet(normaliseFingerprint, 'a SHA-256 fingerprint (64 hex digits)', 20)
      .optional()
      .describe(
        'SHA-256 fingerprints of the MLLP client certificates that authenticate the sender (mutual TLS); ' +
          'a sender with any must present one. Left out: unchanged',
      ),
    sourceAddresses: normalisedSet(normaliseSourceAddress, 'an IP address or CIDR block', 100)
      .optional()
      .describe(
        'Addresses or CIDR blocks the sender may connect from over MLLP without a client certificate ' +
          '(for sites that cannot do mutual TLS); ignored when it has certificates. Left out: unchanged',
      ),
  })
  .strict();
export type LabSenderInput = z.infer<typeof labSenderInputSchema>;
export class LabSenderInputDto extends createZodDto(labSenderInputSchema) {}

export class LabSenderQueryDto extends createZodDto(
  z
    .object({
      limit: pageQueryShape.limit.describe(`Page size (default ${DEFAULT_JSON_PAGE})`),
      offset: pageQueryShape.offset,
    })
    .strict(),
) {}

export const labSenderSchema = z.object({
  sender: z.string().describe('APPLICATION^FACILITY (MSH-3^MSH-4)'),
  timeZone: z.string(),
  authorities: z.array(z.string()),
  certificateFingerprints: z.array(z.string()),
  sourceAddresses: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string().nullable().describe('Null until the registration was first changed'),
});
export type LabSenderView = z.infer<typeof labSenderSchema>;
export class LabSenderDto extends createZodDto(labSenderSchema) {}
export class LabSenderPageDto extends createZodDto(pageSchema(labSenderSchema)) {}
