// Shared by every CRM mapping (one copy for both CRMs' read mappings, crm/<name>/read-mapping.ts).
import { getCountries } from 'libphonenumber-js';

/**
 * Country and state values as people type them into a CRM ("USA", "united states", "Calif.") read
 * as ISO codes where that is unambiguous; anything else is passed through trimmed, as the contract
 * says ("as the CRM holds it").
 */

const COUNTRY_ALIASES: Record<string, string> = {
  usa: 'US',
  'u.s.': 'US',
  'u.s.a.': 'US',
  'united states of america': 'US',
  america: 'US',
  uk: 'GB',
  'u.k.': 'GB',
  'great britain': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
};

let countryByName: Map<string, string> | undefined;
function countryNames(): Map<string, string> {
  if (countryByName) return countryByName;
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  countryByName = new Map();
  for (const code of getCountries()) {
    const name = names.of(code);
    if (name) countryByName.set(name.toLowerCase(), code);
    countryByName.set(code.toLowerCase(), code);
  }
  for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) countryByName.set(alias, code);
  return countryByName;
}

/** ISO 3166-1 alpha-2 when the value reads as a country, else the trimmed raw value; null when empty. */
export function normalizeCountry(raw: string | null | undefined): string | null {
  const value = raw?.trim();
  if (!value) return null;
  return countryNames().get(value.toLowerCase().replace(/\s+/g, ' ')) ?? value;
}

const US_STATES: Record<string, string> = {
  alabama: 'AL',
  alaska: 'AK',
  arizona: 'AZ',
  arkansas: 'AR',
  california: 'CA',
  colorado: 'CO',
  connecticut: 'CT',
  delaware: 'DE',
  'district of columbia': 'DC',
  florida: 'FL',
  georgia: 'GA',
  hawaii: 'HI',
  idaho: 'ID',
  illinois: 'IL',
  indiana: 'IN',
  iowa: 'IA',
  kansas: 'KS',
  kentucky: 'KY',
  louisiana: 'LA',
  maine: 'ME',
  maryland: 'MD',
  massachusetts: 'MA',
  michigan: 'MI',
  minnesota: 'MN',
  mississippi: 'MS',
  missouri: 'MO',
  montana: 'MT',
  nebraska: 'NE',
  nevada: 'NV',
  'new hampshire': 'NH',
  'new jersey': 'NJ',
  'new mexico': 'NM',
  'new york': 'NY',
  'north carolina': 'NC',
  'north dakota': 'ND',
  ohio: 'OH',
  oklahoma: 'OK',
  oregon: 'OR',
  pennsylvania: 'PA',
  'rhode island': 'RI',
  'south carolina': 'SC',
  'south dakota': 'SD',
  tennessee: 'TN',
  texas: 'TX',
  utah: 'UT',
  vermont: 'VT',
  virginia: 'VA',
  washington: 'WA',
  'west virginia': 'WV',
  wisconsin: 'WI',
  wyoming: 'WY',
  'puerto rico': 'PR',
  guam: 'GU',
  'u.s. virgin islands': 'VI',
  'american samoa': 'AS',
  'northern mariana islands': 'MP',
};
const US_STATE_CODES = new Set(Object.values(US_STATES));

/** US (or unknown country): two-letter state code when the value reads as one; else trimmed raw; null when empty. */
export function normalizeState(raw: string | null | undefined, country: string | null): string | null {
  const value = raw?.trim();
  if (!value) return null;
  if (country !== null && country !== 'US') return value;
  const upper = value.toUpperCase().replace(/\./g, '');
  if (US_STATE_CODES.has(upper)) return upper;
  return US_STATES[value.toLowerCase().replace(/\s+/g, ' ')] ?? value;
}
