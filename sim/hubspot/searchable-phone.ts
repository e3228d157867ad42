import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * HubSpot's calculated, search-friendly copies of a phone property: digits only, formatting and
 * extension dropped, national (`4155550100`) and international (`14155550100`) forms. A value
 * that does not parse as a phone number keeps its bare digits in both, so it is still findable by
 * exactly those digits (as HubSpot does with junk it cannot normalise).
 */
export interface SearchablePhone {
  national: string;
  international: string;
}

export function searchablePhone(raw: string | undefined | null, defaultCountry: 'US' = 'US'): SearchablePhone | null {
  if (!raw) return null;
  const parsed = parsePhoneNumberFromString(raw, defaultCountry);
  if (parsed && parsed.nationalNumber) {
    return { national: String(parsed.nationalNumber), international: `${parsed.countryCallingCode}${parsed.nationalNumber}` };
  }
  const digits = raw.replace(/\s*(?:x|ext\.?|extension|#)\s*\d+\s*$/i, '').replace(/\D/g, '');
  if (digits.length === 0) return null;
  return { national: digits, international: digits };
}

/** The calculated property names fed by each phone property of a contact. */
export const SEARCHABLE_PHONE_PROPERTIES = {
  phone: {
    national: 'hs_searchable_calculated_phone_number',
    international: 'hs_searchable_calculated_international_phone_number',
  },
  mobilephone: {
    national: 'hs_searchable_calculated_mobile_number',
    international: 'hs_searchable_calculated_international_mobile_number',
  },
} as const;
