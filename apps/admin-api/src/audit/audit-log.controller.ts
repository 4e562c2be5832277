import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { CsvExport, RequestedFormat } from '../common/csv-export.interceptor';
import { type ListFormat } from '../common/pagination';
import { Actor, type RequestActor } from '../common/request-actor';
import { AuditPageDto, AuditQueryDto, AuditVerificationDto } from './audit-log.dto';
import { AUDIT_CSV_COLUMNS, AuditLogService } from './audit-log.service';

@ApiTags('audit')
@Controller('audit')
@Roles('admin', 'auditor')
export class AuditLogController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get()
  @CsvExport({ filename: 'audit-log', columns: AUDIT_CSV_COLUMNS })
  @ApiOperation({ summary: 'The audit log, filtered and paged in chain order (JSON or CSV)' })
  @ApiOkResponse({ type: AuditPageDto })
  list(@Actor() actor: RequestActor, @Query() query: AuditQueryDto, @RequestedFormat() format: ListFormat) {
    return this.auditLog.list(actor, query, format);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Recompute the hash chain and name the first broken link (seq and id)' })
  @ApiOkResponse({ type: AuditVerificationDto })
  verify(@Actor() actor: RequestActor): Promise<AuditVerificationDto> {
    return this.auditLog.verify(actor);
  }
}
