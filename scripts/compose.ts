/**
 * `npm run compose`: composes the subgraph SDLs into schema/supergraph.graphql and schema/api.graphql.
 * `npm run compose -- --check`: writes nothing, exits 1 when the committed files are stale.
 * Composition errors are printed one per line and exit 1, so CI shows what to fix.
 * `--root=<dir>` runs against another checkout (used by test/compose.test.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  API_SCHEMA_PATH,
  SUPERGRAPH_PATH,
  composeSupergraph,
  readSubgraphSdls,
} from '../gateway/compose-supergraph.js';

// `--root=<dir>` composes another checkout (tests use a temporary copy); default: this repository.
const rootArg = process.argv.find((a) => a.startsWith('--root='));
const root = rootArg
  ? path.resolve(rootArg.slice('--root='.length))
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

function read(rel: string): string | undefined {
  const file = path.join(root, rel);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function main(): number {
  const outcome = composeSupergraph(readSubgraphSdls(root));
  if (!outcome.ok) {
    console.error(`Composition of [${outcome.subgraphs.join(', ')}] failed with ${outcome.errors.length} error(s):`);
    for (const error of outcome.errors) console.error(`  - ${error}`);
    return 1;
  }
  const outputs: [string, string][] = [
    [SUPERGRAPH_PATH, outcome.supergraphSdl],
    [API_SCHEMA_PATH, outcome.apiSdl],
  ];
  if (check) {
    const stale = outputs.filter(([rel, content]) => read(rel) !== content).map(([rel]) => rel);
    if (stale.length > 0) {
      console.error(
        `Stale: ${stale.join(', ')} no longer match the subgraph SDLs. Run \`npm run compose\` and commit.`,
      );
      return 1;
    }
    console.log(`Supergraph is fresh (subgraphs: ${outcome.subgraphs.join(', ')}).`);
    return 0;
  }
  for (const [rel, content] of outputs) writeFileSync(path.join(root, rel), content);
  for (const hint of outcome.hints) console.log(`hint: ${hint}`);
  console.log(`Composed [${outcome.subgraphs.join(', ')}] -> ${SUPERGRAPH_PATH}, ${API_SCHEMA_PATH}`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`compose: ${(error as Error).message}`);
  process.exitCode = 1;
}
