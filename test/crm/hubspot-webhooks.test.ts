import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../shared/crm/connector.js';
import { signHubspotV3 } from '../../crm/hubspot/signature.js';
import { AssociationIndex } from '../../crm/hubspot/association-index.js';
import { parseHubspotWebhook } from '../../crm/hubspot/webhooks.js';

const secret = 'dev-hubspot-client-secret';
const url = 'http://127.0.0.1:4002/webhooks/hubspot';
const now = 1_764_000_000_000;

function request(
  body: unknown,
  options: { timestamp?: number; secret?: string; rawBody?: string } = {},
): WebhookRequest {
  const raw = options.rawBody ?? JSON.stringify(body);
  const timestamp = String(options.timestamp ?? now - 500);
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/json',
      'x-hubspot-request-timestamp': timestamp,
      'x-hubspot-signature-v3': signHubspotV3({
        secret: options.secret ?? secret,
        method: 'POST',
        uri: url,
        body: raw,
        timestamp,
      }),
    },
    body: Buffer.from(raw),
    receivedAt: now,
  };
}

const event = (over: Record<string, unknown>) => ({
  eventId: 100,
  subscriptionId: 1,
  portalId: 62515,
  appId: 1,
  occurredAt: now - 2_000,
  subscriptionType: 'contact.propertyChange',
  attemptNumber: 0,
  objectId: 51,
  propertyName: 'phone',
  propertyValue: '(415) 555-0100',
  changeSource: 'CRM_UI',
  ...over,
});

