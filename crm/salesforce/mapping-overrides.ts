import type { OverridableField } from '../../shared/crm/mapping-overrides.js';

/**
 * The canonical fields a Salesforce connection may feed from other fields of its org
 * (shared/crm/mapping-overrides.ts, docs/mapping-overrides.md), with the describe types the read
 * mapping can read for each. Orgs keep do-not-call and consent in custom checkboxes
 * (`Do_Not_Call__c`), phones in custom phone fields, a contact time zone in a custom text or picklist
 * field (standard Contact has none), and deal stages in their own picklist.
 */
export const SALESFORCE_OVERRIDABLE: readonly OverridableField[] = [
  { path: 'suppression.doNotCall', object: 'Contact', defaultField: 'DoNotCall', types: ['boolean'] },
  { path: 'suppression.emailOptOut', object: 'Contact', defaultField: 'HasOptedOutOfEmail', types: ['boolean'] },
  { path: 'phones.work', object: 'Contact', defaultField: 'Phone', types: ['phone', 'string'] },
  { path: 'phones.mobile', object: 'Contact', defaultField: 'MobilePhone', types: ['phone', 'string'] },
  { path: 'phones.home', object: 'Contact', defaultField: 'HomePhone', types: ['phone', 'string'] },
  { path: 'phones.other', object: 'Contact', defaultField: 'OtherPhone', types: ['phone', 'string'] },
  { path: 'timeZone', object: 'Contact', defaultField: null, types: ['string', 'picklist'] },
  { path: 'openDeal.stage', object: 'Opportunity', defaultField: 'StageName', types: ['picklist', 'string'] },
];
