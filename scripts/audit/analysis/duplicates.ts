import { addressKey, foldText, normalizeEmail, type AuditContact } from '../audit-contact.js';

/**
 * Streaming duplicate detection across every CRM (pure, no I/O). Two records are the same person
 * when they share two independent signals: a valid number and the last name, a number and the
 * email, the postal address and the last name, or the address and the email. One signal is not
 * enough: office switchboards and family lines share numbers, `info@` and common names share
 * emails (even with the same surname and initial: jsmith@ is John and Jane), and names repeat. Keeps compact keys only (never whole records), so memory grows with
 * the number of distinct keys, not with record size.
 */

export interface DuplicateGroup {
  /** `crm:id` of every record of the person, in reading order. */
  members: string[];
  crossCrm: boolean;
}

export interface DuplicateSummary {
  groups: DuplicateGroup[];
  /** Per CRM: records beyond the first of their person within that CRM. */
  withinCrm: Record<string, number>;
  /** People with records in more than one CRM (the same person in Salesforce and HubSpot). */
  crossCrmPeople: number;
  /** Records beyond the first of their person, all CRMs together. */
  duplicateRecords: number;
  /** Valid numbers held by records of different people. */
  sharedNumbers: { e164: string; members: string[] }[];
}

export class DuplicateFinder {
  private readonly ids: string[] = [];
  private readonly parent: number[] = [];
  private readonly firstByKey = new Map<string, number>();
  private readonly holders = new Map<string, number[]>();

  /** `e164s`: the record's valid numbers (phone-quality reading). */
  add(contact: AuditContact, e164s: readonly string[]): void {
    const index = this.ids.length;
    this.ids.push(`${contact.crm}:${contact.id}`);
    this.parent.push(index);
    const last = foldText(contact.lastName);
    const email = normalizeEmail(contact.email);
    const address = addressKey(contact.street, contact.postalCode);
    const keys: string[] = [];
    for (const e164 of new Set(e164s)) {
      if (last) keys.push(`pn|${e164}|${last}`);
      if (email) keys.push(`pe|${e164}|${email}`);
      const list = this.holders.get(e164);
      if (list) list.push(index);
      else this.holders.set(e164, [index]);
    }
    if (address && last) keys.push(`an|${address}|${last}`);
    if (address && email) keys.push(`ae|${address}|${email}`);
    for (const key of keys) {
      const first = this.firstByKey.get(key);
      if (first === undefined) this.firstByKey.set(key, index);
      else this.union(first, index);
    }
  }

  finish(): DuplicateSummary {
    const byRoot = new Map<number, number[]>();
    for (let i = 0; i < this.ids.length; i++) {
      const root = this.find(i);
      const list = byRoot.get(root);
      if (list) list.push(i);
      else byRoot.set(root, [i]);
    }
    const groups: DuplicateGroup[] = [];
    const withinCrm: Record<string, number> = {};
    let crossCrmPeople = 0;
    let duplicateRecords = 0;
    for (const members of byRoot.values()) {
      if (members.length < 2) continue;
      const ids = members.map((i) => this.ids[i]!);
      const crms = new Set(ids.map((id) => id.slice(0, id.indexOf(':'))));
      const crossCrm = crms.size > 1;
      groups.push({ members: ids, crossCrm });
      if (crossCrm) crossCrmPeople++;
      duplicateRecords += ids.length - 1;
      const perCrm = new Map<string, number>();
      for (const id of ids) {
        const crm = id.slice(0, id.indexOf(':'));
        perCrm.set(crm, (perCrm.get(crm) ?? 0) + 1);
      }
      for (const [crm, n] of perCrm) if (n > 1) withinCrm[crm] = (withinCrm[crm] ?? 0) + n - 1;
    }
    const sharedNumbers: DuplicateSummary['sharedNumbers'] = [];
    for (const [e164, holders] of this.holders) {
      if (holders.length < 2) continue;
      const people = new Set(holders.map((i) => this.find(i)));
      if (people.size > 1) sharedNumbers.push({ e164, members: holders.map((i) => this.ids[i]!) });
    }
    return { groups, withinCrm, crossCrmPeople, duplicateRecords, sharedNumbers };
  }

  private find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[i] !== root) {
      const next = this.parent[i]!;
      this.parent[i] = root;
      i = next;
    }
    return root;
  }

  private union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The earlier record stays the root: the first record read is "the original".
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}
