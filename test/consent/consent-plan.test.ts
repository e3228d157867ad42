import { describe, expect, it } from 'vitest';
import type { Identity } from '../../shared/identity.js';
import { normalizePhone } from '../../shared/phone.js';
import * as plan from '../../subgraphs/consent/consent-plan.js';
import { evaluate } from '../../subgraphs/consent/decision/evaluate.js';
import type { InternalDncRecord } from '../../subgraphs/consent/store/suppression.js';
import { GRANT_AT, facts, grant, policy, SELLER, type FactsInput } from './support/facts.js';

// The consent service's policy without its I/O (consent-plan.ts): what is read, asked, reserved
// and written for each operation. No database, no checker.

const HOUR_MS = 3_600_000;
const agent: Identity = { sub: 'agent-7', roles: ['agent'] };
const request = (over: Partial<plan.DecideRequest> = {}): plan.DecideRequest => ({
  phone: '+12125550100',
  purpose: 'MARKETING',
  seller: SELLER,
  ...over,
});

describe('what a decision reads', () => {
  it('counts attempts back over the longest cap window, from the earlier of the call time and now', () => {
    const windows = [
      ...policy.healthcare.caps.map((c) => c.windowHours),
      ...Object.values(policy.states).map((s) => s.cap?.windowHours ?? 0),
    ];
    const capMs = plan.longestCapMs(policy);
    expect(capMs).toBe(Math.max(...windows) * HOUR_MS);
    const now = new Date('2026-06-10T16:00:00Z');
    const earlier = new Date('2026-06-09T16:00:00Z');
    expect(plan.attemptsWindowStart(now, earlier, capMs)).toEqual(new Date(earlier.getTime() - capMs));
    expect(plan.attemptsWindowStart(earlier, now, capMs)).toEqual(new Date(earlier.getTime() - capMs));
  });

  it('reads the stored facts of a valid number in a supported country, every fact unknown until read', () => {
    const at = new Date('2026-06-10T16:00:00Z');
    const { facts: planned, read } = plan.planFacts(
      request({ subject: null }),
      normalizePhone('+12125550100'),
      at,
      at,
      policy,
      HOUR_MS,
    );
    expect(read).toEqual({ e164: '+12125550100', since: new Date(at.getTime() - HOUR_MS) });
    expect(planned).toMatchObject({
      phone: { e164: '+12125550100', country: 'US', valid: true },
      subject: 'MARKETING',
      geo: null,
      ledger: null,
      suppression: null,
      reassigned: null,
      attempts: null,
    });
  });

  it('reads nothing for an invalid number or one outside the supported countries (denied on the number alone)', () => {
    const at = new Date('2026-06-10T16:00:00Z');
    const invalid = plan.planFacts(request({ phone: '12' }), normalizePhone('12'), at, at, policy, HOUR_MS);
    expect(invalid.read).toBeNull();
    expect(invalid.facts.phone).toEqual({ e164: null, country: null, valid: false });
    const abroad = normalizePhone('+442071838750');
    expect(abroad?.valid).toBe(true);
    expect(policy.supportedCountries).not.toContain(abroad!.country);
    expect(plan.planFacts(request({ phone: '+442071838750' }), abroad, at, at, policy, HOUR_MS).read).toBeNull();
  });
});

describe('when the reassigned-number database is asked', () => {
  const consentFacts = (reassigned: FactsInput['reassigned']) => {
    const f = facts({ ledger: [grant({ occurredAt: GRANT_AT })], reassigned });
    return { f, first: evaluate(f, policy) };
  };

  it('is not, when the stored answer is for the consent relied on and fresh', () => {
    const { f, first } = consentFacts('auto');
    expect(first.evidence.grantSeq).not.toBeNull();
    expect(plan.reassignedStep(f, first, policy)).toEqual({ step: 'final' });
  });

  it('is, for the consent date, when the stored answer is for another date or too old', () => {
    const otherDate = {
      result: 'NO' as const,
      consentDate: new Date('2025-01-01T00:00:00Z'),
      checkedAt: GRANT_AT,
      version: 'v',
    };
    const { f, first } = consentFacts(otherDate);
    expect(plan.reassignedStep(f, first, policy)).toEqual({ step: 'ask', e164: f.phone.e164, consentDate: GRANT_AT });
    const stale = {
      result: 'NO' as const,
      consentDate: GRANT_AT,
      checkedAt: new Date(f.evaluatedAt.getTime() - (policy.reassigned.maxAgeDays + 1) * 24 * HOUR_MS),
      version: 'v',
    };
    const old = consentFacts(stale);
    expect(plan.reassignedStep(old.f, old.first, policy)).toMatchObject({ step: 'ask' });
  });

  it('uses an answer already read for this number and consent date instead of asking', () => {
    const { f, first } = consentFacts(null);
    const fitting = { result: 'NO' as const, consentDate: GRANT_AT, checkedAt: f.evaluatedAt, version: 'v' };
    const unfitting = { ...fitting, consentDate: new Date('2025-01-01T00:00:00Z') };
    expect(plan.reassignedStep(f, first, policy, [unfitting, fitting])).toEqual({ step: 'kept', answer: fitting });
  });

  it('is not, when no consent is relied on', () => {
    const f = facts({ ledger: [] });
    const first = evaluate(f, policy);
    expect(first.evidence.grantSeq).toBeNull();
    expect(plan.reassignedStep(f, first, policy)).toEqual({ step: 'final' });
  });
});

