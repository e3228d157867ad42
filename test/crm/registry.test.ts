import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRM_MODULES, CRM_NAMES, crmModule, isCrmName } from '../../crm/registry.js';

/**
 * crm/registry.ts is the one list of CRMs: every folder under crm/ is registered under its own
 * name, every folder has the shared inner layout (docs/adding-a-crm.md), and the public contract's
 * CrmSource enum names exactly the registered CRMs.
 */
const root = path.resolve(import.meta.dirname, '../..');
const LAYOUT = [
  'connection.ts',
  'client.ts',
  'read-mapping.ts',
  'loaders.ts',
  'changes.ts',
  'webhooks.ts',
  'connector.ts',
  'write-mapping.ts',
  'writer.ts',
  'simulator.ts',
  'index.ts',
];

const folders = readdirSync(path.join(root, 'crm'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe('CRM registry', () => {
  it('registers every crm/<name>/ folder once, under the folder name', () => {
    expect([...CRM_NAMES].sort()).toEqual(folders);
    expect(new Set(CRM_NAMES).size).toBe(CRM_MODULES.length);
  });

  it.each(folders)('crm/%s/ has the shared layout', (folder) => {
    const files = readdirSync(path.join(root, 'crm', folder));
    expect(LAYOUT.filter((f) => !files.includes(f))).toEqual([]);
  });

  it('matches the contract CrmSource enum', () => {
    const sdl = readFileSync(path.join(root, 'schema/crm-contract.graphql'), 'utf8');
    const values = /enum CrmSource \{([^}]*)\}/.exec(sdl)?.[1]?.trim().split(/\s+/) ?? [];
    expect(values.sort()).toEqual(CRM_NAMES.map((n) => n.toUpperCase()).sort());
  });

  it('finds modules by name and refuses unknown ones', () => {
    for (const name of CRM_NAMES) expect(crmModule(name).name).toBe(name);
    expect(isCrmName('hubspot')).toBe(true);
    expect(isCrmName('pipedrive')).toBe(false);
  });
});
