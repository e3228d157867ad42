import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SimAdminClient } from '../../sim/common/admin-client.js';
import type { CrmRuntimeConfig, RunningCrmSubgraph } from '../../shared/crm/crm-subgraph.js';
import { crmContractServedSdl } from '../../shared/crm/contract.js';
import type { CrmSource } from '../../shared/crm/connector.js';
import { createEventBus, type ContactChangedEvent, type EventBus } from '../../shared/events.js';
import { IDENTITY_HEADER, signIdentity } from '../../shared/identity.js';
import { describeWithRedis, TEST_REDIS_URL, uniquePrefix } from '../support/services.js';

/**
 * The CRM contract suite: ONE suite every CRM subgraph runs unchanged (keyv's test-suite idea).
 * Everything goes over real HTTP against the CRM simulator, with a signed gateway identity, and
 * CRM calls are counted by the simulator itself (`/__sim/stats`), not by our own metrics.
 * Each test gets a fresh subgraph (fresh cache namespace, breaker, batcher) on a shared simulator
 * whose knobs and counters are reset in between. The suite runs twice: memory cache and Redis.
 */

export interface RunningSim {
  url: string;
  admin: SimAdminClient;
  close(): Promise<void>;
}

export interface CrmContractSuiteOptions {
  name: CrmSource;
  /** Starts the simulator on port 0 with zero latency. */
  startSim(): Promise<RunningSim>;
  startSubgraph(args: { simUrl: string; runtime: CrmRuntimeConfig; bus: EventBus }): Promise<RunningCrmSubgraph>;
  /** `n` contact source ids that exist in the simulator (may call the CRM; counters are reset after). */
  sampleSourceIds(sim: RunningSim, n: number): Promise<string[]>;
  /** Simulator endpoint names that read contacts in batches (e.g. `query`, `contacts.batchRead`). */
  contactBatchEndpoints: readonly string[];
  /** Most CRM calls one batch load of contacts (with deals and activity) may make. */
  callsPerBatch: number;
  /** Simulator endpoints that are not data reads (token grants, describes): not counted as batch calls. */
  overheadEndpoints: readonly string[];
  /** A field rename that must surface as CRM_SCHEMA_DRIFT on `suppression.doNotCall` only. */
  doNotCallDrift: { object: string; field: string; to: string };
  /** Simulator edit field name for the mobile phone (for the messy-phone test). */
  mobilePhoneField: string;
  /** The seller the suite's caller acts for (routing by connection: the subgraph serves it from its connection). */
  seller?: string;
}

const SECRET = 'contract-suite-internal-secret';
const identity = (body: string, seller?: string) =>
  signIdentity({ sub: 'contract-suite-agent', roles: ['agent'], ...(seller ? { seller } : {}) }, SECRET, { body });

export interface GqlResult {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  seller?: string,
): Promise<GqlResult> {
  const body = JSON.stringify({ query, variables });
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: identity(body, seller) },
    body,
  });
  return (await res.json()) as GqlResult;
}

const CONTACT_FIELDS = `
  id source sourceId
  name { first last full }
  email
  phones { e164 raw type extension valid }
  primaryPhone timeZone
  location { country state city postalCode }
  crmIntentStage
  openDeal { id name stage crmStage closed won amount closeDate }
  crmLastActivity { at summary disposition type }
  suppression { doNotCall emailOptOut }
  freshness { fetchedAt ageMs stale source mappingVersion }
`;
const CONTACT = `query($id: ID!) { contact(id: $id) { ${CONTACT_FIELDS} } }`;
const CONTACTS = `query($ids: [ID!]!) { contacts(ids: $ids) { ${CONTACT_FIELDS} } }`;
const BY_PHONE = `query($phone: String!) { contactsByPhone(phone: $phone) { id phones { e164 raw type } freshness { stale } } }`;

export function runCrmContractSuite(options: CrmContractSuiteOptions): void {
  describe(`CRM contract suite: ${options.name} (memory cache)`, () => defineSuite(options, undefined));
  describeWithRedis(`CRM contract suite: ${options.name} (Redis cache)`, () => defineSuite(options, TEST_REDIS_URL));
}

