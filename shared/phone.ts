import { parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';

/**
 * Phone numbers come from CRMs in every format people type. libphonenumber (the `max` metadata,
 * which knows number types) turns them into E.164; the raw value is kept beside it because agents
 * and audits need to see what the CRM actually holds.
 */

export interface NormalizedPhone {
  /** +14155550100 */
  e164: string;
  /** (415) 555-0100 */
  national: string;
  extension: string | null;
  /** ISO country (US, CA, …) or null for non-geographic numbers. */
  country: string | null;
  /** NANP area code (first three national digits) for +1 numbers; null elsewhere. */
  areaCode: string | null;
  /** libphonenumber's line type, when the metadata tells. */
  lineType: NumberType | null;
  /** Valid per libphonenumber metadata (a number can be possible yet not valid). */
  valid: boolean;
}

export const DEFAULT_PHONE_REGION: CountryCode = 'US';

/** Returns the normalized number, or null when the input is not a usable phone number at all. */
export function normalizePhone(
  raw: string | null | undefined,
  defaultRegion: CountryCode = DEFAULT_PHONE_REGION,
): NormalizedPhone | null {
  if (typeof raw !== 'string') return null;
  const input = raw.trim();
  if (input.length < 7 || input.length > 40) return null;
  const parsed = parsePhoneNumberFromString(input, { defaultCountry: defaultRegion, extract: false });
  if (!parsed || !parsed.isPossible()) return null;
  const national = parsed.nationalNumber;
  return {
    e164: parsed.number,
    national: parsed.formatNational(),
    extension: parsed.ext ?? null,
    country: parsed.country ?? null,
    areaCode: parsed.countryCallingCode === '1' ? national.slice(0, 3) : null,
    lineType: parsed.getType() ?? null,
    valid: parsed.isValid(),
  };
}

/** E.164 or null: for lookups where only a dialable, valid number is acceptable. */
export function toE164(
  raw: string | null | undefined,
  defaultRegion: CountryCode = DEFAULT_PHONE_REGION,
): string | null {
  const n = normalizePhone(raw, defaultRegion);
  return n && n.valid ? n.e164 : null;
}
