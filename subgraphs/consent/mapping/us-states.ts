/**
 * USPS codes for the names libphonenumber's geocoding data uses (`Florida`, `Palm Beach, FL`,
 * `Washington State`, `Washington D.C.`). A name table, not an area-code table: the area codes
 * and zones come from the maintained phone-number data.
 */
export const US_STATE_CODES: Record<string, string> = {
  Alabama: 'AL',
  Alaska: 'AK',
  Arizona: 'AZ',
  Arkansas: 'AR',
  California: 'CA',
  Colorado: 'CO',
  Connecticut: 'CT',
  Delaware: 'DE',
  'District of Columbia': 'DC',
  'Washington D.C.': 'DC',
  Florida: 'FL',
  Georgia: 'GA',
  Hawaii: 'HI',
  Idaho: 'ID',
  Illinois: 'IL',
  Indiana: 'IN',
  Iowa: 'IA',
  Kansas: 'KS',
  Kentucky: 'KY',
  Louisiana: 'LA',
  Maine: 'ME',
  Maryland: 'MD',
  Massachusetts: 'MA',
  Michigan: 'MI',
  Minnesota: 'MN',
  Mississippi: 'MS',
  Missouri: 'MO',
  Montana: 'MT',
  Nebraska: 'NE',
  Nevada: 'NV',
  'New Hampshire': 'NH',
  'New Jersey': 'NJ',
  'New Mexico': 'NM',
  'New York': 'NY',
  'North Carolina': 'NC',
  'North Dakota': 'ND',
  Ohio: 'OH',
  Oklahoma: 'OK',
  Oregon: 'OR',
  Pennsylvania: 'PA',
  'Rhode Island': 'RI',
  'South Carolina': 'SC',
  'South Dakota': 'SD',
  Tennessee: 'TN',
  Texas: 'TX',
  Utah: 'UT',
  Vermont: 'VT',
  Virginia: 'VA',
  Washington: 'WA',
  'Washington State': 'WA',
  'West Virginia': 'WV',
  Wisconsin: 'WI',
  Wyoming: 'WY',
};

const CODES = new Set(Object.values(US_STATE_CODES));

/** Reads a geocoding description or a CRM state value as a USPS code; null when it is not a US state. */
export function toStateCode(value: string | null | undefined): string | null {
  if (!value) return null;
  const v = value.trim();
  if (/^[A-Za-z]{2}$/.test(v) && CODES.has(v.toUpperCase())) return v.toUpperCase();
  if (US_STATE_CODES[v]) return US_STATE_CODES[v]!;
  const suffix = /,\s*([A-Z]{2})$/.exec(v);
  if (suffix && CODES.has(suffix[1]!)) return suffix[1]!;
  const byName = Object.keys(US_STATE_CODES).find((name) => name.toLowerCase() === v.toLowerCase());
  return byName ? US_STATE_CODES[byName]! : null;
}
