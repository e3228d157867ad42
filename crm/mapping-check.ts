import type { z } from 'zod';
import type { webhookSecretEnv } from '../shared/config.js';
import type { CrmConnection } from '../shared/crm/connection.js';
import type { CrmConnector, MappingCheckReport } from '../shared/crm/connector.js';
import type { CrmClientEnv, CrmModule } from './module.js';
import { CRM_MODULES, type CrmName } from './registry.js';

/**
 * `npm run mapping:check` per connection (issue 15): every CRM's deployment connection and every
 * stored connection, each checked with its own mapping (its overrides included) against its own
 * account's live describe / properties, and printed under its own heading, so drift on one
 * seller's overridden field is reported for that connection only.
 */

export interface MappingCheckTarget {
  /** `salesforce deployment`, `salesforce connection conn_… (seller acme, account 00D…)`. */
  label: string;
  connector: CrmConnector;
}

export type MappingCheckEnv = CrmClientEnv & {
  [K in keyof typeof webhookSecretEnv]: z.output<(typeof webhookSecretEnv)[K]>;
} & { mappingOverrides?: Partial<Record<CrmName, Readonly<Record<string, string>>>> };

/** The connectors to check: each CRM's deployment connection, then each active stored connection. */
export function mappingCheckTargets(
  env: MappingCheckEnv,
  connections: readonly CrmConnection[],
  only?: string,
): MappingCheckTarget[] {
  const modules: readonly CrmModule<CrmName, unknown>[] = CRM_MODULES;
  const targets: MappingCheckTarget[] = [];
  for (const m of modules.filter((x) => !only || x.name === only)) {
    const webhookSecret = env[m.webhookSecretEnv];
    targets.push({
      label: `${m.name} deployment`,
      connector: m.createConnector(m.accountFromEnv(env), {
        webhookSecret,
        mappingOverrides: env.mappingOverrides?.[m.name],
      }),
    });
    for (const c of connections) {
      if (c.crm !== m.name || c.status !== 'active') continue;
      targets.push({
        label: `${m.name} connection ${c.id} (seller ${c.seller}, account ${c.account})`,
        connector: m.createConnector(m.accountOf(c), { webhookSecret, mappingOverrides: c.mappingOverrides }),
      });
    }
  }
  return targets;
}

export interface MappingCheckOutcome {
  label: string;
  report: MappingCheckReport | null;
  /** Why the live schema could not be read (never a credential: CRM error codes and messages only). */
  error?: string;
}

/** Checks every target (one at a time: a describe burst per account is enough) and prints each under its label. */
export async function runMappingCheck(
  targets: readonly MappingCheckTarget[],
  print: (line: string) => void,
): Promise<{ outcomes: MappingCheckOutcome[]; differences: number; unreachable: number }> {
  const outcomes: MappingCheckOutcome[] = [];
  let differences = 0;
  let unreachable = 0;
  for (const { label, connector } of targets) {
    try {
      const report = await connector.checkMapping();
      print(
        `${label} (${report.mappingVersion}): ${report.fieldsChecked} fields checked, ${report.differences.length} difference(s)`,
      );
      for (const d of report.differences) {
        print(
          `  ${d.problem.padEnd(24)} ${d.crmField.padEnd(40)} expected ${d.expected}${d.actual ? `, found ${d.actual}` : ''}`,
        );
      }
      differences += report.differences.length;
      outcomes.push({ label, report });
    } catch (error) {
      unreachable += 1;
      const reason = error instanceof Error ? error.message : String(error);
      print(`${label}: could not read the live schema (${reason})`);
      outcomes.push({ label, report: null, error: reason });
    } finally {
      await connector.close();
    }
  }
  return { outcomes, differences, unreachable };
}
