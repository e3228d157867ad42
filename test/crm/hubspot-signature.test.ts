import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalSignedUri,
  MAX_SIGNATURE_AGE_MS,
  signHubspotV3,
  verifyHubspotSignatureV3,
} from '../../crm/hubspot/signature.js';

const secret = 'dev-hubspot-client-secret';
const uri = 'http://127.0.0.1:4002/webhooks/hubspot?portal=62515';
const body = JSON.stringify([
  {
    eventId: 1,
    objectId: 51,
    subscriptionType: 'contact.propertyChange',
    propertyName: 'phone',
    propertyValue: '+14155550100',
    occurredAt: 1,
  },
]);
const now = 1_764_000_000_000;

function signed(overrides: Partial<Parameters<typeof verifyHubspotSignatureV3>[0]> = {}) {
  const timestamp = String(now - 1_000);
  return {
    secret,
    method: 'POST',
    uri,
    rawBody: body,
    timestamp,
    signature: signHubspotV3({ secret, method: 'POST', uri, body, timestamp }),
    now,
    ...overrides,
  };
}

describe('HubSpot webhook signature v3', () => {
  it('matches the documented construction: base64 HMAC-SHA256 of method + uri + body + timestamp', () => {
    const timestamp = '1764000000000';
    const expected = createHmac('sha256', secret).update(`POST${uri}${body}${timestamp}`).digest('base64');
    expect(signHubspotV3({ secret, method: 'POST', uri, body, timestamp })).toBe(expected);
  });

  it('accepts a correctly signed, recent request', () => {
    expect(verifyHubspotSignatureV3(signed())).toEqual({ ok: true });
  });

  it('accepts raw bytes identical to the signed string', () => {
    expect(verifyHubspotSignatureV3(signed({ rawBody: Buffer.from(body, 'utf8') }))).toEqual({ ok: true });
  });

  it('rejects a tampered body', () => {
    const tampered = body.replace('+14155550100', '+14155550199');
    expect(verifyHubspotSignatureV3(signed({ rawBody: tampered }))).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a different URL, method or secret', () => {
    expect(verifyHubspotSignatureV3(signed({ uri: uri.replace('62515', '1') }))).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyHubspotSignatureV3(signed({ method: 'PUT' }))).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifyHubspotSignatureV3(signed({ secret: 'another-secret' }))).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects a timestamp older than five minutes even with a valid signature', () => {
    const timestamp = String(now - MAX_SIGNATURE_AGE_MS - 1);
    const signature = signHubspotV3({ secret, method: 'POST', uri, body, timestamp });
    expect(verifyHubspotSignatureV3(signed({ timestamp, signature }))).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    const justInside = String(now - MAX_SIGNATURE_AGE_MS + 1);
    expect(
      verifyHubspotSignatureV3(
        signed({
          timestamp: justInside,
          signature: signHubspotV3({ secret, method: 'POST', uri, body, timestamp: justInside }),
        }),
      ),
    ).toEqual({ ok: true });
  });

  it('rejects a replayed signature whose timestamp was changed to look fresh', () => {
    const old = String(now - 10 * 60_000);
    const signature = signHubspotV3({ secret, method: 'POST', uri, body, timestamp: old });
    expect(verifyHubspotSignatureV3(signed({ timestamp: String(now), signature }))).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects far-future, malformed and missing timestamps, and missing or short signatures', () => {
    const future = String(now + 10 * 60_000);
    expect(
      verifyHubspotSignatureV3(
        signed({
          timestamp: future,
          signature: signHubspotV3({ secret, method: 'POST', uri, body, timestamp: future }),
        }),
      ),
    ).toEqual({
      ok: false,
      reason: 'future_timestamp',
    });
    expect(verifyHubspotSignatureV3(signed({ timestamp: '2025-01-01T00:00:00Z' }))).toEqual({
      ok: false,
      reason: 'bad_timestamp',
    });
    expect(verifyHubspotSignatureV3(signed({ timestamp: undefined }))).toEqual({
      ok: false,
      reason: 'missing_timestamp',
    });
    expect(verifyHubspotSignatureV3(signed({ signature: undefined }))).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
    expect(verifyHubspotSignatureV3(signed({ signature: 'c2hvcnQ=' }))).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('decodes only the escapes HubSpot lists before signing', () => {
    expect(canonicalSignedUri('https://x.test/hook?a=b%3Ac%2Fd%40e&f=%20g')).toBe(
      'https://x.test/hook?a=b:c/d@e&f=%20g',
    );
    const encoded = 'https://x.test/hook?next=a%3Ab';
    const signature = signHubspotV3({
      secret,
      method: 'POST',
      uri: 'https://x.test/hook?next=a:b',
      body,
      timestamp: String(now),
    });
    expect(
      verifyHubspotSignatureV3({
        secret,
        method: 'POST',
        uri: encoded,
        rawBody: body,
        timestamp: String(now),
        signature,
        now,
      }),
    ).toEqual({ ok: true });
  });
});
