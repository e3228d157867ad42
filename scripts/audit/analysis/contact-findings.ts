import { calleeGeo } from '../../../subgraphs/consent/mapping/callee-geo.js';
import { hubspotTimeZoneToIana } from '../../../crm/hubspot/timezone.js';
import type { AuditContact } from '../audit-contact.js';
import { readPhone, type PhoneReading } from './phone-quality.js';

/**
 * What the consent store knows about one number (read in bulk by consent-facts.ts). The audit
 * judges it with the pure functions below; nothing here reads a clock: `now` is passed in.
 */
export interface NumberFacts {
  grants: { seq: number; purposes: string[]; occurredAt: Date; source: string | null; hasEvidence: boolean }[];
  /** Sequence number of the newest revocation, if any (a revocation ends every grant before it). */
  lastRevocationSeq: number | null;
  internalDnc: { addedAt: Date; source: string } | null;
  /** National / state registry listings with the date of the data they came from. */
  registries: { list: string; dataDate: Date | null }[];
  reassigned: { result: 'YES' | 'NO' | 'NO_DATA'; checkedAt: Date } | null;
  litigator: { dataDate: Date | null } | null;
}

export const NO_FACTS: NumberFacts = {
  grants: [],
  lastRevocationSeq: null,
  internalDnc: null,
  registries: [],
  reassigned: null,
  litigator: null,
};

export interface AuditPolicy {
  /** Marketing consent older than this is reported as too old. */
  consentMaxAgeDays: number;
}

/** A finding about one contact; `detail` never holds a name or email, at most a number. */
export interface Finding {
  category: FindingCategory;
  crm: string;
  id: string;
  e164?: string | null;
  detail?: string;
}

export const FINDING_CATEGORIES = [
  'phone.missing',
  'phone.unreadable',
  'phone.notE164',
  'phone.nonUs',
  'phone.tollFree',
  'timezone.unresolvable',
  'consent.noMarketing',
  'consent.noEvidence',
  'consent.noSource',
  'consent.tooOld',
  'dnc.crmFlagNotInLedger',
  'dnc.ledgerButCrmCallable',
  'dnc.crmFlagUnset',
  'registry.national',
  'registry.state',
  'registry.internal',
  'registry.litigator',
  'registry.reassigned',
  'deal.closedWonStillCallable',
] as const;
export type FindingCategory = (typeof FINDING_CATEGORIES)[number];

export interface ContactAnalysis {
  readings: PhoneReading[];
  /** Valid numbers, deduplicated, in field order. */
  e164s: string[];
  findings: Finding[];
  /** Numbers the backfill would add to the internal do-not-call list (CRM flag true, ledger silent). */
  backfill: string[];
}

const DAY_MS = 86_400_000;

/** Whether a number holds a marketing grant no later revocation ended. */
function activeMarketingGrants(facts: NumberFacts): NumberFacts['grants'] {
  return facts.grants.filter(
    (g) => g.purposes.includes('MARKETING') && (facts.lastRevocationSeq === null || g.seq > facts.lastRevocationSeq),
  );
}

export function analyseContact(
  contact: AuditContact,
  factsOf: (e164: string) => NumberFacts,
  now: Date,
  policy: AuditPolicy,
): ContactAnalysis {
  const base = { crm: contact.crm, id: contact.id };
  const findings: Finding[] = [];
  const readings = contact.phones.map(readPhone);
  const e164s = [...new Set(readings.map((r) => r.e164).filter((e): e is string => e !== null))];

  if (contact.phones.length === 0) findings.push({ ...base, category: 'phone.missing' });
  for (const r of readings) {
    if (r.unreadable) findings.push({ ...base, category: 'phone.unreadable', detail: r.field });
    else {
      if (r.notE164AsStored) findings.push({ ...base, category: 'phone.notE164', e164: r.e164, detail: r.field });
      if (r.nonUs)
        findings.push({ ...base, category: 'phone.nonUs', e164: r.e164, detail: r.country ?? 'non-geographic' });
      if (r.tollFree) findings.push({ ...base, category: 'phone.tollFree', e164: r.e164, detail: r.field });
    }
  }

  // Calling hours need a zone: from a number, a US address, or a zone the CRM states.
  const stated = hubspotTimeZoneToIana(contact.statedTimeZone);
  const location = { country: contact.country, state: contact.state };
  const zoneKnown =
    stated !== null ||
    calleeGeo('', location).addressZones.length > 0 ||
    e164s.some((e) => calleeGeo(e, location).numberZones.length > 0);
  if (!zoneKnown) findings.push({ ...base, category: 'timezone.unresolvable' });

  const backfill: string[] = [];
  let anyMarketing = false;
  let anyLedgerDnc = false;
  for (const e164 of e164s) {
    const facts = factsOf(e164);
    const active = activeMarketingGrants(facts);
    if (active.length > 0) anyMarketing = true;
    for (const g of facts.grants) {
      if (!g.hasEvidence)
        findings.push({ ...base, category: 'consent.noEvidence', e164, detail: g.occurredAt.toISOString() });
      if (!g.source?.trim())
        findings.push({ ...base, category: 'consent.noSource', e164, detail: g.occurredAt.toISOString() });
    }
    const newest = active.reduce<Date | null>((d, g) => (d === null || g.occurredAt > d ? g.occurredAt : d), null);
    if (newest && now.getTime() - newest.getTime() > policy.consentMaxAgeDays * DAY_MS) {
      findings.push({ ...base, category: 'consent.tooOld', e164, detail: newest.toISOString() });
    }
    if (facts.internalDnc) {
      anyLedgerDnc = true;
      findings.push({
        ...base,
        category: 'registry.internal',
        e164,
        detail: `${facts.internalDnc.source} ${facts.internalDnc.addedAt.toISOString()}`,
      });
    }
    for (const r of facts.registries) {
      const category = r.list === 'national' ? 'registry.national' : 'registry.state';
      findings.push({
        ...base,
        category,
        e164,
        detail: `${r.list} ${r.dataDate?.toISOString().slice(0, 10) ?? 'date unknown'}`,
      });
    }
    if (facts.litigator)
      findings.push({
        ...base,
        category: 'registry.litigator',
        e164,
        detail: facts.litigator.dataDate?.toISOString().slice(0, 10) ?? 'date unknown',
      });
    if (facts.reassigned?.result === 'YES')
      findings.push({
        ...base,
        category: 'registry.reassigned',
        e164,
        detail: facts.reassigned.checkedAt.toISOString().slice(0, 10),
      });
    if (contact.doNotCall === true && !facts.internalDnc) backfill.push(e164);
  }
  if (e164s.length > 0 && !anyMarketing) findings.push({ ...base, category: 'consent.noMarketing' });
  for (const e164 of backfill) findings.push({ ...base, category: 'dnc.crmFlagNotInLedger', e164 });
  if (contact.doNotCall === false && anyLedgerDnc) findings.push({ ...base, category: 'dnc.ledgerButCrmCallable' });
  if (contact.doNotCall === null) findings.push({ ...base, category: 'dnc.crmFlagUnset' });
  if (contact.closedWon && contact.doNotCall !== true && !anyLedgerDnc && e164s.length > 0)
    findings.push({ ...base, category: 'deal.closedWonStillCallable' });
  return { readings, e164s, findings, backfill };
}
