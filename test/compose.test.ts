import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  API_SCHEMA_PATH,
  SUBGRAPH_SOURCES,
  SUPERGRAPH_PATH,
  composeSupergraph,
  readSubgraphSdls,
} from '../gateway/compose-supergraph.js';
import { readSupergraph } from '../gateway/supergraph-info.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const temps: string[] = [];

/** A throw-away copy of the SDL inputs and the committed outputs, to run the CLI against. */
function copyCheckout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dialplane-compose-'));
  temps.push(dir);
  for (const rel of [...SUBGRAPH_SOURCES.map((s) => s.sdlPath), SUPERGRAPH_PATH, API_SCHEMA_PATH]) {
    try {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      cpSync(path.join(root, rel), path.join(dir, rel));
    } catch {
      // optional subgraph not written yet
    }
  }
  return dir;
}

async function compose(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [path.join(root, 'scripts/compose.ts'), ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('supergraph composition', () => {
  it('the committed supergraph.graphql and api.graphql match the subgraph SDLs (else: npm run compose)', () => {
    const outcome = composeSupergraph(readSubgraphSdls(root));
    if (!outcome.ok) throw new Error(`composition fails:\n${outcome.errors.join('\n')}`);
    expect(
      readFileSync(path.join(root, SUPERGRAPH_PATH), 'utf8'),
      'schema/supergraph.graphql is stale: run `npm run compose`',
    ).toBe(outcome.supergraphSdl);
    expect(
      readFileSync(path.join(root, API_SCHEMA_PATH), 'utf8'),
      'schema/api.graphql is stale: run `npm run compose`',
    ).toBe(outcome.apiSdl);
  });

  it('names the CRM contract once, as the subgraph `crm`', () => {
    const info = readSupergraph(readFileSync(path.join(root, SUPERGRAPH_PATH), 'utf8'));
    expect([...info.subgraphs.keys()]).toContain('crm');
    expect([...info.subgraphs.keys()]).not.toContain('salesforce');
    expect(info.schema.getQueryType()?.getFields().contactsByPhone).toBeDefined();
  });

  it('`--check` detects a stale supergraph and exits 1', async () => {
    const dir = copyCheckout();
    // Start from outputs fresh for the copied SDLs, whatever state the working tree is in.
    expect((await compose([`--root=${dir}`])).code).toBe(0);
    const fresh = await compose([`--root=${dir}`, '--check']);
    expect(fresh.code, fresh.stderr).toBe(0);
    const contract = path.join(dir, 'schema/crm-contract.graphql');
    writeFileSync(
      contract,
      readFileSync(contract, 'utf8').replace('type Query {', 'type Query {\n  contactCount: Int'),
    );
    const stale = await compose([`--root=${dir}`, '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/Stale: schema\/supergraph\.graphql, schema\/api\.graphql/);
    const rewrite = await compose([`--root=${dir}`]);
    expect(rewrite.code).toBe(0);
    expect(readFileSync(path.join(dir, API_SCHEMA_PATH), 'utf8')).toContain('contactCount: Int');
  }, 30_000);

  it('prints composition errors clearly and exits 1', async () => {
    const dir = copyCheckout();
    mkdirSync(path.join(dir, 'subgraphs/consent'), { recursive: true });
    // A value type declared with a conflicting field type and without @shareable: two composition errors.
    writeFileSync(
      path.join(dir, 'subgraphs/consent/schema.graphql'),
      `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n` +
        `type Location { country: Int }\ntype Query { where: Location }\n`,
    );
    const result = await compose([`--root=${dir}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Composition of \[crm, consent(, engagement)?\] failed with \d+ error\(s\):/);
    expect(result.stderr).toMatch(/- \[[A-Z_]+\] .*Location\.country/);
  }, 30_000);
});
