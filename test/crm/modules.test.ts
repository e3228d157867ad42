import { afterAll, describe, expect, it } from 'vitest';
import type { CrmModule } from '../../crm/module.js';
import { CRM_MODULES, type CrmName } from '../../crm/registry.js';

/**
 * Each registered CRM's descriptor works end to end without naming the CRM: its simulator entry
 * starts an account, the connector built from the answered account reads the live schema and a
 * contact, the same account parses back from a stored connection's shape.
 */
const modules: readonly CrmModule<CrmName, unknown>[] = CRM_MODULES;
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

describe.each(modules.map((m) => [m.name, m] as const))('CRM module %s', (_name, crm) => {
  it('starts its simulator and reads it through its connector', async () => {
    const sim = await crm.startSimulator({ seed: 'modules', contacts: 20, latency: { medianMs: 0, jitterMs: 0 } });
    closers.push(() => sim.close());
    const connector = crm.createConnector(sim.account, { webhookSecret: sim.webhookSecret, timeoutMs: 5_000 });
    closers.push(() => connector.close());
    expect(connector.source).toBe(crm.name);

    const report = await connector.checkMapping();
    expect(report).toMatchObject({ crm: crm.name, differences: [] });
    expect(report.fieldsChecked).toBeGreaterThan(0);

    const changed: string[] = [];
    for await (const page of connector.changedContactsSince(0)) {
      changed.push(...page.map((c) => c.sourceId));
      if (changed.length > 0) break;
    }
    const [first] = await connector.loadContacts(changed.slice(0, 1));
    expect(first).toMatchObject({ kind: 'found', contact: { source: crm.name, sourceId: changed[0] } });
  });

  it('parses a stored connection and refuses one without credentials', () => {
    expect(() => crm.accountOf({ baseUrl: 'https://crm.example', credentials: {} })).toThrow();
  });
});
