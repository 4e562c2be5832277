import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root, from the sources or from dist/: the nearest folder above with a package.json. */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) || existsSync(path.join(dir, '..', 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root');
    dir = parent;
    if (existsSync(path.join(dir, 'nest-cli.json'))) return dir;
  }
  return dir;
}

export const REPO_ROOT = repoRoot();
