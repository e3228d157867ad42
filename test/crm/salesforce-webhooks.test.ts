import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import { createEventBus, type ContactChangedEvent, type EventBus } from '../../shared/events.js';
import { silentLogger } from '../../shared/logger.js';
import { startSalesforceSubgraph } from '../../subgraphs/salesforce/server.js';
import { webhookSignatureHeaders } from '../../shared/webhook-signature.js';
import { describeWithRedis, TEST_REDIS_URL, uniquePrefix } from '../support/services.js';

/**
 * CDC deliveries at /webhooks/salesforce over real HTTP: canonical contact.changed events,
 * duplicate and out-of-order deliveries ignored, malformed bodies rejected. No CRM call is made
 * on this path, so the subgraph points at an address nothing listens on.
 */

const WEBHOOK_SECRET = 'sf-webhook-signing-relay-secret';

const cdc = (over: {
  id: string;
  replayId: number;
  commit: number;
  fields?: string[];
  values?: Record<string, unknown>;
  entity?: string;
}) => ({
  schema: 'dialplane-test',
  payload: {
    ChangeEventHeader: {
      entityName: over.entity ?? 'Contact',
      recordIds: [over.id],
      changeType: 'UPDATE',
      changedFields: over.fields ?? ['DoNotCall', 'LastModifiedDate'],
      changeOrigin: 'com/salesforce/api/rest/62.0',
      transactionKey: `tx-${over.replayId}`,
      sequenceNumber: 1,
      commitTimestamp: over.commit,
      commitUser: '005000000000001AAA',
      commitNumber: over.replayId,
    },
    ...over.values,
  },
  event: { replayId: over.replayId },
});

function suite(_label: string, redisUrl: string | undefined) {
  let sg: RunningCrmSubgraph;
  let bus: EventBus;
  const events: ContactChangedEvent[] = [];
  const post = (body: unknown) => {
    const raw = JSON.stringify(body);
    return fetch(sg.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...webhookSignatureHeaders(WEBHOOK_SECRET, raw) },
      body: raw,
    });
  };

  beforeAll(async () => {
    bus = await createEventBus({ redisUrl, prefix: uniquePrefix('sf-webhooks') });
    await bus.subscribe('contact.changed', (e) => void events.push(e));
    sg = await startSalesforceSubgraph({
      port: 0,
      salesforce: {
        loginUrl: 'http://127.0.0.1:9',
        instanceUrl: 'http://127.0.0.1:9',
        clientId: 'x',
        clientSecret: 'y',
        apiVersion: '62.0',
        webhookSecret: WEBHOOK_SECRET,
        timeoutMs: 200,
      },
      runtime: {
        cacheTtlMs: 10_000,
        batchWindowMs: 3,
        internalSecret: 'sf-webhook-test-secret',
        redisUrl,
        keyPrefix: uniquePrefix('sf-webhooks'),
      },
      bus,
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await sg?.close();
    await bus?.close();
  });

  it('publishes a canonical contact.changed for a Contact change, forwarding only a safe doNotCall', async () => {
    const res = await post(
      cdc({
        id: '003Dp0000000001AAA',
        replayId: 10,
        commit: 1_700_000_000_000,
        values: { DoNotCall: true, Phone: '(415) 555-0100' },
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 1, applied: 1, ignored: 0 });
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toMatchObject({
      contactId: 'salesforce:003Dp0000000001AAA',
      source: 'salesforce',
      changedFields: ['suppression.doNotCall'],
      occurredAt: new Date(1_700_000_000_000).toISOString(),
      suppression: { doNotCall: true },
      phones: ['+14155550100'],
    });
  });

  it('ignores a duplicate delivery and an older event arriving after a newer one', async () => {
    const id = '003Dp0000000002AAA';
    const before = events.length;
    const newer = cdc({ id, replayId: 21, commit: 1_700_000_002_000, fields: ['MobilePhone'] });
    const older = cdc({ id, replayId: 20, commit: 1_700_000_001_000, fields: ['Email'] });
    expect(await (await post(newer)).json()).toMatchObject({ applied: 1 });
    expect(await (await post(newer)).json()).toMatchObject({ applied: 0, ignored: 1 });
    expect(await (await post(older)).json()).toMatchObject({ applied: 0, ignored: 1 });
    // A later change of another contact, published after the three: once it arrived, so would theirs have.
    const witness = '003Dp0000000099AAA';
    expect(
      await (await post(cdc({ id: witness, replayId: 22, commit: 1_700_000_002_500, fields: ['Email'] }))).json(),
    ).toMatchObject({ applied: 1 });
    await expect.poll(() => events.some((e) => e.contactId === `salesforce:${witness}`)).toBe(true);
    const mine = events.slice(before).filter((e) => e.contactId === `salesforce:${id}`);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.changedFields.sort()).toEqual(['phones', 'primaryPhone']);
  });

  it('maps a Task change to its contact and accepts an array of events', async () => {
    const before = events.length;
    const res = await post([
      cdc({
        id: '00TDp0000000001AAA',
        entity: 'TaskChangeEvent',
        replayId: 30,
        commit: 1_700_000_003_000,
        fields: ['Status'],
        values: { WhoId: '003Dp0000000003AAA' },
      }),
      cdc({ id: '00TDp0000000002AAA', entity: 'Task', replayId: 31, commit: 1_700_000_003_000, fields: ['Status'] }),
    ]);
    expect(await res.json()).toEqual({ received: 1, applied: 1, ignored: 0 });
    await expect.poll(() => events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({
      contactId: 'salesforce:003Dp0000000003AAA',
      changedFields: ['crmLastActivity', 'crmIntentStage'],
    });
  });

  it('an Opportunity change names no contact: with the CRM unreachable the delivery answers 503 so the sender retries', async () => {
    // The deal's contacts come from the CRM (ContactId and the contact roles); this subgraph's CRM
    // address has nothing listening, so the delivery must fail rather than be dropped.
    const res = await post(
      cdc({
        id: '006Dp0000000002AAA',
        entity: 'OpportunityChangeEvent',
        replayId: 40,
        commit: 1_700_000_004_000,
        fields: ['StageName'],
      }),
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CRM_UNAVAILABLE');
  });

  it('rejects a body that is not a CDC event with 400', async () => {
    const res = await post({ hello: 'world' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_USER_INPUT');
  });
}

describe('Salesforce CDC webhooks (memory)', () => suite('memory', undefined));
describeWithRedis('Salesforce CDC webhooks (Redis)', () => suite('redis', TEST_REDIS_URL));
