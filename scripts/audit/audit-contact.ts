import type { CrmSource } from '../../shared/crm/connector.js';

/**
 * One CRM contact as the audit sees it: the raw values the CRM stores (the audit judges how they
 * are stored, so nothing is normalized here), read by a source (sources/) and analysed by the
 * pure functions in analysis/. Never logged: it carries names, emails and numbers.
 */
export interface AuditContact {
  crm: CrmSource;
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  /** Every phone field with a value, as stored. `kind` is what the field says about the line. */
  phones: { field: string; raw: string; kind: 'mobile' | 'landline' | 'unknown' }[];
  street: string | null;
  postalCode: string | null;
  state: string | null;
  country: string | null;
  /** A time zone the CRM states (HubSpot hs_timezone), raw. */
  statedTimeZone: string | null;
  /** The CRM's do-not-call flag: null when unset (HubSpot custom property never filled) or unreadable. */
  doNotCall: boolean | null;
  /** A closed-won deal is attached to the contact. */
  closedWon: boolean;
  /** Lifecycle / intent value as stored (HubSpot lifecyclestage), for the mapping check. */
  stage: string | null;
}

/** Lower-case ASCII letters and digits only: `José ` → `jose`. */
export function foldText(value: string | null | undefined): string {
  return (value ?? '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** `Jane.Doe+crm@Example.com` → `jane.doe@example.com`; null when not an address. */
export function normalizeEmail(value: string | null | undefined): string | null {
  const v = value?.trim().toLowerCase();
  if (!v) return null;
  const at = v.lastIndexOf('@');
  if (at <= 0 || at === v.length - 1) return null;
  const local = v.slice(0, at).replace(/\+.*$/, '');
  return `${local}@${v.slice(at + 1)}`;
}

/** Street + first five postal characters, folded; null unless both are present. */
export function addressKey(street: string | null, postalCode: string | null): string | null {
  const s = foldText(street);
  const p = foldText(postalCode).slice(0, 5);
  return s && p ? `${s}|${p}` : null;
}
