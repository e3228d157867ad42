import { header, type PlatformRequest, type VerifyResult } from '../core/adapter.js';
import { freshTimestamp, hmac, signatureMatches } from '../core/signatures.js';

/**
 * Vapi's HMAC credential (Dashboard → Custom Credentials → HMAC): HMAC-SHA256 over
 * `{timestamp}.{body}` (Vapi's default payload format), hex, in the signature header, with the
 * timestamp in its own header. We read `x-vapi-signature`/`x-vapi-timestamp` (what docs/platforms.md
 * tells users to configure) or Vapi's defaults `x-signature`/`x-timestamp`; timestamps older than
 * 5 minutes are refused. Vapi may send seconds or milliseconds: both are read.
 */
export function signVapi(secret: string, timestamp: string, raw: string | Buffer): string {
  return hmac('sha256', secret, `${timestamp}.`, raw).toString('hex');
}

export function verifyVapi(secret: string, request: PlatformRequest): VerifyResult {
  const signature = header(request.headers, 'x-vapi-signature') ?? header(request.headers, 'x-signature');
  const timestamp = header(request.headers, 'x-vapi-timestamp') ?? header(request.headers, 'x-timestamp');
  if (!signature || !timestamp) return { ok: false, reason: 'missing' };
  if (!/^\d{9,16}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
  const unit = timestamp.length >= 13 ? 'milliseconds' : 'seconds';
  if (!freshTimestamp(timestamp, request.now, unit)) return { ok: false, reason: 'stale' };
  const given = signature.replace(/^sha256=/, '');
  return signatureMatches(hmac('sha256', secret, `${timestamp}.`, request.raw), given, 'hex')
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
