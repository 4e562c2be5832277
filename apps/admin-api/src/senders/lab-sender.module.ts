import { Module } from '@nestjs/common';
import { LabSenderController } from './lab-sender.controller';
import { LabSenderService } from './lab-sender.service';

@Module({ controllers: [LabSenderController], providers: [LabSenderService] })
export class LabSenderModule {}
