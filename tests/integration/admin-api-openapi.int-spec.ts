import { readFileSync } from 'node:fs';
import { type INestApplication } from '@nestjs/common';
import { type OpenAPIObject } from '@nestjs/swagger';
import { listRoutes } from '../../apps/admin-api/src/common/route-inventory';
import {
  buildOpenApiDocument,
  CONSOLE_API_TYPES_FILE,
  createPreviewApp,
  generateConsoleApiTypes,
  OPENAPI_FILE,
} from '../../apps/admin-api/src/openapi';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

/** The OpenAPI document describes exactly the routes Nest serves, and the checked-in copy is current. */
describe('admin API OpenAPI document', () => {
  let app: INestApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    app = await createPreviewApp();
    document = buildOpenApiDocument(app);
  });

  afterAll(async () => {
    await app?.close();
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, unknown>)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => ({
          key: `${method.toUpperCase()} ${path}`,
          operation: operation as Record<string, unknown>,
        })),
    );

  it('lists every route of the app, and no other', () => {
    const served = listRoutes(app)
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(served.length).toBeGreaterThan(40);
    expect(
      operations()
        .map((o) => o.key)
        .sort(),
    ).toEqual(served);
  });

  it('says for every operation who may call it', () => {
    const silent = operations().filter(
      (o) => !o.operation['x-public'] && !Array.isArray(o.operation['x-roles']),
    );
    expect(silent.map((o) => o.key)).toEqual([]);
  });

  it('is checked in up to date (regenerate with `npm run openapi`)', () => {
    const checkedIn = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenAPIObject;
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('gives the console a typed client generated from the checked-in document (`npm run openapi`)', () => {
    const checkedIn = readFileSync(CONSOLE_API_TYPES_FILE, 'utf8');
    expect(checkedIn).toContain('"/api/v1/acknowledgements/{token}"');
    expect(checkedIn === generateConsoleApiTypes()).toBe(true);
  });
});