describe('HubSpot webhook parsing', () => {
  it('turns property changes into canonical change events', () => {
    const result = parseHubspotWebhook(
      request([
        event({ eventId: 1, objectId: 51, propertyName: 'phone', propertyValue: '(415) 555-0100' }),
        event({
          eventId: 2,
          objectId: 52,
          propertyName: 'dialplane_do_not_call',
          propertyValue: 'true',
          occurredAt: now - 1_000,
        }),
      ]),
      secret,
    );
    expect(result).toEqual({
      ok: true,
      events: [
        {
          eventId: '1',
          sourceId: '51',
          kind: 'updated',
          changedFields: ['phones', 'primaryPhone'],
          occurredAt: new Date(now - 2_000).toISOString(),
          order: now - 2_000,
          versionMs: now - 2_000,
          phoneValues: ['(415) 555-0100'],
        },
        {
          eventId: '2',
          sourceId: '52',
          kind: 'updated',
          changedFields: ['suppression.doNotCall'],
          occurredAt: new Date(now - 1_000).toISOString(),
          order: now - 1_000,
          versionMs: now - 1_000,
          suppression: { doNotCall: true },
        },
      ],
    });
  });

  it('merges the per-property events of one contact commit into one event (same order key)', () => {
    const result = parseHubspotWebhook(
      request([
        event({ eventId: 11, propertyName: 'dialplane_do_not_call', propertyValue: 'true' }),
        event({ eventId: 10, propertyName: 'mobilephone', propertyValue: '+1 415 555 0199' }),
        event({ eventId: 12, propertyName: 'notes_last_updated', propertyValue: '1' }),
      ]),
      secret,
    );
    expect(result.ok && result.events).toEqual([
      {
        eventId: '10+11',
        sourceId: '51',
        kind: 'updated',
        changedFields: ['suppression.doNotCall', 'phones', 'primaryPhone'],
        occurredAt: new Date(now - 2_000).toISOString(),
        order: now - 2_000,
        versionMs: now - 2_000,
        suppression: { doNotCall: true },
        phoneValues: ['+1 415 555 0199'],
      },
    ]);
  });

  it('drops changes that cannot affect a canonical contact; maps lifecycle events', () => {
    const result = parseHubspotWebhook(
      request([
        event({ eventId: 20, propertyName: 'notes_last_updated' }),
        event({ eventId: 21, subscriptionType: 'deal.propertyChange', objectId: 9001, propertyName: 'amount' }),
        event({
          eventId: 22,
          subscriptionType: 'contact.deletion',
          objectId: 60,
          propertyName: undefined,
          propertyValue: undefined,
        }),
        event({
          eventId: 23,
          subscriptionType: 'contact.creation',
          objectId: 61,
          propertyName: undefined,
          propertyValue: undefined,
        }),
        // Association events name both ends and no objectId (HubSpot's shape).
        {
          eventId: 24,
          subscriptionId: 3,
          portalId: 62515,
          appId: 1,
          occurredAt: now - 2_000,
          subscriptionType: 'contact.associationChange',
          attemptNumber: 0,
          changeSource: 'USER',
          associationType: 'CONTACT_TO_DEAL',
          fromObjectId: 62,
          toObjectId: 9001,
          associationRemoved: false,
          isPrimaryAssociation: false,
        },
        {
          eventId: 25,
          subscriptionId: 4,
          portalId: 62515,
          appId: 1,
          occurredAt: now - 2_000,
          subscriptionType: 'deal.associationChange',
          attemptNumber: 0,
          changeSource: 'USER',
          associationType: 'DEAL_TO_CONTACT',
          fromObjectId: 9001,
          toObjectId: 63,
          associationRemoved: true,
          isPrimaryAssociation: false,
        },
        event({ eventId: 26, subscriptionType: 'contact.someFutureEvent', objectId: 64 }),
      ]),
      secret,
    );
    expect(result.ok && result.events.map((e) => [e.eventId, e.sourceId, e.kind, e.changedFields])).toEqual([
      ['22', '60', 'deleted', []],
      ['23', '61', 'created', []],
      ['24-62', '62', 'updated', ['openDeal', 'crmLastActivity', 'crmIntentStage']],
      ['25-63', '63', 'updated', ['openDeal', 'crmLastActivity', 'crmIntentStage']],
    ]);
  });

  it('rejects a tampered body with 401 before parsing it', () => {
    const good = request([event({})]);
    const tampered = { ...good, body: Buffer.from(good.body.toString().replace('51', '52')) };
    expect(parseHubspotWebhook(tampered, secret)).toMatchObject({
      ok: false,
      status: 401,
      code: 'WEBHOOK_SIGNATURE_INVALID',
    });
    // Even a body that is not JSON answers 401 first: nothing unverified is parsed.
    const junk = { ...good, body: Buffer.from('{not json') };
    expect(parseHubspotWebhook(junk, secret)).toMatchObject({ ok: false, status: 401 });
  });

  it('rejects a stale timestamp with 401 and names the reason', () => {
    const result = parseHubspotWebhook(request([event({})], { timestamp: now - 301_000 }), secret);
    expect(result).toEqual({
      ok: false,
      status: 401,
      code: 'WEBHOOK_SIGNATURE_INVALID',
      message: 'request timestamp older than 5 minutes',
      reason: 'stale_timestamp',
    });
  });

  it('rejects the wrong secret and missing headers with 401', () => {
    expect(parseHubspotWebhook(request([event({})], { secret: 'nope' }), secret)).toMatchObject({
      ok: false,
      status: 401,
    });
    const r = request([event({})]);
    expect(
      parseHubspotWebhook({ ...r, headers: { ...r.headers, 'x-hubspot-signature-v3': undefined } }, secret),
    ).toMatchObject({ ok: false, status: 401 });
  });

  it('answers 400 for a signed body that is not a HubSpot event batch', () => {
    expect(parseHubspotWebhook(request(undefined, { rawBody: '{"not":"an array"}' }), secret)).toMatchObject({
      ok: false,
      status: 400,
      code: 'BAD_USER_INPUT',
    });
    expect(parseHubspotWebhook(request(undefined, { rawBody: 'nope' }), secret)).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(parseHubspotWebhook(request([{ eventId: 1 }]), secret)).toMatchObject({ ok: false, status: 400 });
  });

  it('a deal change becomes an openDeal change of the contacts it was read with, merged with their own events', () => {
    const index = new AssociationIndex();
    index.record(
      'deals',
      new Map([
        ['51', ['9001']],
        ['52', ['9001', '9002']],
      ]),
    );
    const at = now - 3_000;
    const result = parseHubspotWebhook(
      request([
        event({
          eventId: 30,
          subscriptionType: 'deal.propertyChange',
          objectId: 9001,
          propertyName: 'dealstage',
          propertyValue: 'closedwon',
          occurredAt: at,
        }),
        event({
          eventId: 31,
          subscriptionType: 'deal.propertyChange',
          objectId: 9001,
          propertyName: 'hs_priority',
          propertyValue: 'high',
          occurredAt: at,
        }),
        event({ eventId: 32, objectId: 51, propertyName: 'lifecyclestage', propertyValue: 'customer', occurredAt: at }),
        event({
          eventId: 33,
          subscriptionType: 'deal.propertyChange',
          objectId: 9999,
          propertyName: 'dealstage',
          occurredAt: at,
        }),
      ]),
      secret,
      index,
    );
    expect(result.ok && result.events.map((e) => [e.eventId, e.sourceId, e.changedFields])).toEqual([
      ['32+deal-30-51', '51', ['openDeal', 'crmIntentStage']],
      ['deal-30-52', '52', ['openDeal']],
    ]);
  });
});
