import jsforce, { Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';
import { generateSalesforceDataset } from '../../sim/data/index.js';

/** The generated org as plain arrays, for expectations. */
function orgData(seed: number, contacts: number) {
  const d = generateSalesforceDataset({ seed, contacts });
  return { Contact: [...d.Contact.values()], Opportunity: [...d.Opportunity.values()], Task: [...d.Task.values()] };
}

// Everything here goes through jsforce unchanged, pointed at the simulator by URL.
let sim: SalesforceSim;
let conn: Connection;
const CONTACTS = 60;

async function connect(): Promise<Connection> {
  const c = new jsforce.Connection({
    oauth2: { loginUrl: sim.url, clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' },
    version: '59.0',
  });
  await c.authorize({ grant_type: 'client_credentials' });
  return c;
}

async function expectSfError(p: PromiseLike<unknown>, errorCode: string): Promise<Error & { errorCode?: string }> {
  const err = await Promise.resolve(p).then(
    () => null,
    (e: Error & { errorCode?: string }) => e,
  );
  expect(err, `expected ${errorCode}`).not.toBeNull();
  expect(err!.errorCode ?? err!.name).toBe(errorCode);
  return err!;
}

beforeAll(async () => {
  sim = await startSalesforceSim({
    port: 0,
    contacts: CONTACTS,
    latency: { medianMs: 0, jitterMs: 0 },
    queryBatchSize: 25,
  });
  conn = await connect();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.admin.reset('all');
});

describe('Salesforce sim: OAuth', () => {
  it('issues tokens for client_credentials and password grants (jsforce login)', async () => {
    expect(conn.instanceUrl).toBe(sim.url);
    expect(conn.userInfo?.organizationId).toMatch(/^00D/);
    const pw = new jsforce.Connection({
      oauth2: { loginUrl: sim.url, clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' },
      version: '59.0',
    });
    const user = await pw.login('agent@dialplane.dev', 'dev-password');
    expect(user.id).toMatch(/^005/);
    expect((await pw.query('SELECT COUNT() FROM Contact')).totalSize).toBe(CONTACTS);
    const identity = await pw.identity();
    expect(identity).toMatchObject({
      user_id: user.id,
      organization_id: user.organizationId,
      username: 'agent@dialplane.dev',
    });
  });

  it('answers bad credentials with the real {error, error_description} shape', async () => {
    const bad = new jsforce.Connection({
      oauth2: { loginUrl: sim.url, clientId: 'dialplane-dev', clientSecret: 'nope' },
      version: '59.0',
    });
    const err = await bad.authorize({ grant_type: 'client_credentials' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('invalid_client');
    const pw = new jsforce.Connection({
      oauth2: { loginUrl: sim.url, clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' },
      version: '59.0',
    });
    expect(((await pw.login('agent@dialplane.dev', 'wrong').catch((e: Error) => e)) as Error).name).toBe(
      'invalid_grant',
    );
    const raw = await fetch(`${sim.url}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code' }),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'grant type not supported',
    });
  });

  it('rejects an unknown token with 401 INVALID_SESSION_ID', async () => {
    const bogus = new jsforce.Connection({ instanceUrl: sim.url, accessToken: 'bogus', version: '59.0' });
    await expectSfError(bogus.query('SELECT Id FROM Contact'), 'INVALID_SESSION_ID');
    const raw = await fetch(`${sim.url}/services/data/v59.0/sobjects`, { headers: { authorization: 'Bearer bogus' } });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID', fields: [] },
    ]);
    // With oauth2 client details jsforce tries a refresh_token grant on 401; client_credentials
    // issues no refresh token (as in real orgs), so the caller has to authorize again.
    const own = await connect();
    sim.expireSessions();
    const err = await Promise.resolve(own.query('SELECT Id FROM Contact LIMIT 1')).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/Unable to refresh session/);
    conn = await connect();
  });
});

describe('Salesforce sim: SOQL', () => {
  it('pages with nextRecordsUrl locators that jsforce follows (last path segment only)', async () => {
    const first = await conn.query('SELECT Id, Name, Phone FROM Contact ORDER BY LastName, Id');
    expect(first.totalSize).toBe(CONTACTS);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(25);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v59\.0\/query\/01g[0-9A-Za-z]+-25$/);
    const second = await conn.queryMore(first.nextRecordsUrl!);
    expect(second.records).toHaveLength(25);
    const all = await conn.query('SELECT Id FROM Contact').run({ autoFetch: true, maxFetch: 10_000 });
    expect(all.records).toHaveLength(CONTACTS);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(CONTACTS);
    const log = await sim.admin.requests({ endpoint: 'query.more' });
    expect(log.map((e) => e.batchSize)).toEqual([25, 25, 10]);
  });

  it('supports Id IN, phone equality, SystemModstamp >, AND/OR, ORDER BY, LIMIT, OFFSET, COUNT()', async () => {
    const seed = orgData(1, CONTACTS).Contact;
    const ids = seed.slice(0, 3).map((c) => String(c.Id));
    const byId = await conn.query(
      `SELECT Id, LastName FROM Contact WHERE Id IN ('${ids.join("','")}') ORDER BY Id DESC`,
    );
    expect(byId.records.map((r) => r.Id)).toEqual([...ids].sort().reverse());

    const withPhone = seed.find((c) => typeof c.Phone === 'string' && !c.Phone.includes("'"))!;
    const phone = String(withPhone.Phone);
    const exact = await conn.query(`SELECT Id, Phone FROM Contact WHERE Phone = '${phone}'`);
    expect(exact.records.map((r) => r.Id)).toContain(withPhone.Id);
    // SOQL equality matches the stored string only, as in real orgs.
    const digits = phone.replace(/\D/g, '');
    expect((await conn.query(`SELECT Id FROM Contact WHERE Phone = '${digits}x'`)).totalSize).toBe(0);

    const since = new Date(Date.now() - 60_000);
    await conn.sobject('Contact').update({ Id: ids[1], Title: 'VP' });
    const changed = await conn
      .sobject('Contact')
      .find({ SystemModstamp: { $gt: jsforce.SfDate.toDateTimeLiteral(since) } }, ['Id', 'Title']);
    expect(changed.map((r) => r.Id)).toEqual([ids[1]]);

    const orq = await conn.query(
      `SELECT Id FROM Contact WHERE (Id = '${ids[0]}' OR Id = '${ids[2]}') AND DoNotCall = false`,
    );
    const dnc = seed.filter((c) => [ids[0], ids[2]].includes(String(c.Id)) && c.DoNotCall === true).length;
    expect(orq.totalSize).toBe(2 - dnc);

    const paged = await conn.query('SELECT Id FROM Contact ORDER BY Id LIMIT 5 OFFSET 10');
    const sorted = seed.map((c) => String(c.Id)).sort();
    expect(paged.records.map((r) => r.Id)).toEqual(sorted.slice(10, 15));

    const count = await conn.query('SELECT COUNT() FROM Contact WHERE DoNotCall = true');
    expect(count.totalSize).toBe(seed.filter((c) => c.DoNotCall === true).length);

    const builder = await conn
      .sobject('Contact')
      .find({ Id: { $in: ids } }, ['Id', 'Email'])
      .sort({ Id: 1 })
      .limit(2);
    expect(builder.map((r) => r.Id)).toEqual([...ids].sort().slice(0, 2));
  });

  it('answers equality / IN / OR lookups (index-backed) exactly as a scan would', async () => {
    const data = orgData(1, CONTACTS);
    const who = data.Contact.slice(0, 5).map((c) => String(c.Id));
    const tasks = await conn.query(`SELECT Id FROM Task WHERE WhoId IN ('${who.join("','")}') ORDER BY Id`);
    expect(tasks.records.map((r) => r.Id)).toEqual(
      data.Task.filter((t) => who.includes(String(t.WhoId)))
        .map((t) => String(t.Id))
        .sort(),
    );
    // 15-char ids mean the same record.
    const opps = await conn.query(`SELECT Id FROM Opportunity WHERE ContactId = '${who[0].slice(0, 15)}'`);
    expect(opps.totalSize).toBe(data.Opportunity.filter((o) => o.ContactId === who[0]).length);
    const a = data.Contact.find((c) => typeof c.Phone === 'string')!;
    const b = data.Contact.find((c) => typeof c.MobilePhone === 'string' && c.Id !== a.Id)!;
    const either = await conn.query(
      `SELECT Id FROM Contact WHERE Phone = '${String(a.Phone)}' OR MobilePhone = '${String(b.MobilePhone)}'`,
    );
    const expected = data.Contact.filter((c) => c.Phone === a.Phone || c.MobilePhone === b.MobilePhone).map((c) =>
      String(c.Id),
    );
    expect(either.records.map((r) => r.Id).sort()).toEqual(expected.sort());
    // Text equality is case-insensitive, as in orgs.
    const last = String(data.Contact[0].LastName);
    const upper = await conn.query(
      `SELECT Id FROM Contact WHERE LastName = '${last.toUpperCase()}' AND Id IN ('${who.join("','")}')`,
    );
    expect(upper.records.map((r) => r.Id)).toContain(who[0]);
    const caseless = await conn.query(`SELECT COUNT() FROM Contact WHERE LastName = '${last.toLowerCase()}'`);
    expect(caseless.totalSize).toBe(
      data.Contact.filter((c) => String(c.LastName).toLowerCase() === last.toLowerCase()).length,
    );
  });

  it('returns child subqueries (Opportunities, Tasks) with null for none', async () => {
    const data = orgData(1, CONTACTS);
    const withOpp = String(data.Opportunity[0].ContactId);
    const res = await conn.query(
      `SELECT Id, (SELECT Id, StageName, IsClosed FROM Opportunities ORDER BY CloseDate DESC LIMIT 1), (SELECT Id FROM Tasks WHERE Status = 'Completed') FROM Contact WHERE Id = '${withOpp}'`,
    );
    const rec = res.records[0] as Record<string, any>;
    expect(rec.Opportunities.records[0].StageName).toBeTypeOf('string');
    const without = data.Contact.find((c) => !data.Opportunity.some((o) => o.ContactId === c.Id))!;
    const res2 = await conn.query(
      `SELECT Id, (SELECT Id FROM Opportunities) FROM Contact WHERE Id = '${String(without.Id)}'`,
    );
    expect((res2.records[0] as Record<string, unknown>).Opportunities).toBeNull();
  });

  it('answers malformed SOQL, unknown fields and unknown objects with the real codes', async () => {
    const malformed = await expectSfError(conn.query('SELECT Id FROM'), 'MALFORMED_QUERY');
    expect(malformed.message).toContain('ERROR at Row:1:Column:');
    const field = await expectSfError(conn.query('SELECT Id, Nope__c FROM Contact'), 'INVALID_FIELD');
    expect(field.message).toContain("No such column 'Nope__c' on entity 'Contact'");
    await expectSfError(conn.query('SELECT Id FROM Lead__x'), 'INVALID_TYPE');
    await expectSfError(conn.query("SELECT Id FROM Contact WHERE DoNotCall = 'yes'"), 'INVALID_QUERY_FILTER_OPERATOR');
    await expectSfError(conn.queryMore('01gDp0000000099999AAA-2000'), 'INVALID_QUERY_LOCATOR');
    // The simulator keeps serving after bad input.
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(CONTACTS);
  });
});

describe('Salesforce sim: sObjects', () => {
  it('retrieves many through sObject Collections (describe first when no fields), null for missing', async () => {
    const seed = orgData(1, CONTACTS).Contact;
    const ids = seed.slice(0, 4).map((c) => String(c.Id));
    await sim.admin.reset('stats');
    const missing = '003Dp0000000zzzAAA';
    const got = await conn.retrieve('Contact', [...ids, missing]);
    expect(got).toHaveLength(5);
    expect(got[4]).toBeNull();
    expect((got as ({ Id: string } | null)[]).slice(0, 4).map((r) => r!.Id)).toEqual(ids);
    expect((got[0] as Record<string, unknown>).Dialplane_Key__c).toBeUndefined();
    expect(await sim.admin.count('sobject.describe')).toBe(1);
    expect(await sim.admin.count('collections.retrieve')).toBe(1);
    const [entry] = await sim.admin.requests({ endpoint: 'collections.retrieve' });
    expect(entry).toMatchObject({ method: 'POST', status: 200, batchSize: 5 });

    const some = await conn.retrieve('Contact', ids, { fields: ['Id', 'Phone', 'DoNotCall'] });
    expect(Object.keys(some[0]!).sort()).toEqual(['DoNotCall', 'Id', 'Phone', 'attributes']);
    const one = await conn.sobject('Contact').retrieve(ids[0]);
    expect(one.Id).toBe(ids[0]);
    await expectSfError(conn.sobject('Contact').retrieve(missing), 'NOT_FOUND');
    await expectSfError(conn.retrieve('Contact', ids, { fields: ['Id', 'Bogus'] }), 'INVALID_FIELD');
    const tooMany = Array.from({ length: 2001 }, () => ids[0]);
    await expectSfError(conn.retrieve('Contact', tooMany, { fields: ['Id'] }), 'EXCEEDED_ID_LIMIT');
  });

  it('describes objects (global list, fields, external id) and 404s unknown ones', async () => {
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name).sort()).toEqual([
      'Account',
      'Contact',
      'Opportunity',
      'OpportunityContactRole',
      'Task',
    ]);
    const task = await conn.describe('Task');
    const key = task.fields.find((f) => f.name === 'Dialplane_Key__c')!;
    expect(key).toMatchObject({ externalId: true, unique: true, custom: true, type: 'string', soapType: 'xsd:string' });
    const contact = await conn.describe('Contact');
    expect(contact.keyPrefix).toBe('003');
    expect(contact.fields.find((f) => f.name === 'DoNotCall')).toMatchObject({ type: 'boolean' });
    expect(contact.childRelationships.map((r) => r.relationshipName)).toEqual([
      'Opportunities',
      'OpportunityContactRoles',
      'Tasks',
    ]);
    await expectSfError(conn.describe('Widget'), 'NOT_FOUND');
  });

  it('creates (twice = two records), updates and upserts by external id (201 then 200)', async () => {
    const who = String(orgData(1, CONTACTS).Contact[0].Id);
    const task = {
      Subject: 'Call',
      WhoId: who,
      TaskSubtype: 'Call',
      CallDisposition: 'Connected',
      Status: 'Completed',
      ActivityDate: '2024-06-01',
    };
    const a = await conn.sobject('Task').create(task);
    const b = await conn.sobject('Task').create(task);
    expect(a.success && b.success).toBe(true);
    expect(a.id).not.toBe(b.id);
    expect(
      (
        await conn.query(
          `SELECT COUNT() FROM Task WHERE WhoId = '${who}' AND CallDisposition = 'Connected' AND ActivityDate = 2024-06-01`,
        )
      ).totalSize,
    ).toBe(2);

    await conn.sobject('Task').update({ Id: a.id!, CallDisposition: 'Left voicemail' });
    expect((await conn.sobject('Task').retrieve(a.id!)).CallDisposition).toBe('Left voicemail');
    await expectSfError(conn.sobject('Task').update({ Id: a.id!, IsClosed: true }), 'INVALID_FIELD_FOR_INSERT_UPDATE');
    await expectSfError(conn.sobject('Task').create({ Subject: 'x', Nope: 1 }), 'INVALID_FIELD');
    await expectSfError(conn.sobject('Contact').create({ FirstName: 'No last name' }), 'REQUIRED_FIELD_MISSING');
    await expectSfError(
      conn.sobject('Opportunity').create({ Name: 'x', StageName: 'Dreaming', CloseDate: '2024-01-01' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );

    const created = await conn
      .sobject('Task')
      .upsert({ Dialplane_Key__c: 'call-1', Subject: 'first', WhoId: who }, 'Dialplane_Key__c');
    const updated = await conn
      .sobject('Task')
      .upsert({ Dialplane_Key__c: 'call-1', Subject: 'second' }, 'Dialplane_Key__c');
    expect(created).toMatchObject({ success: true, created: true });
    expect(updated).toMatchObject({ success: true, created: false, id: created.id });
    const status = await fetch(`${sim.url}/services/data/v59.0/sobjects/Task/Dialplane_Key__c/call-2`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Subject: 'raw' }),
    });
    expect(status.status).toBe(201);
    expect(status.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(status.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/100000$/);
    await expectSfError(conn.sobject('Task').upsert({ Subject: 'x', Subject2: 1 } as never, 'Subject'), 'NOT_FOUND');
  });

  it('creates, updates and upserts many through sObject Collections, honouring allOrNone', async () => {
    const who = String(orgData(1, CONTACTS).Contact[1].Id);
    const made = await conn.sobject('Task').create([
      { Subject: 'a', WhoId: who },
      { Subject: 'b', WhoId: who },
      { Subject: 'c', Bogus: 1 },
    ]);
    expect(made.map((r) => r.success)).toEqual([true, true, false]);
    expect((made[2] as { errors: { statusCode: string }[] }).errors[0].statusCode).toBe('INVALID_FIELD');
    const ids = made.filter((r) => r.success).map((r) => r.id!);
    const upd = await conn.sobject('Task').update(ids.map((Id) => ({ Id, Status: 'Completed' })));
    expect(upd.every((r) => r.success)).toBe(true);
    expect((await conn.sobject('Task').retrieve(ids[0])).IsClosed).toBe(true);

    const before = (await conn.query('SELECT COUNT() FROM Task')).totalSize;
    const rolled = await conn
      .sobject('Task')
      .create([{ Subject: 'ok' }, { Subject: 'bad', Status: 'Nope' }], { allOrNone: true });
    expect(rolled.map((r) => (r as { errors: { statusCode: string }[] }).errors[0]?.statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    ]);
    expect((await conn.query('SELECT COUNT() FROM Task')).totalSize).toBe(before);

    const ups = await conn.sobject('Task').upsert(
      [
        { Dialplane_Key__c: 'm-1', Subject: 'x' },
        { Dialplane_Key__c: 'm-2', Subject: 'y' },
      ],
      'Dialplane_Key__c',
    );
    const again = await conn.sobject('Task').upsert([{ Dialplane_Key__c: 'm-1', Subject: 'x2' }], 'Dialplane_Key__c');
    expect(ups.map((r) => r.created)).toEqual([true, true]);
    expect(again[0]).toMatchObject({ created: false, id: ups[0].id });
    expect(await sim.admin.count('composite.create')).toBe(2);
    expect(await sim.admin.count('composite.update')).toBe(1);
    expect(await sim.admin.count('composite.upsert')).toBe(2);
  });
});

describe('Salesforce sim: SOSL phone search', () => {
  it('finds a contact whatever format the phone was stored or searched in', async () => {
    const who = await conn
      .sobject('Contact')
      .create({ LastName: 'Formatted', Phone: '(907) 201-9981', MobilePhone: '+1 907.201.9982' });
    const byDigits = await conn.search('FIND {9072019981} IN PHONE FIELDS RETURNING Contact(Id, Phone, MobilePhone)');
    expect(byDigits.searchRecords.map((r) => r.Id)).toContain(who.id);
    const byE164 = await conn.search('FIND {+19072019982} IN PHONE FIELDS RETURNING Contact(Id)');
    expect(byE164.searchRecords.map((r) => r.Id)).toEqual([who.id]);
    await conn.sobject('Contact').update({ Id: who.id!, Phone: '9072019983 x12' });
    expect(
      (await conn.search('FIND {907-201-9983} IN PHONE FIELDS RETURNING Contact(Id)')).searchRecords.map((r) => r.Id),
    ).toEqual([who.id]);
    expect((await conn.search('FIND {9072019981} IN PHONE FIELDS RETURNING Contact(Id)')).searchRecords).toEqual([]);
    await expectSfError(conn.search('FIND 4155550100 RETURNING Contact'), 'MALFORMED_SEARCH');
  });
});

describe('Salesforce sim: data', () => {
  it('same seed gives the same data; reset restores it', async () => {
    expect(orgData(7, 20)).toEqual(orgData(7, 20));
    expect(orgData(7, 20)).not.toEqual(orgData(8, 20));
    await conn.sobject('Contact').create({ LastName: 'Temp' });
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(CONTACTS + 1);
    await sim.admin.reset('all');
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(CONTACTS);
  });
});
