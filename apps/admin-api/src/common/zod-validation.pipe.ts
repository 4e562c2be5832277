import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { type ZodDto } from 'nestjs-zod';
import { InvalidInputError, type ValidationIssue } from './domain.errors';

interface ZodLikeIssue {
  path?: PropertyKey[];
  message?: string;
}

/** Zod issues as `{ path, message }`; the input values themselves are never echoed back. */
export function zodIssues(error: unknown, where: string): ValidationIssue[] {
  const issues = (error as { issues?: ZodLikeIssue[] })?.issues ?? [];
  return issues.slice(0, 50).map((issue) => ({
    path: [where, ...(issue.path ?? []).map(String)].join('.'),
    message: issue.message ?? 'invalid',
  }));
}

/** NUL cannot be stored in Postgres text; refuse it anywhere in the input, keys included. */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, v]) => key.includes('\u0000') || holdsNul(v, depth + 1));
}

function isZodDto(metatype: unknown): metatype is ZodDto {
  return typeof metatype === 'function' && (metatype as { isZodDto?: unknown }).isZodDto === true;
}

/**
 * Validates every body, query and path parameter against its nestjs-zod DTO, and refuses to run a handler
 * whose input has no schema at all (a developer error, caught by the route-inventory test before release).
 * Values are replaced by the schema's output (coerced, defaulted, unknown keys stripped).
 */
@Injectable()
export class StrictZodValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    if (!isZodDto(metadata.metatype)) {
      throw new Error(`${metadata.type} ${metadata.data ?? ''} has no zod schema; declare a DTO for it`);
    }
    if (holdsNul(value)) {
      throw new InvalidInputError('The request is not valid', [
        {
          path: metadata.type === 'param' ? 'path' : metadata.type,
          message: 'NUL characters are not allowed',
        },
      ]);
    }
    const parsed = (
      metadata.metatype.schema as unknown as {
        safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: unknown };
      }
    ).safeParse(value ?? (metadata.type === 'body' ? undefined : {}));
    if (!parsed.success) {
      throw new InvalidInputError(
        'The request is not valid',
        zodIssues(parsed.error, metadata.type === 'param' ? 'path' : metadata.type),
      );
    }
    return parsed.data;
  }
}
