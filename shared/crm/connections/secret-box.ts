import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DialplaneError, ErrorCode } from '../../errors.js';

/**
 * Encryption at rest of connection credentials: AES-256-GCM (node:crypto) under a key ring. The
 * first key of the ring encrypts; any key of the ring decrypts (rotation: put the new key first,
 * run `npm run connections:rekey`, then drop the old one). The connection id is authenticated
 * data, so a sealed value copied onto another row does not open there.
 *
 * Pure: no I/O, no clock. Errors never carry the plaintext or a key.
 */

export interface RingKey {
  id: string;
  key: Buffer;
}

export interface Sealed {
  /** Which key of the ring sealed it. */
  keyId: string;
  /** base64 of iv (12 bytes) ‖ tag (16 bytes) ‖ ciphertext. */
  ciphertext: string;
}

export interface SecretBox {
  /** The id of the key that encrypts (the ring's first). */
  readonly currentKeyId: string;
  seal(plaintext: string, associatedData: string): Sealed;
  /** Throws a DialplaneError (CONNECTION_SECRET_UNREADABLE) on an unknown key, a wrong key or tampering. */
  open(sealed: Sealed, associatedData: string): string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Parses `<keyId>:<base64 32-byte key>,…` (CONNECTION_ENCRYPTION_KEYS). Names the bad entry by
 * position, never by its value.
 */
export function parseKeyRing(text: string): RingKey[] {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw keyRingError('expected <keyId>:<base64 32-byte key>,… (at least one key)');
  const ring: RingKey[] = [];
  entries.forEach((entry, index) => {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    const key = at > 0 ? Buffer.from(entry.slice(at + 1), 'base64') : Buffer.alloc(0);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw keyRingError(`key ${index + 1}: expected an id of [A-Za-z0-9_.-]`);
    if (key.length !== 32) throw keyRingError(`key ${index + 1} (${id}): expected 32 bytes in base64`);
    if (ring.some((k) => k.id === id)) throw keyRingError(`key ${index + 1}: id ${id} appears twice`);
    ring.push({ id, key });
  });
  return ring;
}

function keyRingError(message: string): DialplaneError {
  return new DialplaneError(ErrorCode.CONFIG_INVALID, `CONNECTION_ENCRYPTION_KEYS: ${message}`);
}

export function createSecretBox(ring: readonly RingKey[]): SecretBox {
  const current = ring[0];
  if (!current) throw keyRingError('no key');
  const byId = new Map(ring.map((k) => [k.id, k.key]));
  return {
    currentKeyId: current.id,
    seal(plaintext, associatedData) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { keyId: current.id, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
    },
    open(sealed, associatedData) {
      const key = byId.get(sealed.keyId);
      if (!key) throw unreadable(`sealed with key "${sealed.keyId}", which is not in the key ring`, sealed.keyId);
      const raw = Buffer.from(sealed.ciphertext, 'base64');
      if (raw.length < IV_BYTES + TAG_BYTES) throw unreadable('ciphertext too short', sealed.keyId);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(associatedData, 'utf8'));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        // GCM's "unable to authenticate data": a wrong key, another row's value or a tampered one.
        throw unreadable('ciphertext does not authenticate (wrong key, wrong row or tampered)', sealed.keyId);
      }
    },
  };
}

function unreadable(message: string, keyId: string): DialplaneError {
  return new DialplaneError(ErrorCode.CONNECTION_SECRET_UNREADABLE, `connection credentials: ${message}`, { keyId });
}
