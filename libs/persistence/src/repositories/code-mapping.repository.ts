import { Injectable } from '@nestjs/common';
import { type CodeMapping } from '@alem/clinical';
import { DataSource } from 'typeorm';
import { type codeMappingsTable } from '../tables/access.tables';
import { type RowOf } from '../tables/table';

/** Per-sender local code → LOINC mappings, as the result normaliser reads them. */
@Injectable()
export class CodeMappingRepository {
  constructor(private readonly dataSource: DataSource) {}

  async loadAll(): Promise<CodeMapping[]> {
    const rows: Array<
      Pick<RowOf<typeof codeMappingsTable>, 'sender' | 'code_system' | 'code' | 'loinc' | 'analyte' | 'unit'>
    > = await this.dataSource.query(
      `SELECT sender, code_system, code, loinc, analyte, unit FROM code_mappings ORDER BY sender, code_system, code`,
    );
    return rows.map((r) => ({
      sender: r.sender,
      system: r.code_system,
      code: r.code,
      loinc: r.loinc,
      ...(r.analyte ? { analyte: r.analyte as CodeMapping['analyte'] } : {}),
      ...(r.unit ? { unit: r.unit } : {}),
    }));
  }
}
