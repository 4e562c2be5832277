import { Module } from '@nestjs/common';
import { FailedDeliveryController } from './failed-delivery.controller';
import { FailedDeliveryRepository } from './failed-delivery.repository';
import { FailedDeliveryService } from './failed-delivery.service';

@Module({
  controllers: [FailedDeliveryController],
  providers: [FailedDeliveryService, FailedDeliveryRepository],
})
export class FailedDeliveryModule {}
