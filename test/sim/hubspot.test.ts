import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@hubspot/api-client';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';

/**
 * The HubSpot simulator driven through @hubspot/api-client 13.5 exactly as dialplane uses it:
 * no patching, only `basePath` pointing at the simulator.
 */

let sim: HubspotSim;
let hubspot: Client;

const NO_LATENCY = { medianMs: 0, jitterMs: 0 };

beforeAll(async () => {
  sim = await startHubspotSim({ port: 0, latency: NO_LATENCY });
  hubspot = new Client({ accessToken: 'dev-hubspot-token', basePath: sim.url });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  await sim.admin.reset();
});

/** The ApiException the client throws, with its status code and parsed body. */
async function apiError(
  p: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: number; body?: unknown; headers?: Record<string, string> };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, body: e.body as Record<string, unknown>, headers: e.headers ?? {} };
  }
  throw new Error('expected the call to fail');
}

describe('contacts batch read', () => {
  it('returns the selected properties plus the ones HubSpot always includes', async () => {
    const res = await hubspot.crm.contacts.batchApi.read({
      inputs: [{ id: '102' }, { id: '101' }],
      properties: ['phone', 'dialplane_do_not_call', 'no_such_property'],
      propertiesWithHistory: [],
    });
    expect(res.status).toBe('COMPLETE');
    expect(res.results.map((r) => r.id)).toEqual(['101', '102']);
    const grace = res.results.find((r) => r.id === '102')!;
    expect(grace.properties).toEqual({
      phone: '+1 212.555.0101',
      dialplane_do_not_call: 'true',
      createdate: '2023-06-01T09:00:00.000Z',
      lastmodifieddate: '2024-03-01T12:00:00.000Z',
      hs_object_id: '102',
    });
    expect(res.results.find((r) => r.id === '101')!.properties.dialplane_do_not_call).toBeNull();
    expect(grace.createdAt).toBeInstanceOf(Date);
    expect(grace.archived).toBe(false);
  });

  it('answers 207 with numErrors and the missing ids when some do not exist', async () => {
    const res = (await hubspot.crm.contacts.batchApi.read({
      inputs: [{ id: '101' }, { id: '999' }, { id: '998' }],
      properties: ['email'],
      propertiesWithHistory: [],
    })) as unknown as {
      results: Array<{ id: string }>;
      numErrors: number;
      errors: Array<{ category: string; context: { ids: string[] } }>;
    };
    expect(res.results.map((r) => r.id)).toEqual(['101']);
    expect(res.numErrors).toBe(1);
    expect(res.errors[0].category).toBe('OBJECT_NOT_FOUND');
    expect(res.errors[0].context.ids).toEqual(['999', '998']);
    const log = await sim.admin.requests({ endpoint: 'contacts.batchRead' });
    expect(log.at(-1)).toMatchObject({ status: 207, batchSize: 3 });
  });

  it('refuses more than 100 inputs and duplicate ids with a 400 VALIDATION_ERROR', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ id: String(1000 + i) }));
    const tooMany = await apiError(
      hubspot.crm.contacts.batchApi.read({ inputs, properties: [], propertiesWithHistory: [] }),
    );
    expect(tooMany.code).toBe(400);
    expect(tooMany.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(typeof tooMany.body.correlationId).toBe('string');
    const dupes = await apiError(
      hubspot.crm.contacts.batchApi.read({
        inputs: [{ id: '101' }, { id: '101' }],
        properties: [],
        propertiesWithHistory: [],
      }),
    );
    expect(dupes.code).toBe(400);
  });

  it('reads by a unique property with idProperty', async () => {
    const res = await hubspot.crm.contacts.batchApi.read({
      inputs: [{ id: 'grace@example.com' }],
      idProperty: 'email',
      properties: ['firstname'],
      propertiesWithHistory: [],
    });
    expect(res.results.map((r) => [r.id, r.properties.firstname])).toEqual([['102', 'Grace']]);
  });
});

