// Copies non-TypeScript runtime assets (SDL files, JSON policy data) next to the compiled JS in
// dist/, so modules that load them relative to import.meta.url work both from source and compiled.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

const ROOTS = ['schema', 'shared', 'sim', 'subgraphs', 'gateway', 'platforms', 'bench', 'examples'];
const EXTENSIONS = new Set(['.graphql', '.json', '.sql']);

function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (EXTENSIONS.has(extname(name))) {
      const target = join('dist', path);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
for (const root of ROOTS) if (existsSync(root)) walk(root);
