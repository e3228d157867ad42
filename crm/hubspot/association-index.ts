/**
 * Which contacts a deal or call belongs to, as last read. HubSpot's deal and call webhooks name
 * only the deal or call; this lets them evict the contacts whose openDeal / crmLastActivity they
 * feed without a CRM call. Bounded (oldest entries dropped first) and per process: a replica that
 * never loaded the contact has nothing cached to evict beyond what the TTL already bounds.
 */
export class AssociationIndex {
  private readonly contactsOf = new Map<string, Set<string>>();

  constructor(private readonly maxEntries = 100_000) {}

  /** Records `contactId` -> each of `objectIds` (`deals:<id>` / `calls:<id>` keys). */
  record(object: 'deals' | 'calls', links: ReadonlyMap<string, readonly string[]>): void {
    for (const [contactId, objectIds] of links) {
      for (const objectId of objectIds) {
        const key = `${object}:${objectId}`;
        const set = this.contactsOf.get(key);
        if (set) {
          set.add(contactId);
          continue;
        }
        if (this.contactsOf.size >= this.maxEntries) {
          const oldest = this.contactsOf.keys().next().value;
          if (oldest !== undefined) this.contactsOf.delete(oldest);
        }
        this.contactsOf.set(key, new Set([contactId]));
      }
    }
  }

  contacts(object: 'deals' | 'calls', objectId: string): string[] {
    return [...(this.contactsOf.get(`${object}:${objectId}`) ?? [])];
  }
}