describe('contacts search', () => {
  it('finds a contact by phone digits on the calculated searchable properties, whatever the stored format', async () => {
    const byProperty = (propertyName: string, value: string) => ({
      filters: [{ propertyName, operator: 'EQ' as never, value }],
    });
    const res = await hubspot.crm.contacts.searchApi.doSearch({
      filterGroups: [
        byProperty('hs_searchable_calculated_phone_number', '4155550100'),
        byProperty('hs_searchable_calculated_mobile_number', '4155550100'),
      ],
      properties: ['phone'],
      limit: 10,
      after: '0',
      sorts: [],
    });
    // "(415) 555-0100" and "+14155550100" are the same number.
    expect(res.results.map((r) => r.id)).toEqual(['101', '107']);
    expect(res.total).toBe(2);

    const intl = await hubspot.crm.contacts.searchApi.doSearch({
      filterGroups: [byProperty('hs_searchable_calculated_international_phone_number', '16025550103')],
      properties: ['phone'],
      limit: 10,
      after: '0',
      sorts: [],
    });
    // The extension is not part of the searchable number.
    expect(intl.results.map((r) => r.id)).toEqual(['103']);
  });

  it('filters on lastmodifieddate, sorts, and pages with `after` until the end', async () => {
    const seen: string[] = [];
    let after: string | undefined = '0';
    let pages = 0;
    while (after !== undefined) {
      const res = await hubspot.crm.contacts.searchApi.doSearch({
        filterGroups: [
          {
            filters: [
              {
                propertyName: 'lastmodifieddate',
                operator: 'GTE' as never,
                value: String(Date.parse('2024-03-01T12:00:00Z')),
              },
            ],
          },
        ],
        sorts: [{ propertyName: 'lastmodifieddate', direction: 'DESCENDING' } as never],
        properties: ['lastmodifieddate'],
        limit: 3,
        after,
      });
      expect(res.total).toBe(7);
      seen.push(...res.results.map((r) => r.id));
      after = res.paging?.next?.after;
      pages++;
    }
    expect(pages).toBe(3);
    // Newest first, then ties by id.
    expect(seen).toEqual(['104', '103', '101', '102', '105', '106', '107']);

    const recent = await hubspot.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'lastmodifieddate', operator: 'GT' as never, value: '2024-05-01T00:00:00Z' }] },
      ],
      properties: [],
      limit: 10,
      after: '0',
      sorts: [],
    });
    expect(recent.results.map((r) => r.id)).toEqual(['103', '104']);
  });

  it('supports IN, NEQ, HAS_PROPERTY, NOT_HAS_PROPERTY, BETWEEN and CONTAINS_TOKEN', async () => {
    const ids = async (filters: unknown[]) =>
      (
        await hubspot.crm.contacts.searchApi.doSearch({
          filterGroups: [{ filters: filters as never }],
          properties: [],
          limit: 100,
          after: '0',
          sorts: [],
        })
      ).results.map((r) => r.id);
    expect(await ids([{ propertyName: 'state', operator: 'IN', values: ['ca', 'NY'] }])).toEqual(['101', '102']);
    expect(await ids([{ propertyName: 'dialplane_do_not_call', operator: 'EQ', value: 'true' }])).toEqual(['102']);
    expect(await ids([{ propertyName: 'email', operator: 'NOT_HAS_PROPERTY' }])).toEqual(['104', '106']);
    expect(await ids([{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@example.com' }])).toEqual([
      '101',
      '102',
      '107',
    ]);
    expect(
      await ids([
        { propertyName: 'mobilephone', operator: 'HAS_PROPERTY' },
        { propertyName: 'lifecyclestage', operator: 'NEQ', value: 'customer' },
      ]),
    ).toEqual(['102']);
    expect(
      await ids([
        {
          propertyName: 'lastmodifieddate',
          operator: 'BETWEEN',
          value: '2024-05-01T00:00:00Z',
          highValue: '2024-05-15T00:00:00Z',
        },
      ]),
    ).toEqual(['103']);
  });

  it('enforces HubSpot search limits: page size, filter groups, 10,000 reachable results', async () => {
    const base = { properties: [], sorts: [], after: '0' };
    const big = await apiError(hubspot.crm.contacts.searchApi.doSearch({ ...base, filterGroups: [], limit: 201 }));
    expect(big.code).toBe(400);
    const group = { filters: [{ propertyName: 'state', operator: 'EQ' as never, value: 'CA' }] };
    const groups = await apiError(
      hubspot.crm.contacts.searchApi.doSearch({ ...base, filterGroups: Array(6).fill(group), limit: 10 }),
    );
    expect(groups.code).toBe(400);
    expect(groups.body.category).toBe('VALIDATION_ERROR');
    const deep = await apiError(
      hubspot.crm.contacts.searchApi.doSearch({ ...base, filterGroups: [], limit: 10, after: '10000' }),
    );
    expect(deep.code).toBe(400);
    const unknown = await apiError(
      hubspot.crm.contacts.searchApi.doSearch({
        ...base,
        filterGroups: [{ filters: [{ propertyName: 'nope', operator: 'EQ' as never, value: 'x' }] }],
        limit: 10,
      }),
    );
    expect(unknown.code).toBe(400);
  });
});

