import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { type CodeMappingTable, createCodeMappingTable } from '@alem/clinical';
import { type AppConfig, InjectConfig } from '@alem/runtime';
import { CodeMappingRepository, RefreshingCache } from '@alem/persistence';

/**
 * The per-sender local code → LOINC mappings, in memory, kept fresh by LISTEN code_mappings_changed. A table
 * that contradicts itself fails to load at boot; later, a bad change is logged and the previous table kept.
 */
@Injectable()
export class CodeMappingCache implements OnModuleDestroy {
  private readonly logger = new Logger(CodeMappingCache.name);
  private readonly cache: RefreshingCache<CodeMappingTable>;

  constructor(mappings: CodeMappingRepository, @InjectConfig() config: AppConfig) {
    this.cache = new RefreshingCache({
      name: 'code mappings',
      databaseUrl: config.database.url,
      channel: 'code_mappings_changed',
      load: async () => createCodeMappingTable(await mappings.loadAll()),
      onError: (message) => this.logger.error(message),
    });
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  get table(): CodeMappingTable {
    return this.cache.value;
  }

  onModuleDestroy(): Promise<void> {
    return this.cache.stop();
  }
}
