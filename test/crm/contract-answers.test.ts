import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { CrmCallError, type CanonicalContact } from '../../shared/crm/connector.js';
import * as answers from '../../shared/crm/contract-answers.js';

// The CRM contract resolvers' answers without a connector, a cache or a CRM (contract-answers.ts).

const valid = (id: string) => /^\d+$/.test(id);
const contact = (phones: string[] | null): CanonicalContact => ({
  id: 'hubspot:51',
  source: 'hubspot',
  sourceId: '51',
  name: null,
  email: null,
  phones: phones && phones.map((e164) => ({ e164, raw: e164, type: 'MOBILE', extension: null, valid: true })),
  primaryPhone: null,
  timeZone: null,
  location: null,
  crmIntentStage: null,
  openDeal: null,
  crmLastActivity: null,
  suppression: null,
});
const codeOf = (error: { extensions: Record<string, unknown> }) => error.extensions.code;

describe('ids and phones asked for', () => {
  it("takes this CRM's global ids with a valid source id, and nothing else", () => {
    expect(answers.ownSourceId('hubspot:51', 'hubspot', valid)).toBe('51');
    expect(answers.ownSourceId('hubspot:abc', 'hubspot', valid)).toBeNull();
    expect(answers.ownSourceId('salesforce:003000000000001AAA', 'hubspot', valid)).toBeNull();
    expect(answers.sourceIdArgument('hubspot:51', 'ids.3', 'hubspot', valid)).toBe('51');
    expect(() => answers.sourceIdArgument('salesforce:1', 'ids.3', 'hubspot', valid)).toThrow(
      /ids\.3: not a hubspot contact id/,
    );
    expect(() => answers.sourceIdArgument(`hubspot:${'1'.repeat(300)}`, 'id', 'hubspot', valid)).toThrow(/^id: /);
  });

  it('reads a phone argument into E.164 (national numbers as US), refusing what is not a number', () => {
    expect(answers.phoneArgument('(415) 555-0100')).toBe('+14155550100');
    expect(answers.phoneArgument('+1 415 555 0100')).toBe('+14155550100');
    expect(() => answers.phoneArgument('call me')).toThrow(/^phone: not a usable phone number/);
    expect(() => answers.phoneArgument('1'.repeat(65))).toThrow(/^phone: /);
  });
});

describe('what a ContactService answer becomes', () => {
  it('a parent with its drift by field, null when not found, a coded error when it cannot be had', () => {
    const drift = { field: 'suppression.doNotCall', crmField: 'contacts.dnc', reason: 'missing' as const };
    const parent = answers.contactParentOf(
      { kind: 'found', contact: contact(null), drift: [drift], fetchedAt: 5, stale: true },
      'hubspot',
    );
    expect(parent).toMatchObject({ fetchedAt: 5, stale: true });
    expect((parent as answers.ContactParent).drift.get('suppression.doNotCall')).toEqual(drift);
    expect(answers.contactParentOf({ kind: 'notFound' }, 'hubspot')).toBeNull();
    const overloaded = answers.contactParentOf({ kind: 'overloaded' }, 'hubspot') as never;
    expect(codeOf(overloaded)).toBe(ErrorCode.RATE_LIMITED);
    const down = answers.contactParentOf({ kind: 'unavailable', reason: 'timeout' }, 'hubspot') as never;
    expect(codeOf(down)).toBe(ErrorCode.CRM_UNAVAILABLE);
  });

  it('a drifted field answers CRM_SCHEMA_DRIFT naming the CRM field and the mapping version', () => {
    const error = answers.driftError(
      { field: 'phones', crmField: 'contacts.phone', reason: 'invalid' },
      'hubspot',
      'hubspot-v7',
    );
    expect(error.message).toBe(
      'hubspot field contacts.phone is not of the expected type; phones cannot be served (mapping hubspot-v7)',
    );
    expect(error.extensions).toMatchObject({ code: ErrorCode.CRM_SCHEMA_DRIFT, canonicalField: 'phones' });
  });

  it("a failed phone search is the CRM's rate limit or an outage", () => {
    const throttled = new CrmCallError('hubspot', 'contacts.search', 'rate_limited', '429');
    expect(codeOf(answers.phoneSearchError(throttled, 'hubspot') as never)).toBe(ErrorCode.CRM_RATE_LIMITED);
    expect(codeOf(answers.phoneSearchError(new Error('reset'), 'hubspot') as never)).toBe(ErrorCode.CRM_UNAVAILABLE);
  });
});

describe('phone index entries', () => {
  const parent = (phones: string[] | null, stale = false): answers.ContactParent => ({
    contact: contact(phones),
    drift: new Map(),
    fetchedAt: 0,
    stale,
  });
  it('keep a contact that still holds the number, or whose phones are stale or unknown', () => {
    expect(answers.stillAnswersPhone(parent(['+14155550100']), '+14155550100')).toBe(true);
    expect(answers.stillAnswersPhone(parent(['+14155550199'], true), '+14155550100')).toBe(true);
    expect(answers.stillAnswersPhone(parent(null), '+14155550100')).toBe(true);
  });
  it('drop a contact that is gone or was renumbered', () => {
    expect(answers.stillAnswersPhone(null, '+14155550100')).toBe(false);
    expect(answers.stillAnswersPhone(parent(['+14155550199']), '+14155550100')).toBe(false);
  });
});
