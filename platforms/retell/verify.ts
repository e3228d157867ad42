import { header, type PlatformRequest, type VerifyResult } from '../core/adapter.js';
import { freshTimestamp, hmac, signatureMatches } from '../core/signatures.js';

/**
 * Retell (docs.retellai.com "Secure the webhook"): `x-retell-signature: v=<unix ms>,d=<hex>`, the
 * HMAC-SHA256 of the raw body followed by the timestamp, keyed with the API key that carries the
 * webhook badge. The same header signs the inbound-call webhook, call events and custom-function
 * calls. Signatures older than 5 minutes are refused.
 */
export function signRetell(apiKey: string, timestampMs: number, raw: string | Buffer): string {
  return `v=${timestampMs},d=${hmac('sha256', apiKey, raw, String(timestampMs)).toString('hex')}`;
}

export function verifyRetell(apiKey: string, request: PlatformRequest): VerifyResult {
  const value = header(request.headers, 'x-retell-signature');
  if (!value) return { ok: false, reason: 'missing' };
  const m = /^v=(\d{10,16}),d=([0-9a-f]{64})$/i.exec(value.trim());
  if (!m) return { ok: false, reason: 'malformed' };
  if (!freshTimestamp(m[1]!, request.now, 'milliseconds')) return { ok: false, reason: 'stale' };
  return signatureMatches(hmac('sha256', apiKey, request.raw, m[1]!), m[2]!, 'hex')
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