function defineSuite(options: CrmContractSuiteOptions, redisUrl: string | undefined): void {
  let sim: RunningSim;
  let ids: string[];
  let subgraph: RunningCrmSubgraph | undefined;
  let bus: EventBus;
  const gid = (sourceId: string) => `${options.name}:${sourceId}`;
  const ask = (url: string, query: string, variables: Record<string, unknown> = {}) =>
    gql(url, query, variables, options.seller);

  const start = async (overrides: Partial<CrmRuntimeConfig> = {}) => {
    const prefix = uniquePrefix(`crm-${options.name}`);
    subgraph = await options.startSubgraph({
      simUrl: sim.url,
      bus,
      runtime: {
        cacheTtlMs: 10_000,
        batchWindowMs: 3,
        redisUrl,
        internalSecret: SECRET,
        keyPrefix: prefix,
        ...overrides,
      },
    });
    return subgraph;
  };

  /** CRM data calls since the last reset (token grants and describes excluded). */
  const dataCalls = async () => {
    const { counters } = await sim.admin.stats();
    return Object.entries(counters)
      .filter(([e]) => !options.overheadEndpoints.includes(e))
      .reduce((n, [, c]) => n + c, 0);
  };
  const batchCalls = async () => {
    const { counters } = await sim.admin.stats();
    return options.contactBatchEndpoints.reduce((n, e) => n + (counters[e] ?? 0), 0);
  };

  beforeAll(async () => {
    sim = await options.startSim();
    ids = await options.sampleSourceIds(sim, 120);
    expect(ids.length).toBeGreaterThanOrEqual(120);
    bus = await createEventBus({ redisUrl, prefix: uniquePrefix(`crm-${options.name}-bus`) });
  });
  afterAll(async () => {
    await bus?.close();
    await sim?.close();
  });
  beforeEach(async () => {
    await sim.admin.reset('all');
  });
  afterEach(async () => {
    await subgraph?.close();
    subgraph = undefined;
  });

  it('serves exactly the CRM contract SDL', async () => {
    const sg = await start();
    const res = await ask(sg.url, '{ _service { sdl } }');
    expect(res.data?._service.sdl).toBe(crmContractServedSdl());
  });

  it('answers 401 without the gateway identity', async () => {
    const sg = await start();
    const res = await fetch(sg.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(401);
  });

  it('resolves a contact in the canonical shape with freshness', async () => {
    const sg = await start();
    const res = await ask(sg.url, CONTACT, { id: gid(ids[0]!) });
    expect(res.errors).toBeUndefined();
    const c = res.data!.contact;
    expect(c.id).toBe(gid(ids[0]!));
    expect(c.source).toBe(options.name.toUpperCase());
    expect(c.sourceId).toBe(ids[0]);
    expect(Array.isArray(c.phones)).toBe(true);
    for (const p of c.phones) if (p.valid) expect(p.e164).toMatch(/^\+\d{8,15}$/);
    expect(typeof c.suppression.doNotCall).toBe('boolean');
    expect(c.freshness).toMatchObject({ stale: false, source: options.name.toUpperCase() });
    expect(c.freshness.mappingVersion).toMatch(new RegExp(`^${options.name}@\\d+$`));
  });

  it('loads 50 contacts of one request in one CRM batch call', async () => {
    const sg = await start();
    await sim.admin.reset('stats');
    const res = await ask(sg.url, CONTACTS, { ids: ids.slice(0, 50).map(gid) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.contacts).toHaveLength(50);
    expect(res.data!.contacts.every((c: { id: string } | null, i: number) => c?.id === gid(ids[i]!))).toBe(true);
    expect(await batchCalls()).toBe(1);
    expect(await dataCalls()).toBeLessThanOrEqual(options.callsPerBatch);
  });

  it('coalesces 100 concurrent requests for 100 contacts into a handful of CRM calls', async () => {
    const sg = await start();
    // Warm the token grant so only data calls remain to count.
    await ask(sg.url, CONTACT, { id: gid(ids[119]!) });
    // With a CRM round trip of 200 ms (slower than the simulator's default 120 ms, so the test
    // holds on a loaded machine where 100 requests take a while to arrive), requests arriving
    // while a batch is in flight wait for a dispatch slot and merge.
    await sim.admin.setLatency({ medianMs: 200, jitterMs: 0 });
    await sim.admin.reset('stats');
    const answers = await Promise.all(ids.slice(0, 100).map((id) => ask(sg.url, CONTACT, { id: gid(id) })));
    expect(
      answers.filter((a) => a.errors || !a.data?.contact?.id).map((a) => a.errors?.[0]?.message ?? 'no contact'),
    ).toEqual([]);
    const batches = await batchCalls();
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches, `${batches} batch calls for 100 concurrent requests`).toBeLessThanOrEqual(10);
    expect(await dataCalls()).toBeLessThanOrEqual(10 * options.callsPerBatch);
  });

  it('answers a repeat within the TTL from cache: zero CRM calls', async () => {
    const sg = await start();
    await ask(sg.url, CONTACTS, { ids: ids.slice(0, 20).map(gid) });
    await sim.admin.reset('stats');
    const again = await ask(sg.url, CONTACTS, { ids: ids.slice(0, 20).map(gid) });
    expect(again.errors).toBeUndefined();
    expect(await dataCalls()).toBe(0);
  });

  it('evicts on a change event, publishes contact.changed, and refreshes with exactly one batch', async () => {
    const sg = await start();
    const id = ids[3]!;
    const first = await ask(sg.url, CONTACT, { id: gid(id) });
    const before = first.data!.contact.suppression.doNotCall as boolean;
    const events: ContactChangedEvent[] = [];
    const unsubscribe = await bus.subscribe('contact.changed', (e) => void events.push(e));
    await sim.admin.setWebhooks([sg.webhookUrl]);
    await sim.admin.reset('stats');
    await sim.admin.edit({ kind: 'doNotCall', contactId: id, value: !before });
    await sim.admin.waitForDeliveries();
    await expect.poll(() => events.find((e) => e.contactId === gid(id)), { timeout: 5_000 }).toBeTruthy();
    await unsubscribe();
    const changed = events.find((e) => e.contactId === gid(id))!;
    expect(changed.changedFields).toContain('suppression.doNotCall');
    expect(changed.source).toBe(options.name);

    const statsAfterDelivery = await batchCalls();
    const refreshed = await ask(sg.url, CONTACT, { id: gid(id) });
    expect(refreshed.data!.contact.suppression.doNotCall).toBe(!before);
    expect((await batchCalls()) - statsAfterDelivery).toBe(1);
    await ask(sg.url, CONTACT, { id: gid(id) });
    expect((await batchCalls()) - statsAfterDelivery).toBe(1);
  });

  it('answers CRM_SCHEMA_DRIFT on the renamed field only; the rest of the contact resolves', async () => {
    const sg = await start();
    await sim.admin.setDrift({
      object: options.doNotCallDrift.object,
      field: options.doNotCallDrift.field,
      action: 'rename',
      to: options.doNotCallDrift.to,
    });
    const res = await ask(sg.url, CONTACT, { id: gid(ids[5]!) });
    expect(res.errors).toHaveLength(1);
    const [error] = res.errors!;
    expect(error!.path).toEqual(['contact', 'suppression', 'doNotCall']);
    expect(error!.extensions).toMatchObject({
      code: 'CRM_SCHEMA_DRIFT',
      crm: options.name,
      field: `${options.doNotCallDrift.object}.${options.doNotCallDrift.field}`,
      mappingVersion: expect.stringMatching(new RegExp(`^${options.name}@`)),
    });
    const c = res.data!.contact;
    expect(c.id).toBe(gid(ids[5]!));
    expect(c.suppression.doNotCall).toBeNull();
    expect(typeof c.suppression.emailOptOut).toBe('boolean');
    expect(c.name.full).toBeTruthy();
    const metrics = await (await fetch(`${sg.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/dialplane_crm_schema_drift_total\{[^}]*field="suppression.doNotCall"[^}]*\} [1-9]/);
  });

  it('serves stale data flagged stale during an outage, then CRM_UNAVAILABLE when nothing is cached', async () => {
    let nowMs = Date.now();
    const sg = await start({ cacheTtlMs: 150, now: () => nowMs });
    const cached = await ask(sg.url, CONTACT, { id: gid(ids[7]!) });
    expect(cached.data!.contact.freshness.stale).toBe(false);
    nowMs += 200; // past the freshness lifetime on the subgraph's clock
    await sim.admin.setFaults({ outage: true });

    const stale = await ask(sg.url, CONTACT, { id: gid(ids[7]!) });
    expect(stale.errors).toBeUndefined();
    expect(stale.data!.contact.id).toBe(gid(ids[7]!));
    expect(stale.data!.contact.freshness.stale).toBe(true);
    expect(stale.data!.contact.freshness.ageMs).toBeGreaterThanOrEqual(150);

    const missing = await ask(sg.url, CONTACT, { id: gid(ids[8]!) });
    expect(missing.data?.contact ?? null).toBeNull();
    expect(missing.errors?.[0]?.extensions?.code).toBe('CRM_UNAVAILABLE');
    expect(missing.errors?.[0]?.extensions?.crm).toBe(options.name);
  });

  it('normalizes messy phone numbers and finds the contact by any format (then from the phone index)', async () => {
    const sg = await start();
    const id = ids[11]!;
    await sim.admin.edit({
      kind: 'phone',
      contactId: id,
      field: options.mobilePhoneField,
      phone: '(415) 555-0199 ext. 42',
    });
    const res = await ask(sg.url, CONTACT, { id: gid(id) });
    const mobile = res.data!.contact.phones.find((p: { raw: string }) => p.raw === '(415) 555-0199 ext. 42');
    expect(mobile).toMatchObject({ e164: '+14155550199', type: 'MOBILE', extension: '42', valid: true });

    await sim.admin.reset('stats');
    for (const format of ['+1 415 555 0199', '415.555.0199', '(415) 555-0199']) {
      const found = await ask(sg.url, BY_PHONE, { phone: format });
      expect(found.errors).toBeUndefined();
      expect(found.data!.contactsByPhone.map((c: { id: string }) => c.id)).toContain(gid(id));
    }
    // One CRM search for the first format; the others hit the phone index and the contact cache.
    expect(await dataCalls()).toBeLessThanOrEqual(2);
  });

  it('answers BAD_USER_INPUT for an unusable phone number and for a foreign id', async () => {
    const sg = await start();
    for (const phone of ['12', 'call me maybe', '+1 000 000 0000']) {
      const res = await ask(sg.url, BY_PHONE, { phone });
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/phone/);
    }
    const foreign = await ask(sg.url, CONTACT, {
      id: `${options.name === 'salesforce' ? 'hubspot' : 'salesforce'}:123`,
    });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
}
