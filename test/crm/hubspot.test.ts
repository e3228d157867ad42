import { silentLogger } from '../../shared/logger.js';
import { generateHubspotDataset } from '../../sim/data/hubspot-dataset.js';
import { startHubspotSim } from '../../sim/hubspot/server.js';
import type { HubspotSeed } from '../../sim/hubspot/store.js';
import { startHubspotSubgraph } from '../../subgraphs/hubspot/server.js';
import { runCrmContractSuite } from './contract-suite.js';

/**
 * The HubSpot subgraph runs the one CRM contract suite unchanged, against the HubSpot simulator
 * seeded with a generated portal (messy phones, deals in every stage, calls).
 */

const CONTACTS = 150;

/** The generated portal in the simulator's seed shape (the sim serves its small fixture otherwise). */
function generatedPortal(): HubspotSeed {
  const data = generateHubspotDataset({ seed: 'hubspot-contract', contacts: CONTACTS });
  const plain = (o: {
    id: string;
    properties: Readonly<Record<string, string | null>>;
    createdAt: string;
    updatedAt: string;
  }) => ({
    id: o.id,
    properties: { ...o.properties },
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  });
  const pairs = (map: Iterable<[string, string[]]>) =>
    [...map].flatMap(([from, tos]) => tos.map((to) => [from, to] as const));
  return {
    contacts: [...data.contacts.values()].map(plain),
    deals: [...data.deals.values()].map(plain),
    calls: [...data.calls.values()].map(plain),
    associations: {
      contactToDeal: pairs(data.associations.contactDeals.entries()),
      contactToCall: pairs(data.associations.contactCalls.entries()),
    },
  };
}

const dataset = generatedPortal();

runCrmContractSuite({
  name: 'hubspot',
  startSim: () => startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 }, webhookBatchWindowMs: 0, dataset }),
  startSubgraph: ({ simUrl, runtime, bus }) =>
    startHubspotSubgraph({
      port: 0,
      hubspot: {
        baseUrl: simUrl,
        accessToken: 'dev-hubspot-token',
        clientSecret: 'dev-hubspot-client-secret',
        timeoutMs: 5_000,
      },
      runtime,
      bus,
      log: silentLogger,
    }),
  sampleSourceIds: async (_sim, n) => dataset.contacts.slice(0, n).map((c) => c.id),
  contactBatchEndpoints: ['contacts.batchRead'],
  // contacts + associations (deals, calls) + deals + calls
  callsPerBatch: 5,
  overheadEndpoints: [],
  doNotCallDrift: { object: 'contacts', field: 'dialplane_do_not_call', to: 'dialplane_dnc' },
  mobilePhoneField: 'mobilephone',
});
