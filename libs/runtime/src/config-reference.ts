import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { z } from 'zod';
import { CONFIG_READERS, type ConfigReader, envSchema, type VariableDoc } from './config';

/** The generated reference, checked in (a unit test fails when it is stale: `npm run docs:config`). */
export const CONFIG_REFERENCE_FILE = path.resolve(__dirname, '../../../docs/configuration.md');

/** One environment variable as docs/configuration.md lists it. */
export interface VariableReference {
  name: string;
  /** What the value may be: a type, its bounds or its allowed values. */
  accepts: string;
  /** The default as written in the environment, or null when unset means something else (see the description). */
  default: string | null;
  doc: VariableDoc;
}

type Schema = z.core.$ZodType;

/** Every variable of `envSchema`, in the schema's order, read from its zod definition and its `.meta()`. */
export function configVariables(): VariableReference[] {
  return Object.entries(envSchema.shape).map(([name, schema]) => {
    const doc = (schema as z.ZodType).meta() as VariableDoc | undefined;
    if (!doc?.description || !doc.readBy?.length) {
      throw new Error(
        `${name} has no description or readers: give it .meta(about(...)) in libs/runtime/src/config.ts`,
      );
    }
    let inner: Schema = schema;
    let fallback: unknown = undefined;
    for (;;) {
      const def = inner._zod.def as { type: string; innerType?: Schema; defaultValue?: unknown };
      if (def.type === 'default') fallback = def.defaultValue;
      else if (def.type !== 'optional') break;
      inner = def.innerType as Schema;
    }
    return { name, accepts: accepts(inner), default: fallback === undefined ? null : written(fallback), doc };
  });
}

/** The value as one would set it in the environment. */
function written(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

function accepts(schema: Schema): string {
  const def = schema._zod.def as {
    type: string;
    in?: Schema;
    out?: Schema;
    entries?: Record<string, string>;
    format?: string;
    checks?: { _zod: { def: { check: string; pattern?: RegExp; minimum?: number; format?: string } } }[];
  };
  switch (def.type) {
    case 'pipe': {
      // `csv`: a string split into a list; `bool`: an enum mapped to a boolean. The environment holds the input.
      if ((def.out as Schema)._zod.def.type === 'array') return 'comma-separated list';
      return accepts(def.in as Schema);
    }
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      if ([...values].sort().join() === '0,1,false,true') return 'boolean: `true` or `false` (`1`, `0`)';
      return values.map((v) => `\`${v}\``).join(', ');
    }
    case 'number': {
      const n = schema as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean };
      const kind = n.isInt ? 'integer' : 'number';
      if (n.minValue !== null && n.maxValue !== null) return `${kind} ${n.minValue}–${n.maxValue}`;
      if (n.minValue !== null) return `${kind} ≥ ${n.minValue}`;
      return kind;
    }
    case 'string': {
      if (def.format === 'url') return 'URL';
      const parts = ['string'];
      for (const check of def.checks ?? []) {
        const c = check._zod.def;
        if (c.check === 'min_length' && (c.minimum ?? 0) > 1) parts.push(`at least ${c.minimum} characters`);
        if (c.check === 'string_format' && c.pattern) parts.push(`matching \`${c.pattern.source}\``);
      }
      return parts.join(', ');
    }
    default:
      return def.type;
  }
}

const APPS = CONFIG_READERS.slice(0, 5);

/** The readers, with the five apps together as "every app". */
function readers(readBy: readonly ConfigReader[]): string {
  if (!APPS.every((app) => readBy.includes(app))) return readBy.join(', ');
  return ['every app', ...readBy.filter((r) => !APPS.includes(r))].join(', ');
}

/** A table cell: one line, and no `|` that would end the cell. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** docs/configuration.md, before formatting. */
export function configReferenceMarkdown(): string {
  const rows = configVariables().map((v) => {
    const fallback = v.doc.secret ? 'none (secret)' : v.default === null ? 'unset' : `\`${v.default}\``;
    return `| \`${v.name}\` | ${cell(v.accepts)} | ${cell(fallback)} | ${readers(v.doc.readBy)} | ${cell(v.doc.description)} |`;
  });
  return [
    '<!-- Generated from libs/runtime/src/config.ts by `npm run docs:config`; edit the schema, not this file. -->',
    '',
    '# Configuration reference',
    '',
    'Every app reads the same environment, parsed once at boot and validated by `envSchema` in',
    '`libs/runtime/src/config.ts`; boot fails with a readable message naming the variable when a value is wrong or',
    'a combination is incomplete. The defaults are the embedded local stack, with two exceptions: `NODE_ENV`',
    'defaults to `production`, and the secrets have no default at all. How to make and rotate the secrets, run the',
    'apps against real Kafka, Postgres, Redis and SMTP, and the database roles: [deployment.md](deployment.md).',
    '',
    '"Read by" names the apps (each its own process, or all in one for the demo) and the command-line tools',
    '(`migrate`: `node dist/libs/persistence/src/migrate.cli.js`; `audit:verify` and `admin:create`: the npm',
    'scripts) that use the variable. Durations are in milliseconds where the name ends in `_MS`.',
    '',
    '| variable | accepts | default | read by | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/**
 * docs/configuration.md as `npm run format` leaves it. Prettier runs as its own process, through its CLI with the
 * repository's settings: its API is an ES module, which the unit tests (CommonJS) cannot load.
 */
export function renderConfigReference(): string {
  const prettier = require.resolve('prettier/bin/prettier.cjs');
  return execFileSync(process.execPath, [prettier, '--stdin-filepath', CONFIG_REFERENCE_FILE], {
    input: configReferenceMarkdown(),
    encoding: 'utf8',
  });
}
