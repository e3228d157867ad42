/**
 * Ids for records the simulator creates. Same shape as real (and seeded) ids: 3-char key
 * prefix, 2-char instance, 1 reserved char, 9 base-62 chars, 3-char checksum. The reserved char
 * is `1` here (the seeded data uses `0`), so created ids never collide with seeded ones.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export function checksumSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let j = 0; j < 5; j++) {
      const c = id15.charCodeAt(chunk * 5 + j);
      if (c >= 65 && c <= 90) bits |= 1 << j;
    }
    suffix += CHECKSUM[bits];
  }
  return suffix;
}

export function createdRecordId(keyPrefix: string, n: number, instance = 'Dp', reserved = '1'): string {
  let digits = '';
  let rest = n;
  for (let i = 0; i < 9; i++) {
    digits = BASE62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  }
  const id15 = keyPrefix + instance + reserved + digits;
  return id15 + checksumSuffix(id15);
}

/** 15-char ids are accepted everywhere and mean the same record as their 18-char form. */
export function to18(id: string): string {
  if (id.length === 15) return id + checksumSuffix(id);
  if (id.length === 18) return id.slice(0, 15) + id.slice(15).toUpperCase();
  return id;
}

export function looksLikeId(id: string): boolean {
  return (id.length === 15 || id.length === 18) && /^[A-Za-z0-9]+$/.test(id);
}
