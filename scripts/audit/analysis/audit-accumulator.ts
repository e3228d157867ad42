import type { AuditContact } from '../audit-contact.js';
import {
  analyseContact,
  FINDING_CATEGORIES,
  type AuditPolicy,
  type Finding,
  type FindingCategory,
  type NumberFacts,
} from './contact-findings.js';
import { DuplicateFinder, type DuplicateSummary } from './duplicates.js';

/**
 * Folds contacts into the audit result one page at a time (pure: no I/O, no clock of its own).
 * Holds counters, the compact duplicate index, the backfill list and the first `listLimit`
 * findings per category; every finding is also handed to `onFinding`, so the caller can stream
 * complete lists to CSV files while memory stays bounded.
 */

export interface PhoneBreakdown {
  /** Phone values seen (a contact has up to four). */
  values: number;
  valid: number;
  unreadable: number;
  e164AsStored: number;
  notE164AsStored: number;
  nonUs: number;
  tollFree: number;
  mobile: number;
  landline: number;
  lineUnknown: number;
}

export interface CrmTotals {
  contacts: number;
  /** Contacts with at least one finding of the category. */
  byCategory: Record<FindingCategory, number>;
  phones: PhoneBreakdown;
  duplicatesWithinCrm: number;
  /** Numbers the do-not-call backfill would import for this CRM. */
  backfillNumbers: number;
}

export interface AuditResult {
  generatedAt: string;
  policy: AuditPolicy;
  crms: string[];
  perCrm: Record<string, CrmTotals>;
  total: CrmTotals & { crossCrmPeople: number; duplicateRecords: number; sharedNumbers: number };
  /** First findings per category (all of them in the CSV files when written). */
  lists: Record<FindingCategory, Finding[]>;
  duplicates: { groups: DuplicateSummary['groups']; sharedNumbers: DuplicateSummary['sharedNumbers'] };
  backfill: { crm: string; id: string; e164: string }[];
  mapping: Record<
    string,
    {
      differences: { crmField: string; problem: string; expected: string; actual?: string }[];
      unmappedValues: { field: string; value: string; contacts: number }[];
    }
  >;
  calls: Record<string, { used: number; endpoints: Record<string, number> }>;
}

const emptyPhones = (): PhoneBreakdown => ({
  values: 0,
  valid: 0,
  unreadable: 0,
  e164AsStored: 0,
  notE164AsStored: 0,
  nonUs: 0,
  tollFree: 0,
  mobile: 0,
  landline: 0,
  lineUnknown: 0,
});
const emptyTotals = (): CrmTotals => ({
  contacts: 0,
  byCategory: Object.fromEntries(FINDING_CATEGORIES.map((c) => [c, 0])) as Record<FindingCategory, number>,
  phones: emptyPhones(),
  duplicatesWithinCrm: 0,
  backfillNumbers: 0,
});

export interface AccumulatorOptions {
  policy: AuditPolicy;
  listLimit?: number;
  onFinding?: (finding: Finding) => void;
  /** Values of a stage field the mapping does not know (HubSpot lifecyclestage, …). */
  isMappedStage?: (crm: string, value: string) => boolean;
}

export class AuditAccumulator {
  private readonly perCrm = new Map<string, CrmTotals>();
  private readonly lists = Object.fromEntries(FINDING_CATEGORIES.map((c) => [c, [] as Finding[]])) as Record<
    FindingCategory,
    Finding[]
  >;
  private readonly duplicates = new DuplicateFinder();
  private readonly backfill: AuditResult['backfill'] = [];
  private readonly unmapped = new Map<string, Map<string, number>>();
  private readonly listLimit: number;

  constructor(private readonly options: AccumulatorOptions) {
    this.listLimit = options.listLimit ?? 1_000;
  }

  add(contact: AuditContact, factsOf: (e164: string) => NumberFacts, now: Date): void {
    const totals = this.totalsOf(contact.crm);
    totals.contacts++;
    const analysis = analyseContact(contact, factsOf, now, this.options.policy);
    for (const r of analysis.readings) {
      const p = totals.phones;
      p.values++;
      if (r.unreadable) p.unreadable++;
      else {
        p.valid++;
        if (r.notE164AsStored) p.notE164AsStored++;
        else p.e164AsStored++;
        if (r.nonUs) p.nonUs++;
        if (r.tollFree) p.tollFree++;
      }
      if (r.lineType === 'mobile') p.mobile++;
      else if (r.lineType === 'landline') p.landline++;
      else p.lineUnknown++;
    }
    const seen = new Set<FindingCategory>();
    for (const f of analysis.findings) {
      if (!seen.has(f.category)) {
        seen.add(f.category);
        totals.byCategory[f.category]++;
      }
      const list = this.lists[f.category];
      if (list.length < this.listLimit) list.push(f);
      this.options.onFinding?.(f);
    }
    for (const e164 of analysis.backfill) this.backfill.push({ crm: contact.crm, id: contact.id, e164 });
    totals.backfillNumbers += analysis.backfill.length;
    if (contact.stage && this.options.isMappedStage && !this.options.isMappedStage(contact.crm, contact.stage)) {
      const byValue = this.unmapped.get(contact.crm) ?? new Map<string, number>();
      byValue.set(contact.stage, (byValue.get(contact.stage) ?? 0) + 1);
      this.unmapped.set(contact.crm, byValue);
    }
    this.duplicates.add(contact, analysis.e164s);
  }

  finish(extra: {
    generatedAt: Date;
    crms: string[];
    mapping: Record<string, { differences: AuditResult['mapping'][string]['differences'] }>;
    calls: AuditResult['calls'];
  }): AuditResult {
    const dup = this.duplicates.finish();
    for (const crm of extra.crms) this.totalsOf(crm).duplicatesWithinCrm = dup.withinCrm[crm] ?? 0;
    const total = emptyTotals();
    for (const t of this.perCrm.values()) {
      total.contacts += t.contacts;
      total.backfillNumbers += t.backfillNumbers;
      total.duplicatesWithinCrm += t.duplicatesWithinCrm;
      for (const c of FINDING_CATEGORIES) total.byCategory[c] += t.byCategory[c];
      for (const k of Object.keys(total.phones) as (keyof PhoneBreakdown)[]) total.phones[k] += t.phones[k];
    }
    const mapping: AuditResult['mapping'] = {};
    for (const crm of extra.crms) {
      mapping[crm] = {
        differences: extra.mapping[crm]?.differences ?? [],
        unmappedValues: [...(this.unmapped.get(crm) ?? new Map<string, number>())].map(([value, contacts]) => ({
          field: 'stage',
          value,
          contacts,
        })),
      };
    }
    return {
      generatedAt: extra.generatedAt.toISOString(),
      policy: this.options.policy,
      crms: extra.crms,
      perCrm: Object.fromEntries(extra.crms.map((crm) => [crm, this.totalsOf(crm)])),
      total: {
        ...total,
        crossCrmPeople: dup.crossCrmPeople,
        duplicateRecords: dup.duplicateRecords,
        sharedNumbers: dup.sharedNumbers.length,
      },
      lists: this.lists,
      duplicates: { groups: dup.groups, sharedNumbers: dup.sharedNumbers },
      backfill: this.backfill,
      mapping,
      calls: extra.calls,
    };
  }

  private totalsOf(crm: string): CrmTotals {
    let t = this.perCrm.get(crm);
    if (!t) this.perCrm.set(crm, (t = emptyTotals()));
    return t;
  }
}
