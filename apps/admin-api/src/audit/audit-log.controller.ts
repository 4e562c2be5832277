import { Controller, Get, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { CsvExport, RequestedFormat } from '../common/csv-export.interceptor';
import { type ListFormat } from '../common/pagination';
import { Actor, type RequestActor } from '../common/request-actor';
import { AuditAnchorService } from './audit-anchor.service';
import { AuditAnchorDto, AuditPageDto, AuditQueryDto, AuditVerificationDto } from './audit-log.dto';
import { AUDIT_CSV_COLUMNS, AuditLogService } from './audit-log.service';

@ApiTags('audit')
@Controller('audit')
@Roles('admin', 'auditor')
export class AuditLogController {
  constructor(
    private readonly auditLog: AuditLogService,
    private readonly anchors: AuditAnchorService,
  ) {}

  @Get()
  @CsvExport({ filename: 'audit-log', columns: AUDIT_CSV_COLUMNS })
  @ApiOperation({ summary: 'The audit log, filtered and paged in chain order (JSON or CSV)' })
  @ApiOkResponse({ type: AuditPageDto })
  list(@Actor() actor: RequestActor, @Query() query: AuditQueryDto, @RequestedFormat() format: ListFormat) {
    return this.auditLog.list(actor, query, format);
  }

  @Get('verify')
  @ApiOperation({
    summary:
      'Recompute the hash chain, check it against the signed anchors, and name the first broken link (seq and id) ' +
      'and the first row after the last good anchor that fails',
  })
  @ApiOkResponse({ type: AuditVerificationDto })
  verify(@Actor() actor: RequestActor): Promise<AuditVerificationDto> {
    return this.auditLog.verify(actor);
  }

  @Post('anchors')
  @Roles('admin')
  @ApiOperation({
    summary: 'Sign the chain head now and append it to the anchors outside the database (audited)',
  })
  @ApiCreatedResponse({ type: AuditAnchorDto })
  @ApiConflictResponse({ description: 'No anchors configured (AUDIT_ANCHOR_FILE, AUDIT_ANCHOR_KEY_FILE)' })
  anchor(@Actor() actor: RequestActor): Promise<AuditAnchorDto> {
    return this.anchors.anchorOnRequest(actor);
  }
}
