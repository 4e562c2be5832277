import { Module } from '@nestjs/common';
import { AlertController } from './alert.controller';
import { AlertMetrics } from './alert.metrics';
import { AlertQueryRepository } from './alert.repository';
import { AlertService } from './alert.service';

@Module({ controllers: [AlertController], providers: [AlertService, AlertQueryRepository, AlertMetrics] })
export class AlertModule {}