describe('contacts get and page', () => {
  it('gets one contact by id with repeated properties= and answers 404 for an unknown id', async () => {
    const one = await hubspot.crm.contacts.basicApi.getById('105', ['phone', 'country']);
    expect(one.properties).toMatchObject({ phone: '+1 (604) 555-0105', country: 'Canada', hs_object_id: '105' });
    const missing = await apiError(hubspot.crm.contacts.basicApi.getById('424242'));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });

  it('pages through every contact with limit and after', async () => {
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await hubspot.crm.contacts.basicApi.getPage(3, after, ['firstname']);
      ids.push(...page.results.map((r) => r.id));
      expect(page.results.every((r) => 'firstname' in r.properties)).toBe(true);
      after = page.paging?.next?.after;
      if (!after) break;
    }
    expect(ids).toEqual(['101', '102', '103', '104', '105', '106', '107']);
  });

  it('includes associations when asked', async () => {
    const one = (await hubspot.crm.contacts.basicApi.getById('101', ['firstname'], undefined, [
      'deals',
      'calls',
    ])) as unknown as {
      associations: Record<string, { results: Array<{ id: string }> }>;
    };
    expect(one.associations.deals.results.map((r) => r.id)).toEqual(['5001']);
    expect(one.associations.calls.results.map((r) => r.id)).toEqual(['90001', '90002']);
  });
});

