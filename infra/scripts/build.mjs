// Compiles apps/, libs/ and bench/ to dist/ with SWC (decorator metadata included, path aliases rewritten
// to relative requires), then the console (apps/console, React) with Vite into dist/console, which the admin
// API serves. Type-checking is `npm run typecheck`; this only transpiles and bundles, in a few seconds.
import { transformFile } from '@swc/core';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'dist');
const tsconfig = JSON.parse(await readFile(path.join(root, 'tsconfig.json'), 'utf8'));
const swcrc = JSON.parse(await readFile(path.join(root, '.swcrc'), 'utf8'));
const roots = ['apps', 'libs', 'bench'];

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const rel = path.relative(root, full);
      // The console is bundled by Vite below, not transpiled module by module.
      const skip = [path.join('bench', 'results'), path.join('apps', 'console')].includes(rel);
      if (entry.name !== 'node_modules' && !skip) yield* walk(full);
    } else yield full;
  }
}

await rm(out, { recursive: true, force: true });
let count = 0;
const jobs = [];
for (const r of roots.filter((dir) => existsSync(path.join(root, dir)))) {
  for await (const file of walk(path.join(root, r))) {
    const rel = path.relative(root, file);
    if (/\.spec\.ts$|\.d\.ts$/.test(rel)) continue;
    if (rel.endsWith('.ts')) {
      jobs.push(
        transformFile(file, {
          ...swcrc,
          $schema: undefined,
          swcrc: false,
          filename: file,
          sourceFileName: path.relative(path.dirname(path.join(out, rel)), file),
          jsc: { ...swcrc.jsc, baseUrl: root, paths: tsconfig.compilerOptions.paths },
        }).then(async ({ code, map }) => {
          const target = path.join(out, rel.replace(/\.ts$/, '.js'));
          await mkdir(path.dirname(target), { recursive: true });
          await writeFile(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
          if (map) await writeFile(`${target}.map`, map);
          count++;
        }),
      );
    } else if (/\.(json|yaml|yml|hl7|txt)$/.test(rel)) {
      const target = path.join(out, rel);
      jobs.push(mkdir(path.dirname(target), { recursive: true }).then(() => copyFile(file, target)));
    }
  }
}
await Promise.all(jobs);
console.log(`built ${count} modules into dist/`);

const { build } = await import('vite');
await build({ configFile: path.join(root, 'apps', 'console', 'vite.config.mts'), logLevel: 'warn' });
console.log('built the console into dist/console/');
