/**
 * Salesforce record ids: 15 case-sensitive characters (3-char key prefix, 2-char instance, 1
 * reserved, 9-char base-62 record number) plus the real 3-character case-insensitive checksum
 * suffix, so ids look and validate like production ones. The record number is the row index,
 * which makes id <-> row a pure computation (no id map for a million rows).
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const INSTANCE = 'Dp';
const RESERVED = '0';

export const KeyPrefix = {
  Account: '001',
  Contact: '003',
  Opportunity: '006',
  OpportunityContactRole: '00K',
  Task: '00T',
  User: '005',
} as const;

/** The 3-character suffix Salesforce appends to a 15-character id. */
export function salesforceChecksum(id15: string): string {
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

/** The 18-character id of row `n` of the object with `keyPrefix`. */
export function salesforceId(keyPrefix: string, n: number): string {
  let digits = '';
  let rest = n;
  for (let i = 0; i < 9; i++) {
    digits = BASE62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  }
  const id15 = keyPrefix + INSTANCE + RESERVED + digits;
  return id15 + salesforceChecksum(id15);
}

/**
 * Row number of a 15- or 18-character id with the expected key prefix, or undefined when the id
 * is malformed, has another prefix or a wrong checksum (Salesforce answers those as not found).
 */
export function salesforceRowOf(keyPrefix: string, id: string): number | undefined {
  if (id.length !== 15 && id.length !== 18) return undefined;
  if (!id.startsWith(keyPrefix + INSTANCE + RESERVED)) return undefined;
  const id15 = id.slice(0, 15);
  // The suffix is case-insensitive; the 15-char body is not.
  if (id.length === 18 && id.slice(15).toUpperCase() !== salesforceChecksum(id15)) return undefined;
  let n = 0;
  for (let i = 6; i < 15; i++) {
    const v = BASE62.indexOf(id15[i]);
    if (v < 0) return undefined;
    n = n * 62 + v;
  }
  return n;
}