describe('what is written', () => {
  const evaluatedAt = new Date('2026-06-10T16:00:00Z');

  it('fails closed with COMPLIANCE_DATA_UNAVAILABLE under the current policy version', () => {
    const d = plan.unavailableDecision(policy, evaluatedAt);
    expect(d).toMatchObject({
      allowed: false,
      reasons: ['COMPLIANCE_DATA_UNAVAILABLE'],
      policyVersion: policy.version,
    });
    expect(d.evidence.attemptsCounted).toBe(0);
  });

  it('reserves an attempt for an allowed call only, for the caller when no seller is named', () => {
    const allowed = evaluate(facts(), policy);
    expect(allowed.allowed).toBe(true);
    const ids = { decisionId: 'd-1', e164: '+12125550100' };
    expect(plan.reservationFor(allowed, request({ seller: null }), agent, ids, evaluatedAt)).toEqual({
      ...ids,
      seller: 'agent-7',
      purpose: 'MARKETING',
      subject: 'MARKETING',
      attemptedAt: evaluatedAt,
    });
    const denied = plan.unavailableDecision(policy, evaluatedAt);
    expect(plan.reservationFor(denied, request(), agent, ids, evaluatedAt)).toBeNull();
  });

  it('revokes for the seller it can prove, for every seller otherwise (B3)', () => {
    const r = {
      eventId: 'e1',
      e164: '+12125550100',
      occurredAt: evaluatedAt,
      source: 'agent',
      channel: 'VOICE' as const,
    };
    expect(plan.revocationRecord(r, 'acme', agent)).toMatchObject({
      scope: 'SELLER',
      seller: 'acme',
      actor: 'agent-7',
    });
    expect(plan.revocationRecord(r, null, agent)).toMatchObject({ scope: 'ALL_SELLERS', seller: null });
    expect(plan.revocationRecord({ ...r, scope: 'SELLER' }, null, agent)).toMatchObject({ scope: 'ALL_SELLERS' });
    expect(plan.revocationRecord({ ...r, scope: 'ALL_SELLERS' }, 'acme', agent)).toMatchObject({
      scope: 'ALL_SELLERS',
      seller: null,
    });
  });

  it('revokes consent with a do-not-call entry, except a healthcare-voice-only one', () => {
    const dnc: InternalDncRecord = {
      eventId: 'x1',
      e164: '+12125550100',
      scope: 'SELLER',
      seller: 'acme',
      source: 'agent',
      actor: 'agent-7',
      addedAt: evaluatedAt,
    };
    expect(plan.dncRevocation(dnc, () => 'fresh')).toEqual({
      eventId: 'dnc:x1',
      e164: '+12125550100',
      occurredAt: evaluatedAt,
      source: 'agent',
      actor: 'agent-7',
      channel: 'DNC_REQUEST',
      scope: 'SELLER',
      seller: 'acme',
    });
    expect(
      plan.dncRevocation({ ...dnc, eventId: null, scope: 'ALL', channel: 'SMS_KEYWORD' }, () => 'fresh'),
    ).toMatchObject({ eventId: 'fresh', scope: 'ALL_SELLERS', seller: null, channel: 'SMS_KEYWORD' });
    expect(plan.dncRevocation({ ...dnc, scope: 'HEALTHCARE_VOICE' }, () => 'fresh')).toBeNull();
  });

  it('looks up only decision ids that can exist (UUIDs)', () => {
    expect(plan.isDecisionId('0b8f4a6e-3c1d-4e7a-9b2f-5d6c7e8f9a0b')).toBe(true);
    expect(plan.isDecisionId("x' OR 1=1")).toBe(false);
  });

  it('audits a decision with references only: policy version, instant, evidence, reservation', () => {
    const decision = plan.unavailableDecision(policy, evaluatedAt);
    const row = plan.decisionAudit('AUTHORIZE', agent, request(), {
      decision,
      decisionId: 'd-1',
      e164: '+12125550100',
      reservation: null,
    });
    expect(row).toEqual({
      action: 'AUTHORIZE',
      actor: 'agent-7',
      role: 'agent',
      seller: SELLER,
      purpose: 'MARKETING',
      e164: '+12125550100',
      decisionId: 'd-1',
      allowed: false,
      reasons: ['COMPLIANCE_DATA_UNAVAILABLE'],
      detail: {
        policyVersion: policy.version,
        at: evaluatedAt.toISOString(),
        hypothetical: false,
        evidence: decision.evidence,
        reserved: false,
      },
    });
  });

  it('audits reassigned-number answers: the number only when there is one', () => {
    const answer = { result: 'NO' as const, consentDate: GRANT_AT, checkedAt: evaluatedAt, version: 'rnd-1' };
    expect(plan.reassignedAudit(agent, { e164: '+12125550100', answer, source: 'rnd-sim' })).toMatchObject({
      action: 'REASSIGNED_RECORDED',
      e164: '+12125550100',
      detail: { result: 'NO', version: 'rnd-1', source: 'rnd-sim' },
    });
    expect(plan.reassignedAudit(agent, { e164s: ['+12125550100'] })).toMatchObject({ e164: '+12125550100' });
    expect(plan.reassignedAudit(agent, { e164s: ['+12125550100', '+13055550100'] })).toMatchObject({
      e164: null,
      detail: { results: 2, source: 'bulk' },
    });
  });
});
