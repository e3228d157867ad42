/**
 * `npm run mapping:check`: compares each CRM's live describe/properties with what its mapping
 * reads and prints the differences (exit 1 when there are any, 2 when a CRM cannot be reached).
 * `npm run mapping:check -- --write-docs` regenerates the mapping tables in docs/mapping-<crm>.md
 * from the mapping code instead (no CRM calls).
 *
 * Configuration comes from the usual env (SALESFORCE_*, HUBSPOT_*); `--crm <name>` (a name of
 * crm/registry.ts) limits the check to one CRM.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { crmClientEnv, loadConfig, webhookSecretEnv } from '../shared/config.js';
import type { CrmConnector, MappingCheckReport } from '../shared/crm/connector.js';
import { renderMappingTable, replaceMappingTable } from '../shared/crm/mapping-table.js';
import type { CrmModule } from '../crm/module.js';
import { CRM_MODULES, type CrmName } from '../crm/registry.js';

const env = loadConfig(z.object({ ...crmClientEnv, ...webhookSecretEnv }));
const args = process.argv.slice(2);
const only = args.includes('--crm') ? args[args.indexOf('--crm') + 1] : undefined;

// Every registered CRM, on its deployment connection (the env-configured account).
const modules: readonly CrmModule<CrmName, unknown>[] = CRM_MODULES;
const connectors: CrmConnector[] = modules
  .filter((m) => !only || m.name === only)
  .map((m) => m.createConnector(m.accountFromEnv(env), { webhookSecret: env[m.webhookSecretEnv] }));

if (args.includes('--write-docs')) {
  for (const c of connectors) {
    const path = `docs/mapping-${c.source}.md`;
    const current = existsSync(path) ? readFileSync(path, 'utf8') : `# ${c.source} mapping\n`;
    writeFileSync(path, replaceMappingTable(current, renderMappingTable(c.mappingVersion, c.mappingTable)));
    console.log(`wrote the mapping table of ${c.mappingVersion} into ${path}`);
  }
  process.exit(0);
}

let differences = 0;
let unreachable = 0;
for (const c of connectors) {
  let report: MappingCheckReport;
  try {
    report = await c.checkMapping();
  } catch (error) {
    unreachable += 1;
    console.error(
      `${c.source}: could not read the live schema (${error instanceof Error ? error.message : String(error)})`,
    );
    continue;
  }
  console.log(
    `${report.crm} (${report.mappingVersion}): ${report.fieldsChecked} fields checked, ${report.differences.length} difference(s)`,
  );
  for (const d of report.differences) {
    console.log(
      `  ${d.problem.padEnd(24)} ${d.crmField.padEnd(40)} expected ${d.expected}${d.actual ? `, found ${d.actual}` : ''}`,
    );
  }
  differences += report.differences.length;
  await c.close();
}
process.exit(unreachable > 0 ? 2 : differences > 0 ? 1 : 0);
