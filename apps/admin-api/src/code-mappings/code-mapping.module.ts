import { Module } from '@nestjs/common';
import { CodeMappingController } from './code-mapping.controller';
import { CodeMappingService } from './code-mapping.service';

@Module({ controllers: [CodeMappingController], providers: [CodeMappingService] })
export class CodeMappingModule {}
