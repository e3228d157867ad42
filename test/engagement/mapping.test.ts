import { describe, expect, it } from 'vitest';
import { classifyHubspotError } from '../../crm/hubspot/writer.js';
import { classifySalesforceError } from '../../crm/salesforce/writer.js';
import {
  HUBSPOT_DISPOSITION_GUID,
  INTENT_LEAD_STATUS,
  hubspotCallOf,
  hubspotContactUpdateOf,
} from '../../crm/hubspot/write-mapping.js';
import {
  salesforceContactUpdateOf,
  salesforceFollowUpOf,
  salesforceTaskOf,
} from '../../crm/salesforce/write-mapping.js';
import { DISPOSITIONS, crmKeyOf } from '../../shared/crm/writer.js';
import {
  callOutcomeInput,
  isOptOut,
  payloadHash,
  type StoredOutcome,
} from '../../subgraphs/engagement/intake/outcome.js';
import { intentStageOf, lastInteractionOf } from '../../subgraphs/engagement/read-your-writes/overlay.js';
import { LEAD_STATUS_INTENT } from '../../crm/hubspot/read-mapping.js';
import type { WriteBackState } from '../../subgraphs/engagement/store.js';

// Pure pieces: the outcome schema, opt-out detection, the CRM mappings (checked against the read
// side so a write reads back as itself), error classification and the read-your-writes overlay.

const base: StoredOutcome = {
  id: '6f1c9a8e-2b7d-4c1e-9f00-000000000001',
  idempotencyKey: 'idem-0001-abcdef',
  contactId: 'hubspot:101',
  crm: 'hubspot',
  crmContactId: '101',
  callId: 'call-1',
  decisionId: 'dec-1',
  disposition: 'CONNECTED',
  summary: 'Renewal discussed',
  intentStage: 'ENGAGED',
  nextAction: null,
  nextActionAt: null,
  durationSeconds: 61,
  occurredAt: '2026-11-25T18:00:00.000Z',
  optOut: false,
  channel: 'graphql',
  acceptedAt: '2026-11-25T18:00:01.000Z',
};

describe('call outcome input', () => {
  const valid = {
    contactId: 'salesforce:003000000000001AAA',
    callId: 'c1',
    decisionId: 'd1',
    idempotencyKey: 'key-12345678',
    disposition: 'BUSY',
    occurredAt: '2026-11-25T18:00:00Z',
  };
  it('parses the global id into CRM and record id', () => {
    const parsed = callOutcomeInput.parse(valid);
    expect(parsed.contactId).toEqual({
      id: 'salesforce:003000000000001AAA',
      crm: 'salesforce',
      crmId: '003000000000001AAA',
    });
  });
  it.each([
    [{ contactId: 'zoho:1' }, 'contactId'],
    [{ disposition: 'HUNG_UP' }, 'disposition'],
    [{ occurredAt: 'yesterday' }, 'occurredAt'],
    [{ durationSeconds: -1 }, 'durationSeconds'],
    [{ idempotencyKey: 'has spaces in it' }, 'idempotencyKey'],
    [{ disposition: 'OPTED_OUT' }, 'phone'],
    [{ optOutDetected: true, phone: '12' }, 'phone'],
  ])('rejects %j naming %s', (patch, field) => {
    const r = callOutcomeInput.safeParse({ ...valid, ...patch });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path[0]).toBe(field);
  });
  it('normalizes the phone of an opt-out to E.164', () => {
    expect(callOutcomeInput.parse({ ...valid, disposition: 'OPTED_OUT', phone: '(415) 555-0100' }).phone).toBe(
      '+14155550100',
    );
  });
  it('detects opt-outs by disposition, flag, next action and transcript', () => {
    const none = {
      disposition: 'CONNECTED' as const,
      optOutDetected: null,
      nextAction: null,
      transcript: 'sounds great, call me Tuesday',
    };
    expect(isOptOut(none)).toBe(false);
    expect(isOptOut({ ...none, disposition: 'OPTED_OUT' })).toBe(true);
    expect(isOptOut({ ...none, optOutDetected: true })).toBe(true);
    expect(isOptOut({ ...none, nextAction: 'DO_NOT_CONTACT' })).toBe(true);
    for (const t of [
      'Please stop calling me',
      "don't call this number again",
      'remove my number',
      'take me off your list',
      'put me on your do not call list',
    ]) {
      expect(isOptOut({ ...none, transcript: t })).toBe(true);
    }
  });
  it('fingerprints content, not the transcript', () => {
    const a = callOutcomeInput.parse({ ...valid, transcript: 'one' });
    const b = callOutcomeInput.parse({ ...valid, transcript: 'two' });
    const c = callOutcomeInput.parse({ ...valid, disposition: 'NO_ANSWER' });
    expect(payloadHash(a)).toBe(payloadHash(b));
    expect(payloadHash(a)).not.toBe(payloadHash(c));
  });
});

