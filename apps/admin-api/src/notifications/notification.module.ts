import { Module } from '@nestjs/common';
import { NotificationController } from './notification.controller';
import { NotificationQueryRepository } from './notification.repository';
import { NotificationService } from './notification.service';

@Module({
  controllers: [NotificationController],
  providers: [NotificationService, NotificationQueryRepository],
})
export class NotificationModule {}
