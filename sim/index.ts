import { z } from 'zod';
import { crmClientEnv, loadConfig, portEnv, runtimeEnv, webhookSecretEnv } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { startSalesforceSim } from './salesforce/server.js';
import { startHubspotSim } from './hubspot/server.js';
import { ACME_CONTACTS, ACME_HUBSPOT_PORTAL, ACME_SALESFORCE_ORG } from './demo-accounts.js';
import { pathToFileURL } from 'node:url';

/**
 * `npm run sim` (and `npm start`): both CRM simulators, Salesforce on 4101 and HubSpot on 4102 by default, each
 * with its `/__sim/` admin API. Config is read once here (env, validated with zod) and passed down.
 */
const urlList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url()));

export const simEnv = z.object({
  LOG_LEVEL: runtimeEnv.LOG_LEVEL,
  /** Listen address of both sims (0.0.0.0 in containers). */
  BIND_HOST: runtimeEnv.BIND_HOST,
  SIM_SALESFORCE_PORT: portEnv.SIM_SALESFORCE_PORT,
  SIM_HUBSPOT_PORT: portEnv.SIM_HUBSPOT_PORT,
  /** Same seed, same data (both CRMs). */
  SIM_SEED: z.string().min(1).default('1'),
  /** Contacts per CRM (1,000,000 fits in well under 1.5 GB). */
  SIM_CONTACTS: z.coerce.number().int().min(0).max(5_000_000).default(10_000),
  /** Median latency added to every CRM response, and its jitter. */
  SIM_LATENCY_MS: z.coerce.number().min(0).default(120),
  SIM_LATENCY_JITTER_MS: z.coerce.number().min(0).optional(),
  /** Comma-separated receivers; unset = the local CRM subgraphs' webhook routes. */
  SIM_SALESFORCE_CDC_TARGETS: urlList.optional(),
  SIM_HUBSPOT_WEBHOOK_TARGETS: urlList.optional(),
  SALESFORCE_SUBGRAPH_PORT: portEnv.SALESFORCE_SUBGRAPH_PORT,
  HUBSPOT_SUBGRAPH_PORT: portEnv.HUBSPOT_SUBGRAPH_PORT,
  SALESFORCE_CLIENT_ID: crmClientEnv.SALESFORCE_CLIENT_ID,
  SALESFORCE_CLIENT_SECRET: crmClientEnv.SALESFORCE_CLIENT_SECRET,
  HUBSPOT_ACCESS_TOKEN: crmClientEnv.HUBSPOT_ACCESS_TOKEN,
  HUBSPOT_CLIENT_SECRET: webhookSecretEnv.HUBSPOT_CLIENT_SECRET,
  /** The simulator signs its change events as the signing relay in front of Salesforce would. */
  SALESFORCE_WEBHOOK_SECRET: webhookSecretEnv.SALESFORCE_WEBHOOK_SECRET,
});

export type SimEnv = z.infer<typeof simEnv>;

/** Starts both simulators from resolved config; `npm start` and `npm run sim` share this. */
export async function startSimulators(env: SimEnv) {
  const seed = /^\d+$/.test(env.SIM_SEED) ? Number(env.SIM_SEED) : env.SIM_SEED;
  // A third of the median by default: a realistic spread that never goes negative.
  const latency = {
    medianMs: env.SIM_LATENCY_MS,
    jitterMs: env.SIM_LATENCY_JITTER_MS ?? Math.round(env.SIM_LATENCY_MS / 3),
  };
  const salesforceTargets = env.SIM_SALESFORCE_CDC_TARGETS ?? [
    `http://127.0.0.1:${env.SALESFORCE_SUBGRAPH_PORT}/webhooks/salesforce`,
  ];
  const hubspotTargets = env.SIM_HUBSPOT_WEBHOOK_TARGETS ?? [
    `http://127.0.0.1:${env.HUBSPOT_SUBGRAPH_PORT}/webhooks/hubspot`,
  ];
  const salesforce = await startSalesforceSim({
    port: env.SIM_SALESFORCE_PORT,
    host: env.BIND_HOST,
    seed,
    contacts: env.SIM_CONTACTS,
    latency,
    clientId: env.SALESFORCE_CLIENT_ID,
    clientSecret: env.SALESFORCE_CLIENT_SECRET,
    webhookSecret: env.SALESFORCE_WEBHOOK_SECRET,
    webhookTargets: salesforceTargets,
    // The second demo seller's own org (sim/demo-accounts.ts); its events name it (X-Dialplane-Org-Id).
    orgs: [
      {
        orgId: ACME_SALESFORCE_ORG.orgId,
        seed: `${seed}-acme`,
        contacts: ACME_CONTACTS,
        latency,
        clientId: ACME_SALESFORCE_ORG.clientId,
        clientSecret: ACME_SALESFORCE_ORG.clientSecret,
        username: ACME_SALESFORCE_ORG.username,
        refreshTokens: [ACME_SALESFORCE_ORG.refreshToken],
        webhookSecret: env.SALESFORCE_WEBHOOK_SECRET,
        webhookTargets: salesforceTargets,
      },
    ],
  });
  const hubspot = await startHubspotSim({
    port: env.SIM_HUBSPOT_PORT,
    host: env.BIND_HOST,
    seed,
    contacts: env.SIM_CONTACTS,
    latency,
    accessToken: env.HUBSPOT_ACCESS_TOKEN,
    clientSecret: env.HUBSPOT_CLIENT_SECRET,
    webhookTargets: hubspotTargets,
    // The second demo seller's own portal; its webhooks carry its portalId.
    portals: [
      {
        portalId: ACME_HUBSPOT_PORTAL.portalId,
        accessToken: ACME_HUBSPOT_PORTAL.accessToken,
        refreshTokens: [ACME_HUBSPOT_PORTAL.refreshToken],
        seed: `${seed}-acme`,
        contacts: ACME_CONTACTS,
        latency,
        webhookTargets: hubspotTargets,
      },
    ],
  });
  return {
    salesforce,
    hubspot,
    seed,
    latency,
    close: async () => void (await Promise.all([salesforce.close(), hubspot.close()])),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = loadConfig(simEnv);
  const log = createLogger('sim', { level: env.LOG_LEVEL });
  const started = performance.now();
  // Signal handlers before the ports open: a SIGTERM that arrives as soon as they answer still
  // closes cleanly instead of killing the process.
  const starting = startSimulators(env);
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      starting
        .then((sims) => sims.close())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    });
  }
  const sims = await starting;
  log.info(
    {
      salesforce: sims.salesforce.url,
      hubspot: sims.hubspot.url,
      seed: sims.seed,
      contacts: env.SIM_CONTACTS,
      latency: sims.latency,
      startMs: Math.round(performance.now() - started),
    },
    'CRM simulators listening (admin API under /__sim/)',
  );
}
