import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HubSpot webhook signature v3: base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)),
 * sent as `X-HubSpot-Signature-v3` with the millisecond timestamp in `X-HubSpot-Request-Timestamp`.
 * `uri` is the full URL HubSpot posted to (scheme, host, path, query), with the handful of
 * percent-encoded characters HubSpot's docs list decoded first.
 */

export const SIGNATURE_HEADER = 'x-hubspot-signature-v3';
export const TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';
/** HubSpot's documented replay window: reject anything signed more than five minutes ago. */
export const MAX_SIGNATURE_AGE_MS = 300_000;
/** Allowance for a sender clock slightly ahead of ours; a far-future timestamp is as suspect as an old one. */
const MAX_CLOCK_SKEW_MS = 60_000;

const DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The URI form HubSpot signs: only the listed escapes are decoded (case-insensitive), the rest stays as sent. */
export function canonicalSignedUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()] ?? m);
}

export function signHubspotV3(input: {
  secret: string;
  method: string;
  uri: string;
  body: string | Buffer;
  timestamp: number | string;
}): string {
  return createHmac('sha256', input.secret)
    .update(input.method.toUpperCase() + canonicalSignedUri(input.uri))
    .update(input.body)
    .update(String(input.timestamp))
    .digest('base64');
}

export type SignatureFailure =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'bad_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'mismatch';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

export interface SignatureInput {
  secret: string;
  method: string;
  /** Full URL as the sender addressed it, including the query string. */
  uri: string;
  rawBody: Buffer | string;
  signature: string | undefined;
  timestamp: string | undefined;
  now?: number;
  maxAgeMs?: number;
}

/** Verifies before anything parses the body; the comparison takes the same time whatever matches. */
export function verifyHubspotSignatureV3(input: SignatureInput): SignatureCheck {
  if (!input.signature) return { ok: false, reason: 'missing_signature' };
  if (!input.timestamp) return { ok: false, reason: 'missing_timestamp' };
  if (!/^\d{1,15}$/.test(input.timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const now = input.now ?? Date.now();
  const age = now - Number(input.timestamp);
  if (age > (input.maxAgeMs ?? MAX_SIGNATURE_AGE_MS)) return { ok: false, reason: 'stale_timestamp' };
  if (age < -MAX_CLOCK_SKEW_MS) return { ok: false, reason: 'future_timestamp' };
  const expected = Buffer.from(
    signHubspotV3({
      secret: input.secret,
      method: input.method,
      uri: input.uri,
      body: input.rawBody,
      timestamp: input.timestamp,
    }),
    'base64',
  );
  const given = Buffer.from(input.signature, 'base64');
  // timingSafeEqual needs equal lengths; compare against a same-length buffer so a short
  // signature costs the same as a long wrong one.
  const comparable = given.length === expected.length ? given : Buffer.alloc(expected.length);
  const equal = timingSafeEqual(comparable, expected);
  return equal && given.length === expected.length ? { ok: true } : { ok: false, reason: 'mismatch' };
}
