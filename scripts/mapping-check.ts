/**
 * `npm run mapping:check`: compares each connection's live describe/properties with what its
 * mapping (its overrides included) reads and prints the differences per connection: every CRM's
 * deployment connection (env, `<CRM>_MAPPING_OVERRIDES`) and every stored connection of the
 * connection table (DATABASE_URL or `--dir`; exit 1 when there are differences, 2 when an account
 * cannot be reached).
 * `npm run mapping:check -- --write-docs` regenerates the mapping tables in docs/mapping-<crm>.md
 * from the mapping code instead (no CRM calls).
 *
 * Configuration comes from the usual env (SALESFORCE_*, HUBSPOT_*); `--crm <name>` (a name of
 * crm/registry.ts) limits the check to one CRM.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { connectionEnv, crmClientEnv, loadConfig, runtimeEnv, webhookSecretEnv } from '../shared/config.js';
import { migrateConnections } from '../shared/crm/connections/migrations.js';
import { createSecretBox, parseKeyRing } from '../shared/crm/connections/secret-box.js';
import { ConnectionStore } from '../shared/crm/connections/store.js';
import { openDatabase } from '../shared/db.js';
import { createLogger } from '../shared/logger.js';
import type { CrmConnection } from '../shared/crm/connection.js';
import { mappingOverridesEnv } from '../shared/crm/mapping-overrides.js';
import { renderMappingTable, replaceMappingTable } from '../shared/crm/mapping-table.js';
import { mappingCheckTargets, runMappingCheck } from '../crm/mapping-check.js';

const env = loadConfig(
  z.object({
    ...crmClientEnv,
    ...webhookSecretEnv,
    DATABASE_URL: runtimeEnv.DATABASE_URL,
    CONNECTION_ENCRYPTION_KEYS: connectionEnv.CONNECTION_ENCRYPTION_KEYS,
    SALESFORCE_MAPPING_OVERRIDES: mappingOverridesEnv,
    HUBSPOT_MAPPING_OVERRIDES: mappingOverridesEnv,
  }),
);
const args = process.argv.slice(2);
const only = args.includes('--crm') ? args[args.indexOf('--crm') + 1] : undefined;

/**
 * The stored connections (decrypted) to check besides the deployment ones: from the connection
 * table when DATABASE_URL (or `--dir <PGlite directory>`, while no service holds it open) names
 * it; none otherwise. A row sealed with a key outside CONNECTION_ENCRYPTION_KEYS is skipped (logged).
 */
async function storedConnections(): Promise<CrmConnection[]> {
  const dir = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : undefined;
  if (!env.DATABASE_URL && !dir) return [];
  const log = createLogger('mapping-check', { level: 'warn' });
  const db = await openDatabase({ url: env.DATABASE_URL, dataDir: dir, log });
  try {
    await migrateConnections(db);
    const store = new ConnectionStore({ db, box: createSecretBox(parseKeyRing(env.CONNECTION_ENCRYPTION_KEYS)), log });
    return await store.loadAll();
  } finally {
    await db.close();
  }
}

if (args.includes('--write-docs')) {
  // The docs show the code's mapping: the deployment connectors without any overrides.
  for (const { connector: c } of mappingCheckTargets(env, [], only)) {
    const path = `docs/mapping-${c.source}.md`;
    const current = existsSync(path) ? readFileSync(path, 'utf8') : `# ${c.source} mapping\n`;
    writeFileSync(path, replaceMappingTable(current, renderMappingTable(c.mappingVersion, c.mappingTable)));
    console.log(`wrote the mapping table of ${c.mappingVersion} into ${path}`);
    await c.close();
  }
  process.exit(0);
}

const targets = mappingCheckTargets(
  {
    ...env,
    mappingOverrides: { salesforce: env.SALESFORCE_MAPPING_OVERRIDES, hubspot: env.HUBSPOT_MAPPING_OVERRIDES },
  },
  await storedConnections(),
  only,
);
const { differences, unreachable } = await runMappingCheck(targets, (line) => console.log(line));
process.exit(unreachable > 0 ? 2 : differences > 0 ? 1 : 0);