describe('contacts update', () => {
  it('writes properties that later reads see, and moves lastmodifieddate', async () => {
    const before = await hubspot.crm.contacts.basicApi.getById('101', ['phone']);
    const updated = await hubspot.crm.contacts.basicApi.update('101', {
      properties: { phone: '+1 415 555 0199', dialplane_do_not_call: 'true' },
    });
    expect(updated.properties).toMatchObject({ phone: '+1 415 555 0199', dialplane_do_not_call: 'true' });
    const after = await hubspot.crm.contacts.batchApi.read({
      inputs: [{ id: '101' }],
      properties: ['phone', 'dialplane_do_not_call', 'hs_searchable_calculated_phone_number'],
      propertiesWithHistory: [],
    });
    expect(after.results[0].properties).toMatchObject({
      phone: '+1 415 555 0199',
      dialplane_do_not_call: 'true',
      hs_searchable_calculated_phone_number: '4155550199',
    });
    expect(after.results[0].updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    // The old number no longer finds the contact; the new one does.
    const search = (value: string) =>
      hubspot.crm.contacts.searchApi.doSearch({
        filterGroups: [
          { filters: [{ propertyName: 'hs_searchable_calculated_phone_number', operator: 'EQ' as never, value }] },
        ],
        properties: [],
        limit: 10,
        after: '0',
        sorts: [],
      });
    expect((await search('4155550100')).results.map((r) => r.id)).toEqual(['107']);
    expect((await search('4155550199')).results.map((r) => r.id)).toEqual(['101']);
  });

  it('refuses unknown, read-only and badly typed properties with the VALIDATION_ERROR shape', async () => {
    const unknown = await apiError(
      hubspot.crm.contacts.basicApi.update('101', { properties: { favourite_colour: 'blue' } }),
    );
    expect(unknown.code).toBe(400);
    expect(unknown.body.category).toBe('VALIDATION_ERROR');
    expect(String(unknown.body.message)).toMatch(/^Property values were not valid: \[/);
    const issues = JSON.parse(String(unknown.body.message).replace('Property values were not valid: ', '')) as Array<
      Record<string, unknown>
    >;
    expect(issues[0]).toMatchObject({ isValid: false, error: 'PROPERTY_DOESNT_EXIST', name: 'favourite_colour' });

    const readOnly = await apiError(
      hubspot.crm.contacts.basicApi.update('101', { properties: { hs_searchable_calculated_phone_number: '1' } }),
    );
    expect(String(readOnly.body.message)).toContain('READ_ONLY_VALUE');
    const badOption = await apiError(
      hubspot.crm.contacts.basicApi.update('101', { properties: { lifecyclestage: 'friend' } }),
    );
    expect(String(badOption.body.message)).toContain('INVALID_OPTION');
    const badBool = await apiError(
      hubspot.crm.contacts.basicApi.update('101', { properties: { dialplane_do_not_call: 'maybe' } }),
    );
    expect(String(badBool.body.message)).toContain('INVALID_BOOLEAN');
    const missing = await apiError(hubspot.crm.contacts.basicApi.update('999999', { properties: { firstname: 'X' } }));
    expect(missing.code).toBe(404);
    // Nothing was written by the failed calls.
    const still = await hubspot.crm.contacts.basicApi.getById('101', ['lifecyclestage']);
    expect(still.properties.lifecyclestage).toBe('lead');
  });
});

describe('calls, deals and associations', () => {
  const callInput = (key?: string) => ({
    properties: {
      hs_timestamp: '2024-06-01T15:00:00.000Z',
      hs_call_title: 'Dialplane outbound call',
      hs_call_direction: 'OUTBOUND',
      hs_call_status: 'COMPLETED',
      hs_call_disposition: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
      hs_call_duration: '65000',
      ...(key ? { dialplane_key: key } : {}),
    },
    associations: [
      { to: { id: '104' }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 194 }] },
    ],
  });

  it('creates a call associated with a contact; the association and the call are readable', async () => {
    const created = await hubspot.crm.objects.calls.basicApi.create(callInput('outcome-1'));
    expect(created.id).toMatch(/^\d+$/);
    expect(created.properties).toMatchObject({
      hs_call_title: 'Dialplane outbound call',
      dialplane_key: 'outcome-1',
      hs_object_id: created.id,
    });

    const assoc = await hubspot.crm.associations.v4.batchApi.getPage('contacts', 'calls', { inputs: [{ id: '104' }] });
    expect(assoc.results).toHaveLength(1);
    expect(assoc.results[0].to.map((t) => String(t.toObjectId))).toEqual([created.id]);
    expect(assoc.results[0].to[0].associationTypes[0]).toMatchObject({ category: 'HUBSPOT_DEFINED', typeId: 193 });

    const read = await hubspot.crm.objects.calls.batchApi.read({
      inputs: [{ id: created.id }],
      properties: ['hs_call_disposition', 'hs_timestamp'],
      propertiesWithHistory: [],
    });
    expect(read.results[0].properties).toMatchObject({
      hs_call_disposition: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
      hs_timestamp: '2024-06-01T15:00:00.000Z',
    });
  });

  it('finds a write-back by its dialplane_key and refuses a second call with the same key (409)', async () => {
    const first = await hubspot.crm.objects.calls.basicApi.create(callInput('outcome-2'));
    const found = await hubspot.crm.objects.calls.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'dialplane_key', operator: 'EQ' as never, value: 'outcome-2' }] }],
      properties: ['dialplane_key'],
      limit: 1,
      after: '0',
      sorts: [],
    });
    expect(found.results.map((r) => r.id)).toEqual([first.id]);
    const dup = await apiError(hubspot.crm.objects.calls.basicApi.create(callInput('outcome-2')));
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({ status: 'error', category: 'CONFLICT' });
    expect(String(dup.body.message)).toContain(`Existing ID: ${first.id}`);
  });

  it('creates two records when a plain create (no unique key) is sent twice, like HubSpot', async () => {
    const a = await hubspot.crm.objects.calls.basicApi.create(callInput());
    const b = await hubspot.crm.objects.calls.basicApi.create(callInput());
    expect(a.id).not.toBe(b.id);
    const assoc = await hubspot.crm.associations.v4.batchApi.getPage('contacts', 'calls', { inputs: [{ id: '104' }] });
    expect(assoc.results[0].to).toHaveLength(2);
  });

  it('refuses a call without hs_timestamp, with a bad association type, or to a missing contact', async () => {
    const noTimestamp = await apiError(
      hubspot.crm.objects.calls.basicApi.create({ properties: { hs_call_title: 'x' }, associations: [] }),
    );
    expect(noTimestamp.code).toBe(400);
    const badType = callInput();
    badType.associations[0].types[0].associationTypeId = 1;
    expect((await apiError(hubspot.crm.objects.calls.basicApi.create(badType))).code).toBe(400);
    const badContact = callInput();
    badContact.associations[0].to.id = '999999';
    expect((await apiError(hubspot.crm.objects.calls.basicApi.create(badContact))).code).toBe(400);
  });

  it('reads deals in a batch and contact->deal associations, with 207 for contacts without any', async () => {
    const deals = await hubspot.crm.deals.batchApi.read({
      inputs: [{ id: '5002' }, { id: '5001' }],
      properties: ['dealstage', 'hs_is_closed_won', 'amount'],
      propertiesWithHistory: [],
    });
    expect(deals.results.map((d) => [d.id, d.properties.dealstage, d.properties.hs_is_closed_won])).toEqual([
      ['5001', 'presentationscheduled', 'false'],
      ['5002', 'closedwon', 'true'],
    ]);
    const assoc = (await hubspot.crm.associations.v4.batchApi.getPage('contacts', 'deals', {
      inputs: [{ id: '101' }, { id: '102' }, { id: '106' }],
    })) as unknown as {
      results: Array<{
        _from: { id: string };
        to: Array<{ toObjectId: number; associationTypes: Array<{ typeId: number }> }>;
      }>;
      numErrors: number;
    };
    expect(assoc.results.map((r) => [r._from.id, r.to.map((t) => String(t.toObjectId))])).toEqual([
      ['101', ['5001']],
      ['102', ['5002']],
    ]);
    expect(assoc.results[0].to[0].associationTypes[0].typeId).toBe(4);
    expect(assoc.numErrors).toBe(1);
  });
});