describe('CRM write mapping', () => {
  it('derives a stable CRM key that fits both CRMs', () => {
    expect(crmKeyOf('idem-0001-abcdef')).toBe(crmKeyOf('idem-0001-abcdef'));
    expect(crmKeyOf('idem-0001-abcdef')).not.toBe(crmKeyOf('idem-0001-abcdeg'));
    expect(crmKeyOf('any key / with:odd chars')).toMatch(/^dp1_[0-9a-f]{40}$/);
  });
  it('maps to a Salesforce call Task, follow-up and DoNotCall', () => {
    const o = {
      ...base,
      crm: 'salesforce' as const,
      crmContactId: '003000000000001AAA',
      optOut: true,
      nextAction: 'CALL_BACK' as const,
      nextActionAt: '2026-11-27T15:00:00.000Z',
    };
    const task = salesforceTaskOf(o);
    expect(task.key).toBe(crmKeyOf(o.idempotencyKey));
    expect(task.fields).toMatchObject({
      WhoId: '003000000000001AAA',
      CallType: 'Outbound',
      CallDisposition: 'Connected',
      CallDurationInSeconds: 61,
      ActivityDate: '2026-11-25',
      Status: 'Completed',
    });
    expect(task.fields).not.toHaveProperty('TaskSubtype');
    expect(String(task.fields.Description)).toContain('Next action: call back at 2026-11-27T15:00:00.000Z');
    expect(salesforceFollowUpOf(o)).toMatchObject({
      key: crmKeyOf(`${o.idempotencyKey}#next`),
      fields: { ActivityDate: '2026-11-27', Status: 'Not Started' },
    });
    expect(salesforceContactUpdateOf(o)).toEqual({ DoNotCall: true });
    expect(salesforceContactUpdateOf({ ...o, optOut: false })).toBeNull();
  });
  it('maps to a HubSpot call with a valid disposition GUID and status for every disposition', () => {
    for (const d of DISPOSITIONS) {
      const call = hubspotCallOf({ ...base, disposition: d });
      expect(call.properties.dialplane_key).toBe(crmKeyOf(base.idempotencyKey));
      expect(call.properties.hs_call_direction).toBe('OUTBOUND');
      if (HUBSPOT_DISPOSITION_GUID[d]) expect(call.properties.hs_call_disposition).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(hubspotCallOf(base).properties.hs_call_duration).toBe('61000');
  });
  it('writes lead statuses the read side maps back to the same intent stage', () => {
    for (const [stage, status] of Object.entries(INTENT_LEAD_STATUS)) expect(LEAD_STATUS_INTENT[status!]).toBe(stage);
    expect(hubspotContactUpdateOf({ ...base, intentStage: 'ENGAGED', optOut: true })).toEqual({
      hs_lead_status: 'IN_PROGRESS',
      dialplane_do_not_call: 'true',
    });
    expect(hubspotContactUpdateOf({ ...base, intentStage: 'CUSTOMER' })).toBeNull();
  });
});

describe('CRM error classification', () => {
  it('Salesforce: rate limit, permanent rejections, transient failures', () => {
    const limit = classifySalesforceError(
      { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
      'task.upsert',
    );
    expect([limit.code, limit.retryable, limit.retryAfterMs! > 0]).toEqual(['CRM_RATE_LIMITED', true, true]);
    const deleted = classifySalesforceError({ errorCode: 'ENTITY_IS_DELETED' }, 'task.upsert');
    expect([deleted.code, deleted.retryable, deleted.crmCode]).toEqual(['CRM_REJECTED', false, 'ENTITY_IS_DELETED']);
    expect(classifySalesforceError({ errorCode: 'ERROR_HTTP_503' }, 'x').retryable).toBe(true);
    expect(classifySalesforceError({ errorCode: 'ERROR_HTTP_400' }, 'x').retryable).toBe(false);
    expect(
      classifySalesforceError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'x')
        .retryable,
    ).toBe(true);
  });
  it('HubSpot: 429 policies, 5xx, validation', () => {
    const ten = classifyHubspotError(
      { code: 429, body: { policyName: 'TEN_SECONDLY_ROLLING' }, headers: {} },
      'calls.create',
    );
    expect([ten.code, ten.retryable, ten.crmCode]).toEqual(['CRM_RATE_LIMITED', true, 'TEN_SECONDLY_ROLLING']);
    expect(
      classifyHubspotError({ code: 429, body: JSON.stringify({ policyName: 'DAILY' }), headers: {} }, 'x').retryAfterMs,
    ).toBe(3_600_000);
    expect(classifyHubspotError({ code: 429, body: {}, headers: { 'retry-after': '3' } }, 'x').retryAfterMs).toBe(
      3_000,
    );
    expect(classifyHubspotError({ code: 502, body: {} }, 'x').retryable).toBe(true);
    const invalid = classifyHubspotError({ code: 400, body: { category: 'VALIDATION_ERROR' } }, 'calls.create');
    expect([invalid.code, invalid.retryable, invalid.crmCode]).toEqual(['CRM_REJECTED', false, 'VALIDATION_ERROR']);
    expect(classifyHubspotError(new TypeError('fetch failed'), 'x').retryable).toBe(true);
  });
});

describe('read-your-writes overlay', () => {
  const wb = (status: WriteBackState['status'], writtenAt: string | null = null): WriteBackState => ({
    id: base.id,
    outcomeId: base.id,
    contactId: base.contactId,
    crm: 'hubspot',
    status,
    attempts: 1,
    lastErrorCode: null,
    lastError: null,
    nextAttemptAt: null,
    crmRecordId: null,
    createdAt: base.acceptedAt,
    updatedAt: base.acceptedAt,
    writtenAt,
  });
  const rep = {
    id: 'hubspot:101',
    crmIntentStage: 'NEW',
    crmLastActivity: { at: '2026-11-26T09:00:00.000Z', summary: 'later CRM call', disposition: 'Busy', type: 'CALL' },
  };
  it('a pending outcome wins even over a newer CRM activity', () => {
    const latest = { outcome: base, writeBack: wb('RETRYING') };
    expect(intentStageOf(rep, latest, 10_000)).toBe('ENGAGED');
    expect(lastInteractionOf(rep, latest, 10_000)).toMatchObject({
      origin: 'OUTCOME',
      callDisposition: 'CONNECTED',
      writeBackStatus: 'RETRYING',
    });
  });
  it('a written outcome leads during the grace period, then only if newer than the CRM', () => {
    const now = Date.now();
    const fresh = { outcome: base, writeBack: wb('WRITTEN', new Date(now - 1_000).toISOString()) };
    expect(lastInteractionOf(rep, fresh, 10_000)!.origin).toBe('OUTCOME');
    const old = { outcome: base, writeBack: wb('WRITTEN', new Date(now - 60_000).toISOString()) };
    expect(lastInteractionOf(rep, old, 10_000)).toMatchObject({ origin: 'CRM', disposition: 'Busy' });
    expect(intentStageOf(rep, old, 10_000)).toBe('NEW');
    expect(lastInteractionOf({ ...rep, crmLastActivity: null }, old, 10_000)!.origin).toBe('OUTCOME');
  });
  it('no outcome: the CRM values unchanged (null stays null)', () => {
    expect(intentStageOf(rep, undefined, 10_000)).toBe('NEW');
    expect(lastInteractionOf({ id: 'hubspot:1', crmLastActivity: null }, undefined, 10_000)).toBeNull();
  });
});
