import { describe, expect, it } from 'vitest';
import { explainDecision, RULES } from '../../subgraphs/consent/decision/explain.js';
import { DENY_CODES } from '../../subgraphs/consent/decision/types.js';
import { currentPolicy } from '../../subgraphs/consent/policy/index.js';

const outcomes = (checks: ReturnType<typeof explainDecision>) =>
  Object.fromEntries(checks.map((c) => [c.rule, c.outcome]));

describe('a recorded decision explained rule by rule', () => {
  it('places every deny code in exactly one rule', () => {
    const owners = DENY_CODES.map((code) => RULES.filter((r) => r.codes.includes(code)).map((r) => r.rule));
    expect(owners.filter((o) => o.length !== 1)).toEqual([]);
    expect(new Set(RULES.map((r) => r.rule)).size).toBe(RULES.length);
  });

  it('marks the rules whose codes denied, the ones that passed with what they relied on, and those that do not apply', () => {
    const checks = explainDecision({
      purpose: 'MARKETING',
      reasons: ['NO_CONSENT', 'OUTSIDE_CALLING_HOURS'],
      evidence: {
        zones: ['America/New_York'],
        states: ['NY'],
        suppressionLists: [{ list: 'national', downloadedAt: '2026-12-01T00:00:00.000Z' }],
        revocationSeq: null,
        attemptsCounted: 2,
      },
      policy: currentPolicy,
    });
    expect(checks.find((c) => c.rule === 'A1-A4')).toMatchObject({ outcome: 'DENIED', codes: ['NO_CONSENT'] });
    expect(checks.find((c) => c.rule === 'C1')).toMatchObject({
      outcome: 'DENIED',
      codes: ['OUTSIDE_CALLING_HOURS'],
      detail: 'zones America/New_York',
    });
    expect(checks.find((c) => c.rule === 'D1/D3')).toMatchObject({
      outcome: 'PASSED',
      codes: [],
      detail: 'national@2026-12-01',
    });
    expect(checks.find((c) => c.rule === 'C2')?.detail).toBe('states NY; 2 attempt(s) counted');
    expect(checks.find((c) => c.rule === 'G1')?.outcome).toBe('NOT_APPLICABLE'); // not a healthcare purpose
    expect(checks.flatMap((c) => c.codes).sort()).toEqual(['NO_CONSENT', 'OUTSIDE_CALLING_HOURS']);
  });

  it('shows consent and registries as not applying to an emergency call', () => {
    const o = outcomes(
      explainDecision({
        purpose: 'EMERGENCY',
        reasons: [],
        evidence: { exemption: 'EMERGENCY' },
        policy: currentPolicy,
      }),
    );
    expect(o['A1-A4']).toBe('NOT_APPLICABLE');
    expect(o['D1/D3']).toBe('NOT_APPLICABLE');
    expect(o.N).toBe('PASSED');
  });

  it('shows nothing after an unreadable number as evaluated, and no rule as passed when a fact was unreadable', () => {
    const invalid = outcomes(
      explainDecision({ purpose: 'MARKETING', reasons: ['INVALID_NUMBER'], evidence: {}, policy: currentPolicy }),
    );
    expect(invalid.N).toBe('DENIED');
    expect(
      Object.entries(invalid)
        .filter(([rule]) => rule !== 'N' && rule !== 'F')
        .every(([, o]) => o === 'NOT_EVALUATED'),
    ).toBe(true);
    const unreadable = outcomes(
      explainDecision({
        purpose: 'MARKETING',
        reasons: ['COMPLIANCE_DATA_UNAVAILABLE', 'NO_CONSENT'],
        evidence: {},
        policy: currentPolicy,
      }),
    );
    expect(unreadable.F).toBe('DENIED');
    expect(unreadable['A1-A4']).toBe('DENIED');
    expect(unreadable.D4).toBe('NOT_EVALUATED');
    // The number was read (N passed); no other rule claims to have passed.
    expect(
      Object.entries(unreadable)
        .filter(([, o]) => o === 'PASSED')
        .map(([rule]) => rule),
    ).toEqual(['N']);
  });
});
