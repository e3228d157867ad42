import { header, type PlatformRequest, type VerifyResult } from '../core/adapter.js';
import { hmac, signatureMatches } from '../core/signatures.js';

/**
 * Synthflow (docs.synthflow.ai "Webhooks Security", checked against its reference code): the
 * signature header carries HMAC-SHA256 of the call's `call_id` under the workspace's webhook
 * secret, base64-encoded, on both the inbound and the post-call webhook. The docs name the header
 * `HTTP_SYNTHFLOW_SIGNATURE`, the CGI spelling of `Synthflow-Signature`, so both names are read.
 * The scheme signs the id, not the body: a captured signature authenticates any body for that
 * call, and there is no timestamp (docs/platforms.md says what that means). For a payload without
 * a call id the raw body is what we expect signed. The signed field is read from the raw bytes
 * without interpreting the rest.
 */
export function synthflowSignedValue(raw: Buffer): string | Buffer {
  try {
    const json = JSON.parse(raw.toString('utf8')) as { call_id?: unknown; call?: { call_id?: unknown } };
    const id =
      typeof json.call_id === 'string'
        ? json.call_id
        : typeof json.call?.call_id === 'string'
          ? json.call.call_id
          : null;
    return id ?? raw;
  } catch {
    return raw;
  }
}

export function signSynthflow(secret: string, raw: string | Buffer): string {
  return hmac('sha256', secret, synthflowSignedValue(Buffer.from(raw))).toString('base64');
}

export function verifySynthflow(secret: string, request: PlatformRequest): VerifyResult {
  const signature =
    header(request.headers, 'synthflow-signature') ?? header(request.headers, 'http_synthflow_signature');
  if (!signature) return { ok: false, reason: 'missing' };
  return signatureMatches(hmac('sha256', secret, synthflowSignedValue(request.raw)), signature.trim(), 'base64')
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
