import { header, type PlatformRequest, type VerifyResult } from '../core/adapter.js';
import { hmac, secretEquals, signatureMatches } from '../core/signatures.js';

/**
 * Bland (docs.bland.ai "Webhook signing"): `X-Webhook-Signature` is the hex HMAC-SHA256 of the raw
 * body under the account's webhook signing secret. No timestamp is signed, so there is no replay
 * window; the post-call outcome is idempotent on call_id instead.
 *
 * Bland's `dynamic_data` request is made by Bland with the headers the user configures, unsigned:
 * it carries `Authorization: Bearer <BLAND_DYNAMIC_DATA_TOKEN>`.
 */
export function signBland(secret: string, raw: string | Buffer): string {
  return hmac('sha256', secret, raw).toString('hex');
}

export function verifyBlandWebhook(secret: string, request: PlatformRequest): VerifyResult {
  const signature = header(request.headers, 'x-webhook-signature');
  if (!signature) return { ok: false, reason: 'missing' };
  return signatureMatches(hmac('sha256', secret, request.raw), signature.trim(), 'hex')
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}

export function verifyBlandDynamicData(token: string, request: PlatformRequest): VerifyResult {
  const authorization = header(request.headers, 'authorization');
  if (!authorization) return { ok: false, reason: 'missing' };
  const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!m) return { ok: false, reason: 'malformed' };
  return secretEquals(m[1]!, token) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
