import { Module } from '@nestjs/common';
import { AuditAnchorService, auditAnchorsProvider } from './audit-anchor.service';
import { AuditLogController } from './audit-log.controller';
import { AuditLogService } from './audit-log.service';

/**
 * Reading, verifying and anchoring the audit log. Writing it is every service's job, through AuditRepository.
 */
@Module({
  controllers: [AuditLogController],
  providers: [AuditLogService, AuditAnchorService, auditAnchorsProvider],
})
export class AuditLogModule {}
