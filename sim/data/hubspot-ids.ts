/**
 * HubSpot object ids are numeric strings. Each object type counts from its own base, so ids are
 * unique across types (as in a real portal) and id <-> row is arithmetic.
 */
export const HubspotIdBase = {
  contacts: 1001,
  deals: 20_000_000_001,
  calls: 40_000_000_001,
} as const;

export type HubspotObjectType = keyof typeof HubspotIdBase;

export function hubspotId(type: HubspotObjectType, row: number): string {
  return String(HubspotIdBase[type] + row);
}

/** Row of a HubSpot id of `type`, or undefined when it is not one. */
export function hubspotRowOf(type: HubspotObjectType, id: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined;
  const row = Number(id) - HubspotIdBase[type];
  // Keep each type inside its own 20-billion-wide band.
  return row >= 0 && row < 19_000_000_000 ? row : undefined;
}
