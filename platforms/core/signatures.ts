import { createHmac, timingSafeEqual } from 'node:crypto';

/** Building blocks of the platforms' signature schemes (each platform's verify.ts composes them). */

export const REPLAY_WINDOW_MS = 5 * 60_000;

export function hmac(algorithm: 'sha1' | 'sha256', secret: string, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac(algorithm, secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant-time comparison of a received encoded signature with the expected bytes. */
export function signatureMatches(expected: Buffer, given: string, encoding: 'hex' | 'base64'): boolean {
  const pattern = encoding === 'hex' ? /^[0-9a-f]+$/i : /^[A-Za-z0-9+/]+={0,2}$/;
  if (!pattern.test(given)) return false;
  const bytes = Buffer.from(given, encoding);
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

/** Constant-time comparison of two secrets (bearer tokens). */
export function secretEquals(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A timestamp in seconds or milliseconds since the epoch, within the replay window of `now`. */
export function freshTimestamp(
  value: string,
  now: number,
  unit: 'seconds' | 'milliseconds',
  windowMs = REPLAY_WINDOW_MS,
): boolean {
  if (!/^\d{1,16}$/.test(value)) return false;
  const ms = unit === 'seconds' ? Number(value) * 1000 : Number(value);
  return Math.abs(now - ms) <= windowMs;
}
