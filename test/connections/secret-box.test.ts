import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, parseKeyRing } from '../../shared/crm/connections/secret-box.js';
import { DEV_SECRETS, loadConfig, connectionEnv } from '../../shared/config.js';
import { ErrorCode, isDialplaneError } from '../../shared/errors.js';
import { z } from 'zod';

const key = () => randomBytes(32).toString('base64');
const SECRET = '{"clientSecret":"s3cr3t-value-that-must-not-leak"}';

describe('secret box (AES-256-GCM under a key ring)', () => {
  it('round-trips, with a fresh IV each time, and never shows the plaintext', () => {
    const box = createSecretBox(parseKeyRing(`k1:${key()}`));
    const a = box.seal(SECRET, 'conn_a');
    const b = box.seal(SECRET, 'conn_a');
    expect(a.keyId).toBe('k1');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(Buffer.from(a.ciphertext, 'base64').toString('latin1')).not.toContain('s3cr3t');
    expect(box.open(a, 'conn_a')).toBe(SECRET);
  });

  it('refuses a wrong key, another row and a tampered value with CONNECTION_SECRET_UNREADABLE (no secret in the error)', () => {
    const box = createSecretBox(parseKeyRing(`k1:${key()}`));
    const other = createSecretBox(parseKeyRing(`k1:${key()}`));
    const sealed = box.seal(SECRET, 'conn_a');
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    raw[raw.length - 1]! ^= 1;
    const attempts = [
      () => other.open(sealed, 'conn_a'),
      () => box.open(sealed, 'conn_b'),
      () => box.open({ ...sealed, ciphertext: raw.toString('base64') }, 'conn_a'),
      () => box.open({ ...sealed, keyId: 'k9' }, 'conn_a'),
      () => box.open({ ...sealed, ciphertext: 'AAAA' }, 'conn_a'),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(isDialplaneError(caught, ErrorCode.CONNECTION_SECRET_UNREADABLE)).toBe(true);
      expect(String((caught as Error).message) + JSON.stringify(caught)).not.toContain('s3cr3t');
    }
  });

  it('rotation: the first key seals, every key of the ring opens, a dropped key no longer opens', () => {
    const oldKey = key();
    const newKey = key();
    const before = createSecretBox(parseKeyRing(`old:${oldKey}`));
    const during = createSecretBox(parseKeyRing(`new:${newKey},old:${oldKey}`));
    const after = createSecretBox(parseKeyRing(`new:${newKey}`));
    const sealedOld = before.seal(SECRET, 'conn_a');
    expect(during.open(sealedOld, 'conn_a')).toBe(SECRET);
    const resealed = during.seal(during.open(sealedOld, 'conn_a'), 'conn_a');
    expect(resealed.keyId).toBe('new');
    expect(after.open(resealed, 'conn_a')).toBe(SECRET);
    expect(() => after.open(sealedOld, 'conn_a')).toThrow(/not in the key ring/);
  });

  it('parses the key ring strictly, naming the entry but never its key', () => {
    const k = key();
    expect(parseKeyRing(`a:${k}, b:${key()}`).map((r) => r.id)).toEqual(['a', 'b']);
    expect(() => parseKeyRing('')).toThrow(/at least one key/);
    expect(() => parseKeyRing('a:c2hvcnQ=')).toThrow(/key 1 \(a\): expected 32 bytes/);
    expect(() => parseKeyRing(`a:${k},a:${k}`)).toThrow(/appears twice/);
    try {
      parseKeyRing(`bad id:${k}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(k);
    }
  });

  it('the development key ring is valid, and production refuses it', () => {
    const schema = z.object(connectionEnv);
    const dev = loadConfig(schema, { NODE_ENV: 'development' });
    expect(dev.CONNECTION_ENCRYPTION_KEYS).toBe(DEV_SECRETS.CONNECTION_ENCRYPTION_KEYS);
    expect(parseKeyRing(dev.CONNECTION_ENCRYPTION_KEYS)).toHaveLength(1);
    expect(() => loadConfig(schema, { NODE_ENV: 'production' })).toThrow(
      /CONNECTION_ENCRYPTION_KEYS: development default/,
    );
    expect(
      loadConfig(schema, { NODE_ENV: 'production', CONNECTION_ENCRYPTION_KEYS: `prod:${key()}` })
        .CONNECTION_ENCRYPTION_KEYS,
    ).toMatch(/^prod:/);
  });
});
