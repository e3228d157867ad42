import { describe, expect, it } from 'vitest';
import { combineCallContext } from '../../platforms/core/call-context.js';
import type { ContactShape, PermissionShape } from '../../platforms/core/gateway-operations.js';

// The call-start rules (docs/platforms.md "Unknown numbers and outages"): fail closed for
// permission, degrade for context.
const numberDecision: PermissionShape = {
  allowed: true,
  reasons: [],
  decisionId: 'd-number',
  nextAllowedAt: null,
  obligations: [],
};
const contactDecision: PermissionShape = {
  allowed: false,
  reasons: ['CRM_DO_NOT_CALL'],
  decisionId: 'd-contact',
  nextAllowedAt: null,
  obligations: [],
};
const contact = (over: Partial<ContactShape> = {}): ContactShape => ({
  id: 'salesforce:1',
  source: 'SALESFORCE',
  name: { full: 'Dana' },
  freshness: { stale: false },
  callPermission: contactDecision,
  ...over,
});

describe('combineCallContext', () => {
  it("a known contact answers with the contact's own decision (it includes the CRM do-not-call flag)", () => {
    const c = combineCallContext(
      '+14155550100',
      'MARKETING',
      { kind: 'answered', contacts: [contact()], partial: false },
      { kind: 'answered', permission: numberDecision },
    );
    expect(c).toMatchObject({
      contactStatus: 'known',
      stale: false,
      permission: { allowed: false, reasons: ['CRM_DO_NOT_CALL'], decisionId: 'd-contact' },
    });
  });

  it("an unknown number (every CRM answered, none matched) answers with the number's decision", () => {
    const c = combineCallContext(
      '+14155550100',
      'MARKETING',
      { kind: 'answered', contacts: [], partial: false },
      { kind: 'answered', permission: numberDecision },
    );
    expect(c).toMatchObject({
      contactStatus: 'unknown',
      stale: false,
      contact: null,
      permission: { allowed: true, decisionId: 'd-number' },
    });
  });

  it('a CRM that did not answer denies the call (the CRM flag is unknown) and marks the context unavailable', () => {
    const c = combineCallContext(
      '+14155550100',
      'MARKETING',
      { kind: 'failed' },
      { kind: 'answered', permission: numberDecision },
    );
    expect(c).toMatchObject({
      contactStatus: 'unavailable',
      stale: true,
      permission: { allowed: false, reasons: ['COMPLIANCE_DATA_UNAVAILABLE'], decisionId: 'd-number' },
    });
    const partial = combineCallContext(
      '+14155550100',
      'MARKETING',
      { kind: 'answered', contacts: [], partial: true },
      { kind: 'answered', permission: numberDecision },
    );
    expect(partial.contactStatus).toBe('unavailable');
    expect(partial.permission.allowed).toBe(false);
  });

  it('a contact served with a CRM error beside it is known but stale; without its own decision it is denied', () => {
    const c = combineCallContext(
      '+14155550100',
      'MARKETING',
      { kind: 'answered', contacts: [contact({ callPermission: null })], partial: true },
      { kind: 'answered', permission: numberDecision },
    );
    expect(c).toMatchObject({
      contactStatus: 'known',
      stale: true,
      permission: { allowed: false, reasons: ['COMPLIANCE_DATA_UNAVAILABLE'] },
    });
  });

  it('no decision at all denies with COMPLIANCE_DATA_UNAVAILABLE and no decision id', () => {
    const c = combineCallContext(
      '+14155550100',
      'MARKETING',
      { kind: 'answered', contacts: [], partial: false },
      { kind: 'failed' },
    );
    expect(c.permission).toEqual({
      allowed: false,
      reasons: ['COMPLIANCE_DATA_UNAVAILABLE'],
      decisionId: null,
      obligations: [],
      nextAllowedAt: null,
    });
  });
});
