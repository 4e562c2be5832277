import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CONFIG_REFERENCE_FILE,
  configVariables,
  renderConfigReference,
} from '../../libs/runtime/src/config-reference';

/** `npm run docs:config`: writes docs/configuration.md from the schema in libs/runtime/src/config.ts. */
async function main(): Promise<void> {
  await writeFile(CONFIG_REFERENCE_FILE, renderConfigReference());
  process.stdout.write(
    `wrote ${path.relative(process.cwd(), CONFIG_REFERENCE_FILE)} (${configVariables().length} variables)\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
