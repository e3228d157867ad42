/**
 * `npm run reconcile:replay -- --crm salesforce|hubspot --from <ISO time>`
 *
 * After an incident (webhooks lost, a receiver down longer than the CRM retries), rewinds a CRM's
 * reconciliation cursor so the next scheduled run re-reads every contact changed since `--from`
 * and applies what was missed. Safe to repeat: records already applied are recognised by version
 * (change markers), and replayed events carry version-derived ids the consent ledger dedupes on.
 * Needs the database the CRM subgraphs keep reconciliation state in (DATABASE_URL, or DATA_DIR's
 * `crm-reconcile-<crm>` PGlite directory while no subgraph holds it open).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig, runtimeEnv } from '../shared/config.js';
import { CRM_NAMES } from '../crm/registry.js';
import { RECONCILE_MIGRATIONS, ReconcileStateStore } from '../shared/crm/reconciliation/cursor-store.js';
import { migrate, openDatabase } from '../shared/db.js';

const USAGE = `usage: npm run reconcile:replay -- --crm ${CRM_NAMES.join('|')} --from 2026-12-01T00:00:00Z`;

const Args = z.object({
  crm: z.enum(CRM_NAMES),
  from: z.iso.datetime({ offset: true }).transform((v) => new Date(v)),
});

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { crm: { type: 'string' }, from: { type: 'string' } } });
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    console.error(`${z.prettifyError(parsed.error)}\n${USAGE}`);
    process.exit(2);
  }
  const env = loadConfig(z.object({ DATABASE_URL: runtimeEnv.DATABASE_URL, DATA_DIR: runtimeEnv.DATA_DIR }));
  if (!env.DATABASE_URL && !env.DATA_DIR) {
    console.error(
      'DATABASE_URL (or DATA_DIR) must name the database the CRM subgraphs keep reconciliation state in: an in-memory one cannot be reached from here.',
    );
    process.exit(2);
  }
  const { crm, from } = parsed.data;
  const db = await openDatabase({
    url: env.DATABASE_URL,
    dataDir: env.DATA_DIR ? `${env.DATA_DIR}/crm-reconcile-${crm}` : undefined,
  });
  try {
    await migrate(db, 'crm-reconcile', RECONCILE_MIGRATIONS);
    await new ReconcileStateStore(db).rewind(crm, from.getTime());
    console.log(
      JSON.stringify({
        crm,
        replayFrom: from.toISOString(),
        note: 'the next scheduled run reads every contact changed since then',
      }),
    );
  } finally {
    await db.close();
  }
}

await main();
