/**
 * `npm run build:ui`: bundles the browser pages the gateway serves (the GraphiQL explorer and the
 * operations console) with esbuild into ui-build/, from our sources and node_modules only, so the
 * pages load with no network beyond the gateway. The output is generated, never committed: it is
 * rebuilt whenever its inputs change (a hash of the sources, this script and package-lock.json is
 * kept in ui-build/stamp.json). `--check` exits 1 when the output is missing or stale.
 *
 * Run by `npm start`, `npm run start:gateway`, `npm run build` (and so the Docker image) and the
 * browser tests.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const UI_BUILD_DIR = path.join(root, 'ui-build');
const SOURCE_DIRS = ['gateway/explorer/browser', 'gateway/console/browser'];
const INPUT_FILES = ['package-lock.json', 'scripts/build-ui.ts'];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** Hash of everything the bundles are made from. */
export function uiInputsHash(): string {
  const hash = createHash('sha256');
  const files = [
    ...INPUT_FILES.map((f) => path.join(root, f)),
    ...SOURCE_DIRS.flatMap((d) => filesUnder(path.join(root, d))),
  ].sort();
  for (const file of files) {
    hash.update(path.relative(root, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

export function uiBuildIsFresh(): boolean {
  const stamp = path.join(UI_BUILD_DIR, 'stamp.json');
  if (!existsSync(stamp)) return false;
  return (JSON.parse(readFileSync(stamp, 'utf8')) as { inputs?: string }).inputs === uiInputsHash();
}

const common: BuildOptions = {
  bundle: true,
  minify: true,
  legalComments: 'linked',
  target: ['chrome115', 'firefox115', 'safari16'],
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file' },
  logLevel: 'warning',
};

export async function buildUi(): Promise<void> {
  const inputs = uiInputsHash();
  rmSync(UI_BUILD_DIR, { recursive: true, force: true });
  mkdirSync(UI_BUILD_DIR, { recursive: true });
  const explorerOut = path.join(UI_BUILD_DIR, 'explorer');
  await Promise.all([
    build({
      ...common,
      entryPoints: { explorer: path.join(root, 'gateway/explorer/browser/explorer.tsx') },
      outdir: explorerOut,
      format: 'esm',
      jsx: 'automatic',
    }),
    // Monaco's language workers (GraphiQL 5 edits with Monaco), one classic worker script each.
    build({
      ...common,
      entryPoints: {
        'editor.worker': path.join(root, 'node_modules/monaco-editor/esm/vs/editor/editor.worker.js'),
        'json.worker': path.join(root, 'node_modules/monaco-editor/esm/vs/language/json/json.worker.js'),
        'graphql.worker': path.join(root, 'node_modules/monaco-graphql/esm/graphql.worker.js'),
      },
      outdir: explorerOut,
      format: 'iife',
    }),
    ...(existsSync(path.join(root, 'gateway/console/browser/console.tsx'))
      ? [
          build({
            ...common,
            entryPoints: { console: path.join(root, 'gateway/console/browser/console.tsx') },
            outdir: path.join(UI_BUILD_DIR, 'console'),
            format: 'esm',
            jsx: 'automatic',
            jsxImportSource: 'preact',
          }),
        ]
      : []),
  ]);
  writeFileSync(path.join(UI_BUILD_DIR, 'stamp.json'), `${JSON.stringify({ inputs }, null, 2)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    if (!uiBuildIsFresh()) {
      console.error('ui-build/ is missing or stale: run `npm run build:ui`');
      process.exit(1);
    }
  } else if (uiBuildIsFresh() && !process.argv.includes('--force')) {
    console.log('ui-build/ is fresh');
  } else {
    const started = performance.now();
    await buildUi();
    console.log(`ui-build/ built in ${Math.round(performance.now() - started)} ms`);
  }
}
