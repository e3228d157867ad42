import { header, type PlatformRequest, type VerifyResult } from '../core/adapter.js';
import { hmac, signatureMatches } from '../core/signatures.js';

/**
 * Twilio (twilio.com/docs/usage/security): `X-Twilio-Signature` is the base64 HMAC-SHA1, keyed with
 * the account's auth token, of the full URL Twilio requested followed by every POST parameter's
 * name and value, sorted by name. Twilio sends no timestamp: there is no replay window, and the
 * status callback's outcome is idempotent on CallSid instead. The URL must be the public one
 * (PLATFORMS_PUBLIC_URL), exactly as configured in Twilio.
 */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  return hmac('sha1', authToken, twilioSignedString(url, params)).toString('base64');
}

function twilioSignedString(url: string, params: URLSearchParams): string {
  const names = [...new Set(params.keys())].sort();
  // Repeated names contribute each value, in sorted order, as Twilio's helper libraries do.
  return (
    url +
    names
      .map((name) =>
        params
          .getAll(name)
          .sort()
          .map((value) => name + value)
          .join(''),
      )
      .join('')
  );
}

export function verifyTwilio(authToken: string, request: PlatformRequest): VerifyResult {
  const signature = header(request.headers, 'x-twilio-signature');
  if (!signature) return { ok: false, reason: 'missing' };
  const params = new URLSearchParams(request.raw.toString('utf8'));
  const expected = hmac('sha1', authToken, twilioSignedString(request.publicUrl, params));
  return signatureMatches(expected, signature, 'base64') ? { ok: true } : { ok: false, reason: 'mismatch' };
}
