import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmConnector } from '../../shared/crm/connector.js';
import { ErrorCode, isDialplaneError } from '../../shared/errors.js';
import { generateHubspotDataset, generateSalesforceDataset } from '../../sim/data/index.js';
import { type HubspotSim, startHubspotSim } from '../../sim/hubspot/server.js';
import { type SalesforceSim, startSalesforceSim } from '../../sim/salesforce/server.js';
import { createHubspotConnector } from '../../crm/hubspot/connector.js';
import { createSalesforceConnector } from '../../crm/salesforce/connector.js';
import { liveOverrideIssues } from '../../crm/override-validation.js';

/**
 * Mapping overrides per connection against the simulators over real HTTP (issue 15): an org whose
 * do-not-call lives in a custom field reads it through the override (the standard field says
 * otherwise), an override naming a field the account lacks or of the wrong type is refused before
 * saving with MAPPING_OVERRIDE_INVALID naming it, and drift on an overridden field is reported for
 * that connection only.
 */

const ZERO = { medianMs: 0, jitterMs: 0 };
const ORG_B = '00DDp00000000B2AAA';
const CUSTOM_DNC = { 'suppression.doNotCall': 'Do_Not_Call__c' };

/** A contact of org B (seed 2) whose standard DoNotCall is false. */
const orgBContact = [...generateSalesforceDataset({ seed: 2, contacts: 30 }).Contact.values()].find(
  (c, row) => row > 6 && c.DoNotCall === false,
)!.Id as string;

async function refusal(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (error) {
    if (isDialplaneError(error, ErrorCode.MAPPING_OVERRIDE_INVALID)) return error.context;
    throw error;
  }
  throw new Error('the overrides were accepted');
}

describe('Salesforce connection overrides', () => {
  let sim: SalesforceSim;
  const connectors: CrmConnector[] = [];
  const connect = (org: 'A' | 'B', mappingOverrides?: Record<string, string>) => {
    const connector = createSalesforceConnector({
      loginUrl: sim.url,
      instanceUrl: sim.url,
      apiVersion: '62.0',
      webhookSecret: 'unused-here',
      ...(org === 'A'
        ? { clientId: 'dialplane-dev', clientSecret: 'dev-salesforce-secret' }
        : { clientId: 'org-b-app', clientSecret: 'org-b-secret' }),
      ...(mappingOverrides ? { mappingOverrides } : {}),
    });
    connectors.push(connector);
    return connector;
  };

  beforeAll(async () => {
    sim = await startSalesforceSim({
      port: 0,
      contacts: 30,
      latency: ZERO,
      orgs: [
        {
          orgId: ORG_B,
          seed: 2,
          contacts: 30,
          latency: ZERO,
          clientId: 'org-b-app',
          clientSecret: 'org-b-secret',
          username: 'agent@org-b.dev',
          customFields: [
            { object: 'Contact', name: 'Do_Not_Call__c', type: 'boolean' },
            { object: 'Contact', name: 'Call_Notes__c', type: 'string' },
            { object: 'Contact', name: 'Contact_Time_Zone__c', type: 'picklist' },
          ],
        },
      ],
    });
    await sim.admin.forAccount(ORG_B).edit({
      kind: 'set',
      object: 'Contact',
      id: orgBContact,
      fields: { Do_Not_Call__c: true, Contact_Time_Zone__c: 'America/Phoenix' },
    });
  });
  afterAll(async () => {
    for (const c of connectors) await c.close();
    await sim.close();
  });

  it('reads do-not-call (and a time zone) from the org custom fields the connection names', async () => {
    const overridden = connect('B', { ...CUSTOM_DNC, timeZone: 'Contact_Time_Zone__c' });
    const [found] = await overridden.loadContacts([orgBContact]);
    expect(found).toMatchObject({ kind: 'found', drift: [] });
    if (found?.kind !== 'found') throw new Error('not found');
    expect(found.contact.suppression?.doNotCall).toBe(true);
    expect(found.contact.timeZone).toBe('America/Phoenix');
    // The code's mapping on the same org reads the standard field, which says the opposite.
    const [plain] = await connect('B').loadContacts([orgBContact]);
    if (plain?.kind !== 'found') throw new Error('not found');
    expect(plain.contact.suppression?.doNotCall).toBe(false);
    expect(plain.contact.timeZone).toBeNull();
    // The overrides are part of the mapping version, so the two never share a cache entry.
    expect(overridden.mappingVersion).toMatch(/^salesforce@\d+\+[0-9a-f]{8}$/);
    expect(connect('B').mappingVersion).not.toBe(overridden.mappingVersion);
  });

  it('refuses, before saving, an override naming a field the org lacks or of the wrong type', async () => {
    const b = connect('B');
    await expect(b.validateMappingOverrides!(CUSTOM_DNC)).resolves.toBeUndefined();
    expect(await refusal(b.validateMappingOverrides!({ 'suppression.doNotCall': 'No_Such_Field__c' }))).toMatchObject({
      field: 'suppression.doNotCall',
      crmField: 'Contact.No_Such_Field__c',
      problem: 'missing',
    });
    expect(await refusal(b.validateMappingOverrides!({ 'suppression.doNotCall': 'Call_Notes__c' }))).toMatchObject({
      field: 'suppression.doNotCall',
      crmField: 'Contact.Call_Notes__c',
      problem: 'wrong_type',
      expected: 'boolean',
    });
    // As the admin API's seam answers them: one entry per refused override, naming both fields.
    expect(
      await liveOverrideIssues(b, { 'suppression.doNotCall': 'Call_Notes__c', 'phones.mobile': 'Nope__c' }),
    ).toEqual([
      expect.objectContaining({
        field: 'suppression.doNotCall',
        crmField: 'Contact.Call_Notes__c',
        problem: 'wrong_type',
      }),
      expect.objectContaining({ field: 'phones.mobile', crmField: 'Contact.Nope__c', problem: 'missing' }),
    ]);
    // Org A has no such custom field: the same override is refused for a connection to org A.
    expect(await refusal(connect('A').validateMappingOverrides!(CUSTOM_DNC))).toMatchObject({ problem: 'missing' });
    // A stage value the org's stage picklist does not have.
    expect(
      await refusal(b.validateMappingOverrides!({ 'openDeal.stage.values.Demo Booked': 'DISCOVERY' })),
    ).toMatchObject({ problem: 'unknown_value', crmField: 'Opportunity.StageName' });
  });

  it('reports drift on an overridden field for that connection only', async () => {
    const overridden = connect('B', CUSTOM_DNC);
    const plainB = connect('B');
    const plainA = connect('A');
    await sim.admin.forAccount(ORG_B).setDrift({ object: 'Contact', field: 'Do_Not_Call__c', action: 'remove' });
    try {
      const report = await overridden.checkMapping();
      expect(report.differences).toContainEqual(
        expect.objectContaining({ crmField: 'Contact.Do_Not_Call__c', problem: 'missing' }),
      );
      expect((await plainB.checkMapping()).differences).toEqual([]);
      expect((await plainA.checkMapping()).differences).toEqual([]);
      // The drift watch's critical check and a read see it too, and fail closed on do-not-call.
      expect(await overridden.checkCriticalFields!(['suppression.doNotCall'])).toEqual([
        { field: 'suppression.doNotCall', crmField: 'Contact.Do_Not_Call__c', reason: 'missing' },
      ]);
      const [read] = await overridden.loadContacts([orgBContact]);
      if (read?.kind !== 'found') throw new Error('not found');
      expect(read.contact.suppression?.doNotCall).toBeNull();
      expect(read.drift).toContainEqual({
        field: 'suppression.doNotCall',
        crmField: 'Contact.Do_Not_Call__c',
        reason: 'missing',
      });
    } finally {
      await sim.admin.forAccount(ORG_B).clearDrift();
    }
  });
});

