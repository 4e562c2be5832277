import {
  type CallHandler,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiProduces } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { map, type Observable } from 'rxjs';
import { type CsvColumn, toCsv } from './csv';
import { type ListFormat, type Page } from './pagination';

const CSV_EXPORT = 'alem:csv-export';

interface CsvExportOptions<T> {
  filename: string;
  columns: readonly CsvColumn<T>[];
}

/** The list can be exported as CSV (`?format=csv` or `Accept: text/csv`) with these columns. */
export function CsvExport<T>(options: CsvExportOptions<T>): MethodDecorator {
  return applyDecorators(SetMetadata(CSV_EXPORT, options), ApiProduces('application/json', 'text/csv'));
}

export function listFormatOf(request: Request): ListFormat {
  if (request.query?.format === 'csv') return 'csv';
  if (request.query?.format === 'json') return 'json';
  const accept = request.headers.accept ?? '';
  return /\btext\/csv\b/.test(accept) && !/\bapplication\/json\b/.test(accept) ? 'csv' : 'json';
}

/** `@RequestedFormat() format`: whether the caller wants JSON or CSV (CSV pages default to the export size). */
export const RequestedFormat = createParamDecorator((_: unknown, context: ExecutionContext): ListFormat =>
  listFormatOf(context.switchToHttp().getRequest()),
);

/** Turns a `Page` into a CSV download when the handler allows it and the caller asks for it. */
@Injectable()
export class CsvExportInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<CsvExportOptions<unknown> | undefined>(
      CSV_EXPORT,
      context.getHandler(),
    );
    const request = context.switchToHttp().getRequest<Request>();
    if (!options || listFormatOf(request) !== 'csv') return next.handle();
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((page: Page<unknown>) => {
        const day = new Date().toISOString().slice(0, 10);
        response.setHeader('Content-Type', 'text/csv; charset=utf-8');
        response.setHeader('Content-Disposition', `attachment; filename="${options.filename}-${day}.csv"`);
        response.setHeader('X-Total-Count', String(page.total));
        return toCsv(options.columns, page.items);
      }),
    );
  }
}
