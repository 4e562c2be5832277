import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { DEFAULT_JSON_PAGE, MAX_OFFSET, MAX_PAGE } from '../common/pagination';
import { authorityOf, DETECTED_ISSUE_STATUSES, type DetectedIssueStatus } from '@alem/fhir';
import { type PatientCriterion } from './fhir.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `patient=<id>`, `patient=Patient/<id>`, or `patient=<system>|<value>`. The system is the assigning authority:
 * as stored (`HOSP`), or a FHIR identifier system (`urn:oid:…`, a URL), read as the FHIR intake reads it.
 */
const patientParam = z
  .string()
  .max(300)
  .transform((value, ctx): PatientCriterion => {
    const bar = value.indexOf('|');
    if (bar > 0 && bar < value.length - 1) {
      const system = value.slice(0, bar);
      const authority = system.includes(':') ? (authorityOf(system) ?? system) : system;
      return { kind: 'identifier', authority, identifier: value.slice(bar + 1) };
    }
    const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
    if (UUID.test(id)) return { kind: 'id', patientId: id.toLowerCase() };
    ctx.addIssue({ code: 'custom', message: 'a patient id, Patient/<id>, or an identifier as system|value' });
    return z.NEVER;
  })
  .describe(
    'The patient: our id (or Patient/<id>), or an identifier as `<assigning authority>|<identifier>`',
  );

/** A token list (`final,preliminary`: any of them). */
const statusParam = z
  .string()
  .max(100)
  .transform((value, ctx): DetectedIssueStatus[] => {
    const statuses = value.split(',');
    const unknown = statuses.filter((s) => !(DETECTED_ISSUE_STATUSES as readonly string[]).includes(s));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `one or more of ${DETECTED_ISSUE_STATUSES.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(statuses)] as DetectedIssueStatus[];
  })
  .describe(
    `The DetectedIssue status, or several separated by commas: ${DETECTED_ISSUE_STATUSES.join(', ')}`,
  );

export const detectedIssueSearchSchema = z
  .object({
    patient: patientParam.optional(),
    status: statusParam.optional(),
    _revinclude: z
      .literal('Task:focus')
      .optional()
      .describe('Task:focus adds each alert’s acknowledgement Task to the page (search mode include)'),
    _count: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE)
      .default(DEFAULT_JSON_PAGE)
      .describe(`Page size (default ${DEFAULT_JSON_PAGE}, at most ${MAX_PAGE})`),
    _offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0).describe('Matches to skip'),
    _format: z.enum(['json', 'application/fhir+json']).optional().describe('JSON only'),
  })
  .strict();
export class DetectedIssueSearchDto extends createZodDto(detectedIssueSearchSchema) {}

/** A FHIR id (an alert's is a UUID; any other well-formed id names nothing and is answered 404). */
export class FhirIdParams extends createZodDto(
  z.object({ id: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id') }).strict(),
) {}

export const isUuid = (id: string): boolean => UUID.test(id);