describe('HubSpot connection overrides', () => {
  const PORTAL_B = 71_002;
  let sim: HubspotSim;
  const connectors: CrmConnector[] = [];
  const connect = (accessToken: string, mappingOverrides?: Record<string, string>) => {
    const c = createHubspotConnector({
      baseUrl: sim.url,
      accessToken,
      clientSecret: 'dev-hubspot-client-secret',
      ...(mappingOverrides ? { mappingOverrides } : {}),
    });
    connectors.push(c);
    return c;
  };
  /** A contact of portal B (seed 2) whose default do-not-call property is not "true". */
  const contactB = [...generateHubspotDataset({ seed: 2, contacts: 30 }).contacts.values()].find(
    (c, row) => row > 6 && c.properties.dialplane_do_not_call !== 'true',
  )!.id;

  beforeAll(async () => {
    sim = await startHubspotSim({
      port: 0,
      seed: 1,
      contacts: 30,
      latency: ZERO,
      portals: [
        {
          portalId: PORTAL_B,
          accessToken: 'portal-b-token',
          seed: 2,
          contacts: 30,
          latency: ZERO,
          customProperties: [
            { object: 'contacts', name: 'never_call', type: 'bool' },
            { object: 'contacts', name: 'call_notes', type: 'string' },
          ],
        },
      ],
    });
    await sim.admin
      .forAccount(String(PORTAL_B))
      .edit({ kind: 'set', object: 'contacts', id: contactB, fields: { never_call: 'true' } });
  });
  afterAll(async () => {
    for (const c of connectors) await c.close();
    await sim.close();
  });

  it('reads do-not-call from the portal property the connection names', async () => {
    const [found] = await connect('portal-b-token', { 'suppression.doNotCall': 'never_call' }).loadContacts([contactB]);
    if (found?.kind !== 'found') throw new Error('not found');
    expect(found.contact.suppression?.doNotCall).toBe(true);
    const [plain] = await connect('portal-b-token').loadContacts([contactB]);
    if (plain?.kind !== 'found') throw new Error('not found');
    expect(plain.contact.suppression?.doNotCall).toBe(false);
  });

  it('refuses a missing or mistyped property, naming it', async () => {
    const b = connect('portal-b-token');
    await expect(b.validateMappingOverrides!({ 'suppression.doNotCall': 'never_call' })).resolves.toBeUndefined();
    expect(await refusal(b.validateMappingOverrides!({ 'suppression.doNotCall': 'nope' }))).toMatchObject({
      crmField: 'contacts.nope',
      problem: 'missing',
    });
    expect(await refusal(b.validateMappingOverrides!({ 'suppression.doNotCall': 'call_notes' }))).toMatchObject({
      crmField: 'contacts.call_notes',
      problem: 'wrong_type',
    });
    expect(
      await refusal(connect('dev-hubspot-token').validateMappingOverrides!({ 'suppression.doNotCall': 'never_call' })),
    ).toMatchObject({ problem: 'missing' });
  });

  it('reports drift on an overridden property for that connection only', async () => {
    const overridden = connect('portal-b-token', { 'suppression.doNotCall': 'never_call' });
    await sim.admin
      .forAccount(String(PORTAL_B))
      .setDrift({ object: 'contacts', field: 'never_call', action: 'rename', to: 'never_call_v2' });
    try {
      expect((await overridden.checkMapping()).differences).toContainEqual(
        expect.objectContaining({ crmField: 'contacts.never_call', problem: 'missing' }),
      );
      expect((await connect('portal-b-token').checkMapping()).differences).toEqual([]);
    } finally {
      await sim.admin.forAccount(String(PORTAL_B)).clearDrift();
    }
  });
});
