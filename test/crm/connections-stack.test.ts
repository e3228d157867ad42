import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmModule } from '../../crm/registry.js';
import { IDENTITY_HEADER, signIdentity } from '../../shared/identity.js';
import { startCrmConnectionsStack, type CrmConnectionsStack } from '../../sim/stacks/crm-connections-stack.js';
import type { GqlResult } from './contract-suite.js';

/**
 * The bench hook (sim/stacks/crm-connections-stack.ts) starts what the bench measures: N sellers,
 * each served through its own connection pipeline, here on HubSpot with one simulated portal.
 */
describe('CRM connections stack (bench hook)', () => {
  let stack: CrmConnectionsStack;
  beforeAll(async () => {
    stack = await startCrmConnectionsStack({ crm: 'hubspot', connections: 3, contacts: 10 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('serves every seller from its own connection pipeline', async () => {
    const hubspot = crmModule('hubspot');
    const sim = stack.simulators[0]!;
    const connector = hubspot.createConnector(sim.account as never, { webhookSecret: sim.webhookSecret });
    let first: string | undefined;
    for await (const page of connector.changedContactsSince(0)) {
      first = page[0]?.sourceId;
      if (first) break;
    }
    await connector.close();
    const id = `hubspot:${first!}`;
    for (const seller of stack.sellers) {
      const body = JSON.stringify({ query: 'query($id: ID!) { contact(id: $id) { id } }', variables: { id } });
      const res = await fetch(stack.subgraph.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: signIdentity({ sub: `agent-${seller}`, roles: ['agent'], seller }, stack.internalSecret, {
            body,
          }),
        },
        body,
      });
      expect((await res.json()) as GqlResult).toEqual({ data: { contact: { id } } });
    }
    expect(
      stack.subgraph
        .router!.open()
        .map((p) => p.connectionId)
        .sort(),
    ).toEqual(['conn_1', 'conn_2', 'conn_3']);
  });
});
