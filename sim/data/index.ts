/**
 * Seeded, deterministic CRM data for the simulators (sim/salesforce, sim/hubspot).
 *
 *   const sf = generateSalesforceDataset({ seed: 42, contacts: 10_000 });
 *   sf.Contact.get('003Dp0000000000IAA');            // frozen record, or undefined
 *   const byPhone = sf.Contact.createIndex((c) => [phoneDigitsKey(c.Phone as string | null), ...]);
 *   byPhone.lookup('4155550100');                      // records, in row order
 *   sf.Contact.update(id, { DoNotCall: true });        // writes go to an overlay
 *   resetDataset(sf);                                  // back to generated state
 *
 * Same (seed, contacts) gives identical data on every run and machine; nothing reads the clock or
 * Math.random. Rows are generated on demand, so a 1,000,000-contact dataset costs little memory.
 */
import type { RecordTable as Table } from './record-table.js';
import type { AssociationMap as Associations } from './association-map.js';

export { generateSalesforceDataset, describeSalesforceContact, SalesforceRates } from './salesforce-dataset.js';
export type { SalesforceDataset, SfRecord, SfValue, ContactTruth } from './salesforce-dataset.js';
export { generateHubspotDataset, describeHubspotContact, HubspotRates } from './hubspot-dataset.js';
export type { HubspotDataset, HubspotObject } from './hubspot-dataset.js';
export { RecordTable, type RecordSource } from './record-table.js';
export { EqualityIndex, type KeyOf } from './equality-index.js';
export { AssociationMap } from './association-map.js';
export { DatasetOptionsSchema, type DatasetOptions } from './dataset-options.js';
export { datasetEpochMs, salesforceDateTime, hubspotDateTime } from './dates.js';
export { demoContacts, DEMO_RECORDS, type DemoContact, type Crm } from './demo-contacts.js';
export { phoneDigitsKey, hubspotCalculatedPhoneProperties, type HubspotCalculatedPhones } from './phone-format.js';
export { salesforceId, salesforceRowOf, salesforceChecksum, KeyPrefix } from './salesforce-ids.js';
export { hubspotId, hubspotRowOf, HubspotIdBase } from './hubspot-ids.js';
export { DUPLICATE_RATE, CROSS_CRM_DUPLICATE_SHARE } from './identity.js';
export {
  SF_STAGES,
  HS_DEAL_STAGES,
  SF_CALL_DISPOSITIONS,
  HS_CALL_DISPOSITIONS,
  HS_LIFECYCLE_STAGES,
  HS_LEAD_STATUSES,
} from './vocabulary.js';
export { AREA_CODES, type AreaCode } from './area-codes.js';

/** Drops every write in a dataset's tables and association maps (the simulators' POST /__sim/reset). */
export function resetDataset(dataset: object): void {
  const visit = (value: unknown) => {
    if (
      value &&
      typeof value === 'object' &&
      'reset' in value &&
      typeof (value as { reset: unknown }).reset === 'function'
    ) {
      (value as Table<object> | Associations).reset();
    } else if (value && typeof value === 'object') {
      for (const inner of Object.values(value)) visit(inner);
    }
  };
  visit(dataset);
}
