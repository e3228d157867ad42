import type { OverridableField } from '../../shared/crm/mapping-overrides.js';

/**
 * The canonical fields a HubSpot connection may feed from other properties of its portal
 * (shared/crm/mapping-overrides.ts, docs/mapping-overrides.md), with the property types the read
 * mapping can read for each. Portals keep do-not-call in their own checkbox or dropdown property,
 * consent in a custom opt-out, a second phone in a custom phone property, and deals in their own
 * pipelines' stages.
 */
export const HUBSPOT_OVERRIDABLE: readonly OverridableField[] = [
  {
    path: 'suppression.doNotCall',
    object: 'contacts',
    defaultField: 'dialplane_do_not_call',
    types: ['bool', 'enumeration'],
  },
  {
    path: 'suppression.emailOptOut',
    object: 'contacts',
    defaultField: 'hs_email_optout',
    types: ['bool', 'enumeration'],
  },
  { path: 'phones.work', object: 'contacts', defaultField: 'phone', types: ['string', 'phone_number'] },
  { path: 'phones.mobile', object: 'contacts', defaultField: 'mobilephone', types: ['string', 'phone_number'] },
  { path: 'timeZone', object: 'contacts', defaultField: 'hs_timezone', types: ['enumeration', 'string'] },
  { path: 'openDeal.stage', object: 'deals', defaultField: 'dealstage', types: ['enumeration', 'string'] },
];
