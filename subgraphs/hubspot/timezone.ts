/**
 * HubSpot's `hs_timezone` is an enumeration whose values spell IANA names in lower case with the
 * slash written out (`america_slash_new_york`). Portals that import data also hold plain IANA
 * names. Both read as the canonical IANA name; anything else is not a time zone we can trust.
 */

let byLowerName: Map<string, string> | undefined;
function ianaNames(): Map<string, string> {
  if (!byLowerName) {
    byLowerName = new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
    // supportedValuesOf omits UTC and the links; the common ones people type are added here.
    for (const z of ['UTC', 'Etc/UTC', 'US/Eastern', 'US/Central', 'US/Mountain', 'US/Pacific', 'US/Alaska', 'US/Hawaii', 'US/Arizona']) {
      byLowerName.set(z.toLowerCase(), z);
    }
  }
  return byLowerName;
}

/** `america_slash_new_york` / `America/New_York` -> `America/New_York`; null when empty or unknown. */
export function hubspotTimeZoneToIana(raw: string | null | undefined): string | null {
  const value = raw?.trim();
  if (!value) return null;
  const spelled = value.toLowerCase().replace(/_slash_/g, '/');
  const known = ianaNames().get(spelled);
  if (!known) return null;
  // Resolve links (US/Eastern) to the canonical zone so consumers compare like with like.
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: known }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
