import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The import-direction rules of biome.jsonc (docs/conventions.md) fire: each probe file, placed in
 * a throw-away tree beside a copy of the config, imports one thing; `npm run lint` must refuse the
 * forbidden ones and accept the allowed ones. Guards the config against a rule that quietly
 * stopped matching (the real tree passing the lint proves nothing on its own).
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const biome = path.join(root, 'node_modules/.bin/biome');
const dir = mkdtempSync(path.join(tmpdir(), 'dialplane-import-rules-'));
// The probe tree is no git checkout: the copy does without the VCS ignore file, all else as is.
const config = readFileSync(path.join(root, 'biome.jsonc'), 'utf8');
writeFileSync(path.join(dir, 'biome.jsonc'), config.replace('"useIgnoreFile": true', '"useIgnoreFile": false'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROBES: { file: string; imports: string; allowed: boolean }[] = [
  { file: 'shared/crm/a.ts', imports: '../../gateway/server.js', allowed: false },
  { file: 'shared/b.ts', imports: '../subgraphs/consent/server.js', allowed: false },
  { file: 'shared/c.ts', imports: '../sim/hubspot/server.js', allowed: false },
  { file: 'shared/d.ts', imports: '../scripts/start.js', allowed: false },
  { file: 'shared/e.ts', imports: '@apollo/gateway', allowed: true },
  { file: 'subgraphs/consent/f.ts', imports: '../engagement/store.js', allowed: false },
  { file: 'subgraphs/consent/store/g.ts', imports: '../../hubspot/client.js', allowed: false },
  { file: 'subgraphs/engagement/h.ts', imports: '../salesforce/client.js', allowed: false },
  { file: 'subgraphs/engagement/i.ts', imports: '@hubspot/api-client', allowed: true },
  { file: 'subgraphs/engagement/j.ts', imports: '../../shared/errors.js', allowed: true },
  { file: 'sim/hubspot/k.ts', imports: '../../bench/load.js', allowed: false },
  { file: 'test/consent/l.test.ts', imports: '../../bench/consent.js', allowed: false },
  { file: 'gateway/m.ts', imports: '../bench/load.js', allowed: false },
  { file: 'bench/n.ts', imports: './load.js', allowed: true },
  { file: 'shared/o.ts', imports: '../crm/registry.js', allowed: false },
  { file: 'shared/crm/p.ts', imports: '../../crm/salesforce/index.js', allowed: false },
  { file: 'shared/crm/reconciliation/q.ts', imports: '../../../crm/hubspot/client.js', allowed: false },
  { file: 'shared/crm/reconciliation/r.ts', imports: '../connector.js', allowed: true },
  { file: 'crm/salesforce/s.ts', imports: '../../shared/crm/connector.js', allowed: true },
  { file: 'crm/salesforce/t.ts', imports: '../../subgraphs/salesforce/config.js', allowed: false },
  { file: 'crm/hubspot/u.ts', imports: '../../gateway/server.js', allowed: false },
  { file: 'crm/hubspot/v.ts', imports: '../../platforms/core/outcome-input.js', allowed: false },
  { file: 'crm/w.ts', imports: '../bench/load.js', allowed: false },
  { file: 'crm/hubspot/x.ts', imports: '../../sim/hubspot/server.js', allowed: false },
  { file: 'crm/hubspot/simulator.ts', imports: '../../sim/hubspot/server.js', allowed: true },
  { file: 'crm/salesforce/simulator.ts', imports: '../../subgraphs/salesforce/server.js', allowed: false },
  { file: 'subgraphs/engagement/y.ts', imports: '../../crm/registry.js', allowed: true },
];

async function lint(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(biome, ['lint', '--error-on-warnings', '--config-path', dir, file], {
      cwd: dir,
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: stdout + stderr };
  }
}

describe('import direction (biome noRestrictedImports)', () => {
  for (const probe of PROBES) {
    mkdirSync(path.dirname(path.join(dir, probe.file)), { recursive: true });
    writeFileSync(path.join(dir, probe.file), `import { x } from '${probe.imports}';\nexport { x };\n`);
  }

  it.each(PROBES)('$file importing $imports: allowed=$allowed', async (probe) => {
    const { ok, output } = await lint(probe.file);
    // Allowed: a clean run (not merely "no import finding" from a run that failed for another reason).
    if (probe.allowed) expect({ ok, output }).toMatchObject({ ok: true });
    else expect(output.includes('noRestrictedImports'), output).toBe(true);
  });
});
