import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { header, type PlatformRequest, type VerifyResult } from '../core/adapter.js';
import { freshTimestamp } from '../core/signatures.js';

/**
 * Telnyx (developers.telnyx.com, webhook signing): `telnyx-signature-ed25519` is the base64
 * Ed25519 signature of `"{telnyx-timestamp}|{raw body}"` under the account's public key (Mission
 * Control → Keys & Credentials → Public Key, base64 of the 32 raw key bytes); `telnyx-timestamp`
 * is Unix seconds, refused outside a 5-minute window. Node's crypto verifies Ed25519 natively.
 */
export function telnyxPublicKey(base64: string): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(base64, 'base64').toString('base64url') },
    format: 'jwk',
  });
}

export function signTelnyx(privateKey: KeyObject, timestampSeconds: number, raw: string | Buffer): string {
  return sign(null, Buffer.concat([Buffer.from(`${timestampSeconds}|`), Buffer.from(raw)]), privateKey).toString(
    'base64',
  );
}

export function verifyTelnyx(publicKey: KeyObject, request: PlatformRequest): VerifyResult {
  const signature = header(request.headers, 'telnyx-signature-ed25519');
  const timestamp = header(request.headers, 'telnyx-timestamp');
  if (!signature || !timestamp) return { ok: false, reason: 'missing' };
  if (!/^\d{9,11}$/.test(timestamp) || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature))
    return { ok: false, reason: 'malformed' };
  if (!freshTimestamp(timestamp, request.now, 'seconds')) return { ok: false, reason: 'stale' };
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length !== 64) return { ok: false, reason: 'malformed' };
  const signed = Buffer.concat([Buffer.from(`${timestamp}|`), request.raw]);
  return verify(null, signed, publicKey, bytes) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