describe('properties', () => {
  it('lists contact properties in the full Property shape, custom do-not-call included', async () => {
    const res = await hubspot.crm.properties.coreApi.getAll('contacts');
    const names = res.results.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'phone',
        'mobilephone',
        'email',
        'hs_timezone',
        'lastmodifieddate',
        'hs_searchable_calculated_phone_number',
      ]),
    );
    const dnc = res.results.find((p) => p.name === 'dialplane_do_not_call')!;
    expect(dnc).toMatchObject({
      type: 'bool',
      fieldType: 'booleancheckbox',
      hubspotDefined: false,
      calculated: false,
      hasUniqueValue: false,
      archived: false,
    });
    expect(dnc.options.map((o) => o.value)).toEqual(['true', 'false']);
    expect(dnc.createdAt).toBeInstanceOf(Date);
    const calls = await hubspot.crm.properties.coreApi.getAll('calls');
    expect(calls.results.find((p) => p.name === 'dialplane_key')).toMatchObject({
      hasUniqueValue: true,
      hubspotDefined: false,
    });
  });
});

describe('schema drift', () => {
  it('a renamed property is listed under its new name, silently omitted under the old one, and refused in writes', async () => {
    await sim.admin.setDrift({ object: 'contacts', field: 'phone', action: 'rename', to: 'phone_number' });
    const props = (await hubspot.crm.properties.coreApi.getAll('contacts')).results.map((p) => p.name);
    expect(props).toContain('phone_number');
    expect(props).not.toContain('phone');
    const res = await hubspot.crm.contacts.batchApi.read({
      inputs: [{ id: '101' }],
      properties: ['phone', 'phone_number', 'email'],
      propertiesWithHistory: [],
    });
    expect(res.results[0].properties).not.toHaveProperty('phone');
    expect(res.results[0].properties.phone_number).toBe('(415) 555-0100');
    const write = await apiError(
      hubspot.crm.contacts.basicApi.update('101', { properties: { phone: '+14155550123' } }),
    );
    expect(write.code).toBe(400);
    expect(String(write.body.message)).toContain('PROPERTY_DOESNT_EXIST');

    await sim.admin.setDrift({ object: 'contacts', field: 'email', action: 'remove' });
    const removed = await hubspot.crm.contacts.basicApi.getById('101', ['email', 'firstname']);
    expect(removed.properties).not.toHaveProperty('email');
    expect(removed.properties.firstname).toBe('Ada');

    await sim.admin.clearDrift();
    const back = await hubspot.crm.contacts.basicApi.getById('101', ['phone', 'email']);
    expect(back.properties).toMatchObject({ phone: '(415) 555-0100', email: 'ada@example.com' });
  });

  it('refuses a drift rule for an unknown property (400) and still applies later ones', async () => {
    await expect(
      sim.admin.setDrift({ object: 'contacts', field: 'no_such_field', action: 'remove' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      sim.admin.setDrift({ object: 'contacts', field: 'phone', action: 'rename', to: 'email' }),
    ).rejects.toMatchObject({ status: 400 });
    await sim.admin.setDrift({ object: 'contacts', field: 'firstname', action: 'remove' });
    const res = await hubspot.crm.contacts.basicApi.getById('101', ['firstname', 'lastname', 'phone']);
    expect(res.properties).not.toHaveProperty('firstname');
    // The refused rename left `phone` alone.
    expect(res.properties).toMatchObject({ lastname: 'Lovelace', phone: '(415) 555-0100' });
  });
});

describe('errors and the wire', () => {
  it('answers a bad or missing token with 401 INVALID_AUTHENTICATION', async () => {
    const wrong = new Client({ accessToken: 'not-the-token', basePath: sim.url });
    const bad = await apiError(wrong.crm.contacts.basicApi.getById('101'));
    expect(bad.code).toBe(401);
    expect(bad.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    const res = await fetch(`${sim.url}/crm/v3/objects/contacts/101`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('answers malformed JSON, a wrong body shape and unknown paths with JSON errors, never a crash', async () => {
    const headers = { authorization: 'Bearer dev-hubspot-token', 'content-type': 'application/json' };
    const malformed = await fetch(`${sim.url}/crm/v3/objects/contacts/batch/read`, {
      method: 'POST',
      headers,
      body: '{"inputs": [',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await malformed.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });

    const shape = await fetch(`${sim.url}/crm/v3/objects/contacts/batch/read`, {
      method: 'POST',
      headers,
      body: '{"inputs": "101"}',
    });
    expect(shape.status).toBe(400);
    expect(((await shape.json()) as { errors: unknown[] }).errors.length).toBeGreaterThan(0);

    const unknown = await fetch(`${sim.url}/crm/v3/objects/widgets/1`, { headers });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
    const wrongMethod = await fetch(`${sim.url}/crm/v3/objects/contacts/batch/read`, { headers });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('content-type')).toMatch(/^application\/json/);
    const badType = await fetch(`${sim.url}/crm/v3/properties/widgets`, { headers });
    expect(badType.status).toBe(400);
  });

  it('counts requests per endpoint name and logs batch sizes', async () => {
    await hubspot.crm.contacts.batchApi.read({
      inputs: [{ id: '101' }, { id: '102' }],
      properties: [],
      propertiesWithHistory: [],
    });
    await hubspot.crm.contacts.basicApi.getById('101');
    await hubspot.crm.properties.coreApi.getAll('deals');
    const stats = await sim.admin.stats();
    expect(stats.counters).toMatchObject({ 'contacts.batchRead': 1, 'contacts.get': 1, 'properties.list': 1 });
    const log = await sim.admin.requests({ endpoint: 'contacts.batchRead' });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      method: 'POST',
      path: '/crm/v3/objects/contacts/batch/read',
      status: 200,
      batchSize: 2,
    });
  });

  it('injects 5xx faults and outages in HubSpot error shapes', async () => {
    await sim.admin.setFaults({ errorRate: 1, hangRate: 0, outage: false });
    const fault = await apiError(hubspot.crm.contacts.basicApi.getById('101'));
    expect(fault.code).toBe(502);
    expect(fault.body).toMatchObject({ status: 'error' });
    await sim.admin.setFaults({ errorRate: 0, hangRate: 0, outage: true });
    expect((await apiError(hubspot.crm.contacts.basicApi.getById('101'))).code).toBe(503);
    await sim.admin.setFaults({ errorRate: 0, hangRate: 0, outage: false });
    expect((await hubspot.crm.contacts.basicApi.getById('101')).id).toBe('101');
  });

  it('hangs requests when asked, until the caller gives up, and keeps serving others', async () => {
    await sim.admin.setFaults({ errorRate: 0, hangRate: 1, outage: false, endpoints: ['contacts.get'] });
    const hung = fetch(`${sim.url}/crm/v3/objects/contacts/101`, {
      headers: { authorization: 'Bearer dev-hubspot-token' },
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toThrow();
    const other = await hubspot.crm.contacts.batchApi.read({
      inputs: [{ id: '101' }],
      properties: [],
      propertiesWithHistory: [],
    });
    expect(other.results).toHaveLength(1);
  });
});
