import { createPrivateKey, type KeyObject } from 'node:crypto';

/**
 * The development Telnyx signing key: the private half of DEV_PLATFORM_SECRETS.TELNYX_PUBLIC_KEY
 * (platforms/core/config.ts), so the simulator signs like Telnyx. Development only: production
 * refuses the matching public key.
 */
const DEV_TELNYX_SEED_BASE64 = 'ZGlhbHBsYW5lLWRldi10ZWxueXgtZWQyNTUxOS1rZXk=';
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function devTelnyxPrivateKey(): KeyObject {
  return ed25519PrivateKey(Buffer.from(DEV_TELNYX_SEED_BASE64, 'base64'));
}

/** An Ed25519 private key from its 32-byte seed. */
export function ed25519PrivateKey(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}
