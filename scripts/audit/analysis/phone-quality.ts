import { normalizePhone } from '../../../shared/phone.js';
import type { AuditContact } from '../audit-contact.js';

/**
 * How one stored phone value reads (pure). `unreadable`: libphonenumber cannot make a valid number
 * of it. Otherwise the number is dialable and may still be stored in a non-E.164 format, be
 * outside the US, be toll-free, and have a line type from the field name or the numbering plan.
 */
export interface PhoneReading {
  field: string;
  e164: string | null;
  unreadable: boolean;
  /** Valid, but stored as anything other than its E.164 form (with an extension: never E.164). */
  notE164AsStored: boolean;
  /** ISO country of a valid number; null when unreadable. */
  country: string | null;
  nonUs: boolean;
  tollFree: boolean;
  /** `mobile` / `landline` when the field or the numbering plan says; `unknown` otherwise. */
  lineType: 'mobile' | 'landline' | 'unknown';
  areaCode: string | null;
}

/** NANP toll-free area codes (800, 833, 844, 855, 866, 877, 888). */
const TOLL_FREE = new Set(['800', '833', '844', '855', '866', '877', '888']);

export function readPhone(phone: AuditContact['phones'][number]): PhoneReading {
  const n = normalizePhone(phone.raw);
  if (!n || !n.valid) {
    return {
      field: phone.field,
      e164: null,
      unreadable: true,
      notE164AsStored: false,
      country: null,
      nonUs: false,
      tollFree: false,
      lineType: phone.kind,
      areaCode: null,
    };
  }
  const tollFree = (n.areaCode !== null && TOLL_FREE.has(n.areaCode)) || n.lineType === 'TOLL_FREE';
  const planType = n.lineType === 'MOBILE' ? 'mobile' : n.lineType === 'FIXED_LINE' ? 'landline' : 'unknown';
  return {
    field: phone.field,
    e164: n.e164,
    unreadable: false,
    notE164AsStored: phone.raw.trim() !== n.e164,
    country: n.country,
    nonUs: n.country !== 'US',
    tollFree,
    lineType: phone.kind !== 'unknown' ? phone.kind : planType,
    areaCode: n.areaCode,
  };
}
