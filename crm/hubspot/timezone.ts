/**
 * HubSpot's `hs_timezone` is an enumeration whose values spell IANA names in lower case with the
 * slash, minus and plus written out (`america_slash_new_york`, `us_slash_east_minus_indiana`).
 * Portals that import data also hold plain IANA names. Both read as the IANA name the CRM means,
 * in IANA's own casing; anything the runtime's time-zone database does not know reads as null.
 */

let byLowerName: Map<string, string> | undefined;
function knownNames(): Map<string, string> {
  byLowerName ??= new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
  return byLowerName;
}

/** `Port_of_Spain` and `Indiana/Indianapolis` both come out right: known names keep their casing. */
function ianaCase(lower: string): string {
  const gmt = /^etc\/gmt([+-]\d{1,2})?$/.exec(lower);
  if (gmt) return `Etc/GMT${gmt[1] ?? ''}`;
  return lower
    .replace(/(^|[/_-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase())
    .replace(/_(Of|Es|De|Au)_/g, (m) => m.toLowerCase())
    .replace(/^Us\//, 'US/')
    .replace(/^Utc$/, 'UTC');
}

/** `america_slash_new_york` / `America/New_York` -> `America/New_York`; null when empty or unknown. */
export function hubspotTimeZoneToIana(raw: string | null | undefined): string | null {
  const value = raw?.trim();
  if (!value || !/^[A-Za-z0-9_/+-]{1,64}$/.test(value)) return null;
  const spelled = value
    .toLowerCase()
    .replace(/_slash_/g, '/')
    .replace(/_minus_/g, '-')
    .replace(/_plus_/g, '+');
  const known = knownNames().get(spelled);
  if (known) return known;
  // Not in the runtime's canonical list (it lists CLDR names, e.g. America/Indianapolis, not
  // IANA's America/Indiana/Indianapolis): accept it when the runtime can still use it.
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: spelled });
  } catch {
    return null;
  }
  return ianaCase(spelled);
}
