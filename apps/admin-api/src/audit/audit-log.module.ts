import { Module } from '@nestjs/common';
import { AuditAnchorService, auditAnchorsProvider } from './audit-anchor.service';
import { AuditLogController } from './audit-log.controller';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';

/**
 * Reading, verifying and anchoring the audit log. Writing it is every service's job, through AuditedTransactions.
 */
@Module({
  controllers: [AuditLogController],
  providers: [AuditLogService, AuditLogRepository, AuditAnchorService, auditAnchorsProvider],
})
export class AuditLogModule {}
