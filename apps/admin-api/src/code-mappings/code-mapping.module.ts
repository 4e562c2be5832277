import { Module } from '@nestjs/common';
import { CodeMappingController } from './code-mapping.controller';
import { CodeMappingAdminRepository } from './code-mapping.repository';
import { CodeMappingService } from './code-mapping.service';

@Module({ controllers: [CodeMappingController], providers: [CodeMappingService, CodeMappingAdminRepository] })
export class CodeMappingModule {}
