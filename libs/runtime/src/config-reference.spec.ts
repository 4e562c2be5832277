import { readFileSync } from 'node:fs';
import { CONFIG_REFERENCE_FILE, configVariables, renderConfigReference } from './config-reference';
import { envSchema } from './config';

describe('docs/configuration.md', () => {
  it('lists every variable of the schema with its readers and a description', () => {
    const variables = configVariables();
    expect(variables.map((v) => v.name)).toEqual(Object.keys(envSchema.shape));
    for (const v of variables) {
      expect(v.doc.description.length).toBeGreaterThan(10);
      expect(v.doc.readBy.length).toBeGreaterThan(0);
    }
  });

  it('is checked in up to date with libs/runtime/src/config.ts', () => {
    const expected = renderConfigReference();
    const actual = readFileSync(CONFIG_REFERENCE_FILE, 'utf8');
    if (actual !== expected) {
      throw new Error('docs/configuration.md is stale: run npm run docs:config (and commit the file)');
    }
  });
});
