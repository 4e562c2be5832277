import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  buildOpenApiDocument,
  CONSOLE_API_TYPES_FILE,
  createPreviewApp,
  generateConsoleApiTypes,
  OPENAPI_FILE,
} from './openapi';

/**
 * `npm run openapi`: writes apps/admin-api/openapi.json from the controllers and DTOs, and the console's typed
 * client (apps/console/src/api/schema.d.ts) from that document.
 */
async function main(): Promise<void> {
  // Prettier (an ES module) only here: the file is written as `npm run format` would leave it.
  const { format, resolveConfig } = await import('prettier');
  const app = await createPreviewApp();
  try {
    const document = buildOpenApiDocument(app);
    const options = (await resolveConfig(OPENAPI_FILE)) ?? {};
    await writeFile(OPENAPI_FILE, await format(JSON.stringify(document), { ...options, parser: 'json' }));
    process.stdout.write(
      `wrote ${path.relative(process.cwd(), OPENAPI_FILE)} (${Object.keys(document.paths).length} paths)\n`,
    );
    await writeFile(CONSOLE_API_TYPES_FILE, generateConsoleApiTypes());
    process.stdout.write(`wrote ${path.relative(process.cwd(), CONSOLE_API_TYPES_FILE)}\n`);
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
