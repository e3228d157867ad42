import { describe, expect, it } from 'vitest';
import { HUBSPOT_OVERRIDABLE } from '../../crm/hubspot/mapping-overrides.js';
import { SALESFORCE_OVERRIDABLE } from '../../crm/salesforce/mapping-overrides.js';
import {
  type LiveSchema,
  mappingVersionWith,
  overrideLiveIssues,
  parseMappingOverrides,
} from '../../shared/crm/mapping-overrides.js';
import { ErrorCode, isDialplaneError } from '../../shared/errors.js';

/** Parsing and validation of per-connection mapping overrides (pure; the live schema is given). */

const SF_LIVE: LiveSchema = new Map([
  [
    'Contact',
    [
      { name: 'DoNotCall', type: 'boolean' },
      { name: 'Do_Not_Call__c', type: 'boolean' },
      { name: 'Preferred_Phone__c', type: 'phone' },
      { name: 'Call_Window__c', type: 'string' },
      { name: 'Title', type: 'string' },
    ],
  ],
  [
    'Opportunity',
    [
      { name: 'StageName', type: 'picklist', values: ['Prospecting', 'Closed Won'] },
      { name: 'Sales_Stage__c', type: 'picklist', values: ['Demo Booked', 'Signed'] },
    ],
  ],
]);

describe('mapping overrides', () => {
  it('parses fields and the stage value map', () => {
    const parsed = parseMappingOverrides(
      { 'suppression.doNotCall': 'Do_Not_Call__c', 'openDeal.stage.values.Demo Booked': 'DISCOVERY' },
      SALESFORCE_OVERRIDABLE,
    );
    expect(parsed.fields.get('suppression.doNotCall')).toBe('Do_Not_Call__c');
    expect(parsed.stageValues.get('Demo Booked')).toBe('DISCOVERY');
  });

  it('refuses a canonical field that cannot be overridden, a bad field name and an unknown stage, naming them', () => {
    const refuse = (raw: Record<string, string>) => {
      try {
        parseMappingOverrides(raw, SALESFORCE_OVERRIDABLE);
      } catch (error) {
        if (isDialplaneError(error, ErrorCode.MAPPING_OVERRIDE_INVALID)) return error.context;
        throw error;
      }
      throw new Error('accepted');
    };
    expect(refuse({ email: 'Email2__c' })).toMatchObject({ field: 'email', problem: 'unknown_canonical_field' });
    expect(refuse({ 'suppression.doNotCall': 'Do Not Call; DROP' })).toMatchObject({
      field: 'suppression.doNotCall',
      problem: 'invalid_field_name',
    });
    expect(refuse({ 'openDeal.stage.values.Signed': 'WON' })).toMatchObject({ problem: 'unknown_stage' });
    // HubSpot maps two phones only.
    expect(() => parseMappingOverrides({ 'phones.home': 'home_phone' }, HUBSPOT_OVERRIDABLE)).toThrow(
      /cannot be overridden/,
    );
  });

  it('checks each named field against the live schema: missing, wrong type, unknown stage value', () => {
    expect(
      overrideLiveIssues(
        {
          'suppression.doNotCall': 'Do_Not_Call__c',
          'phones.mobile': 'Preferred_Phone__c',
          timeZone: 'Call_Window__c',
          'openDeal.stage': 'Sales_Stage__c',
          'openDeal.stage.values.Demo Booked': 'DISCOVERY',
        },
        SALESFORCE_OVERRIDABLE,
        SF_LIVE,
      ),
    ).toEqual([]);
    expect(overrideLiveIssues({ 'suppression.doNotCall': 'No_Such__c' }, SALESFORCE_OVERRIDABLE, SF_LIVE)).toEqual([
      { field: 'suppression.doNotCall', crmField: 'Contact.No_Such__c', problem: 'missing', expected: 'boolean' },
    ]);
    expect(overrideLiveIssues({ 'suppression.doNotCall': 'Title' }, SALESFORCE_OVERRIDABLE, SF_LIVE)).toEqual([
      {
        field: 'suppression.doNotCall',
        crmField: 'Contact.Title',
        problem: 'wrong_type',
        expected: 'boolean',
        actual: 'string',
      },
    ]);
    // Stage values are checked against the stage field in use (the override's, else the default).
    expect(
      overrideLiveIssues({ 'openDeal.stage.values.Demo Booked': 'DISCOVERY' }, SALESFORCE_OVERRIDABLE, SF_LIVE),
    ).toMatchObject([{ problem: 'unknown_value', crmField: 'Opportunity.StageName', actual: 'Demo Booked' }]);
  });

  it('fingerprints overrides into the mapping version, independent of key order; none keeps the code version', () => {
    expect(mappingVersionWith('salesforce@2', {})).toBe('salesforce@2');
    const a = mappingVersionWith('salesforce@2', { 'suppression.doNotCall': 'A__c', timeZone: 'TZ__c' });
    const b = mappingVersionWith('salesforce@2', { timeZone: 'TZ__c', 'suppression.doNotCall': 'A__c' });
    expect(a).toBe(b);
    expect(a).toMatch(/^salesforce@2\+[0-9a-f]{8}$/);
    expect(mappingVersionWith('salesforce@2', { 'suppression.doNotCall': 'B__c' })).not.toBe(a);
  });
});
