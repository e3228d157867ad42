import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_INTERNAL_SECRET, DEV_JWT_SECRET } from '../../shared/config.js';
import { composeSupergraph, readSubgraphSdls } from '../../gateway/compose-supergraph.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { signToken } from '../../gateway/dev-tokens.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { loadHubspotSubgraphConfig } from '../../subgraphs/hubspot/config.js';
import { startHubspotSubgraph } from '../../subgraphs/hubspot/server.js';
import { startEngagementSubgraph, type RunningEngagementSubgraph } from '../../subgraphs/engagement/server.js';
import { eventually } from '../support/eventually.js';
import { outcome, quietLog, recordingConsent, testConfig } from './helpers.js';

// Through the real gateway and the real HubSpot subgraph: the agent records an outcome with the
// CRM down, and the next read of the contact already shows it (intentStage, lastInteraction via
// @requires on the CRM's crm* values); once written and the grace period over, the CRM's values
// (which now include the call) are what the contact shows.

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const JWT = { secret: DEV_JWT_SECRET, issuer: 'dialplane', audience: 'dialplane-api' };

describe('read-your-writes through the gateway', () => {
  let sim: HubspotSim;
  let hubspot: { url: string; close(): Promise<void> };
  let engagement: RunningEngagementSubgraph;
  let gateway: RunningGateway;
  let token: string;

  beforeAll(async () => {
    sim = await startHubspotSim({ port: 0, latency: { medianMs: 0, jitterMs: 0 } });
    hubspot = await startHubspotSubgraph({
      ...loadHubspotSubgraphConfig({
        HUBSPOT_BASE_URL: sim.url,
        HUBSPOT_SUBGRAPH_PORT: '0',
        LOG_LEVEL: 'silent',
        CACHE_TTL_MS: '0',
      }),
      log: quietLog,
    });
    const config = testConfig({ hubspotUrl: sim.url });
    config.policy = { ...config.policy, readYourWritesGraceMs: 1_000 };
    engagement = await startEngagementSubgraph(config, { log: quietLog, consent: recordingConsent() });
    const composition = composeSupergraph(readSubgraphSdls(ROOT));
    if (!composition.ok) throw new Error(composition.errors.join('; '));
    const supergraphPath = path.join(mkdtempSync(path.join(os.tmpdir(), 'engagement-ryw-')), 'supergraph.graphql');
    writeFileSync(supergraphPath, composition.supergraphSdl);
    gateway = await startGateway(
      {
        ...loadGatewayConfig({
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          GATEWAY_PORT: '0',
          SUPERGRAPH_PATH: supergraphPath,
          CRM_SUBGRAPHS: `hubspot=${hubspot.url}`,
          CONSENT_SUBGRAPH_URL: 'http://127.0.0.1:9/graphql',
          ENGAGEMENT_SUBGRAPH_URL: engagement.url,
          JWT_SECRET: DEV_JWT_SECRET,
          DIALPLANE_INTERNAL_SECRET: DEV_INTERNAL_SECRET,
        } as NodeJS.ProcessEnv),
        development: false,
      },
      { log: quietLog, collectDefaultMetrics: false },
    );
    token = await signToken({ sub: 'agent-1', roles: ['agent'] }, JWT, '1h');
  });
  afterAll(async () => {
    await gateway?.close();
    await engagement?.close();
    await hubspot?.close();
    await sim?.close();
  });

  async function viaGateway<T>(query: string, variables: Record<string, unknown> = {}) {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  }
  const CONTACT = `query($id: ID!) { contact(id: $id) { id crmIntentStage intentStage crmLastActivity { at disposition } lastInteraction { at disposition callDisposition origin writeBackStatus summary } } }`;

  it('shows a pending outcome on the next read, then the CRM values once written', async () => {
    const before = await viaGateway<{ contact: Record<string, any> }>(CONTACT, { id: 'hubspot:101' });
    expect(before.errors).toBeUndefined();
    expect(before.data!.contact.intentStage).toBe(before.data!.contact.crmIntentStage);

    // Reads still work; the write endpoints fail (the CRM is down for writes).
    await sim.admin.setFaults({
      outage: false,
      errorRate: 1,
      endpoints: ['calls.search', 'calls.create', 'contacts.update'],
    });
    const input = outcome('hubspot:101', {
      disposition: 'CALLBACK_REQUESTED',
      intentStage: 'QUALIFIED',
      summary: 'call back tomorrow',
      nextAction: 'CALL_BACK',
    });
    const recorded = await viaGateway<{ recordCallOutcome: { id: string; status: string } }>(
      `mutation($input: CallOutcomeInput!) { recordCallOutcome(input: $input) { id status } }`,
      { input },
    );
    expect(recorded.errors).toBeUndefined();
    expect(recorded.data!.recordCallOutcome.status).toBe('QUEUED');

    const pending = await viaGateway<{ contact: Record<string, any> }>(CONTACT, { id: 'hubspot:101' });
    expect(pending.errors).toBeUndefined();
    expect(pending.data!.contact).toMatchObject({
      intentStage: 'QUALIFIED',
      lastInteraction: { origin: 'OUTCOME', callDisposition: 'CALLBACK_REQUESTED', summary: 'call back tomorrow' },
    });
    expect(['QUEUED', 'RETRYING']).toContain(pending.data!.contact.lastInteraction.writeBackStatus);
    expect(pending.data!.contact.crmIntentStage).not.toBe('QUALIFIED');

    await sim.admin.setFaults({ errorRate: 0, endpoints: undefined });
    const id = recorded.data!.recordCallOutcome.id;
    await eventually(async () => (await engagement.runtime.store.getWriteBack(id))?.status === 'WRITTEN', 30_000);
    // Within the grace period the outcome still leads (a CRM subgraph cache may predate the write).
    const justWritten = await viaGateway<{ contact: Record<string, any> }>(CONTACT, { id: 'hubspot:101' });
    expect(justWritten.data!.contact.lastInteraction).toMatchObject({ origin: 'OUTCOME', writeBackStatus: 'WRITTEN' });
    // After it, the CRM's own values lead again, and they now hold the call we wrote.
    const settled = await eventually(async () => {
      const answer = await viaGateway<{ contact: Record<string, any> }>(CONTACT, { id: 'hubspot:101' });
      return answer.data?.contact.lastInteraction?.origin === 'CRM' ? answer : null;
    }, 10_000);
    expect(settled.data!.contact.lastInteraction).toMatchObject({ origin: 'CRM', disposition: 'Connected' });
    expect(Date.parse(settled.data!.contact.crmLastActivity.at)).toBe(Date.parse(input.occurredAt as string));
  }, 60_000);
});
