import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Rng } from './prng.js';

/**
 * How people type NANP numbers into CRMs. The generator knows each number's 10 national digits
 * and renders them in one of these styles; consumers must normalise (the point of the mess).
 */
const STYLES: readonly ((d: string, rng: Rng) => string)[] = [
  (d) => `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
  (d) => `+1 ${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`,
  (d, rng) => `${d} x${rng.between(1, 9999)}`,
  (d) => `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
  (d) => `+1${d}`,
  (d) => `1-${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
  (d) => `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`,
  (d) => `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`,
  (d, rng) => `(${d.slice(0, 3)})${d.slice(3, 6)}-${d.slice(6)} ext. ${rng.between(1, 99)}`,
  (d) => `+1 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
  (d) => `+1 ${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
];

/** Style weights by CRM: Salesforce users type US formats, HubSpot forms mostly store E.164-ish. */
export const SALESFORCE_PHONE_STYLE_WEIGHTS: readonly number[] = [25, 6, 3, 20, 8, 4, 6, 6, 2, 8, 12];
export const HUBSPOT_PHONE_STYLE_WEIGHTS: readonly number[] = [10, 4, 2, 10, 35, 2, 4, 4, 1, 10, 18];

/** Renders 10 national digits in style `style` (an index into the style list). */
export function formatPhone(digits: string, style: number, rng: Rng): string {
  return STYLES[style](digits, rng);
}

export const PHONE_STYLE_COUNT = STYLES.length;

/**
 * A phone value nobody can dial: too short, placeholder text, or an impossible number. Every one
 * is rejected by libphonenumber (a test holds the generator to that).
 */
export function unusablePhone(digits: string, rng: Rng): string {
  switch (rng.int(8)) {
    case 0: {
      // A local number without its area code. 310-XXXX is a valid Canadian universal access
      // number to libphonenumber, so that exchange is shifted to keep the value unusable.
      const exchange = digits.slice(3, 6) === '310' ? '320' : digits.slice(3, 6);
      return `${exchange}-${digits.slice(6)}`;
    }
    case 1:
      return `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6, 8)}`; // truncated
    case 2:
      return rng.pick(['n/a', 'TBD', 'unknown', 'none', 'call front desk', '-']);
    case 3:
      return '000-000-0000';
    case 4:
      return '123-456-7890';
    case 5:
      return '555-0000';
    case 6:
      return '(999) 999-9999';
    default:
      return `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}0`; // one digit too many
  }
}

/**
 * A cheap, format-insensitive key for a phone value: the digits before any extension, without a
 * leading NANP "1". `(415) 555-0100`, `+1 415.555.0100` and `4155550100 x12` all give
 * `4155550100`. Meant for the simulators' equality indexes (SOSL "IN PHONE FIELDS"-like matching);
 * it does not validate. Null when the value has no digits.
 */
export function phoneDigitsKey(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let digits = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += raw[i];
    // An extension marker ends the number proper.
    else if (c === 120 /* x */ || c === 88 /* X */ || c === 35 /* # */ || c === 59 /* ; */) break;
    else if ((c === 101 || c === 69) && /^ext/i.test(raw.slice(i, i + 3))) break;
  }
  if (digits.length === 11 && digits[0] === '1') digits = digits.slice(1);
  return digits.length > 0 ? digits : null;
}

/** HubSpot's read-only phone properties it calculates from `phone` and `mobilephone`. */
export interface HubspotCalculatedPhones {
  hs_calculated_phone_number: string | null;
  hs_searchable_calculated_phone_number: string | null;
  hs_searchable_calculated_international_phone_number: string | null;
  hs_calculated_mobile_number: string | null;
  hs_searchable_calculated_mobile_number: string | null;
  hs_searchable_calculated_international_mobile_number: string | null;
}

/**
 * The calculated properties for 10-digit NANP numbers the generator already knows are valid
 * (null for unusable ones). Searchable forms are digits only: national, and with the country code.
 */
export function calculatedFromDigits(phone: string | null, mobile: string | null): HubspotCalculatedPhones {
  return {
    hs_calculated_phone_number: phone ? `+1${phone}` : null,
    hs_searchable_calculated_phone_number: phone,
    hs_searchable_calculated_international_phone_number: phone ? `1${phone}` : null,
    hs_calculated_mobile_number: mobile ? `+1${mobile}` : null,
    hs_searchable_calculated_mobile_number: mobile,
    hs_searchable_calculated_international_mobile_number: mobile ? `1${mobile}` : null,
  };
}

/**
 * Recomputes the calculated properties from raw phone values, as HubSpot does after a write.
 * For the HubSpot simulator's update path; uses libphonenumber (default region US), so numbers it
 * cannot validate get nulls, like the generator's unusable ones.
 */
export function hubspotCalculatedPhoneProperties(
  phone: string | null | undefined,
  mobile: string | null | undefined,
): HubspotCalculatedPhones {
  const p = parseValid(phone);
  const m = parseValid(mobile);
  return {
    hs_calculated_phone_number: p ? `+${p.cc}${p.national}` : null,
    hs_searchable_calculated_phone_number: p ? p.national : null,
    hs_searchable_calculated_international_phone_number: p ? `${p.cc}${p.national}` : null,
    hs_calculated_mobile_number: m ? `+${m.cc}${m.national}` : null,
    hs_searchable_calculated_mobile_number: m ? m.national : null,
    hs_searchable_calculated_international_mobile_number: m ? `${m.cc}${m.national}` : null,
  };
}

function parseValid(raw: string | null | undefined): { cc: string; national: string } | null {
  if (!raw) return null;
  const parsed = parsePhoneNumberFromString(raw, 'US');
  if (!parsed || !parsed.isValid()) return null;
  return { cc: parsed.countryCallingCode, national: parsed.nationalNumber };
}
