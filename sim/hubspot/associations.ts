import type { HubspotBaseData } from './base-view.js';
import type { ObjectType } from './properties.js';

/** HubSpot-defined association type ids between the simulated objects (v4 API). */
export const ASSOCIATION_TYPE_IDS: Record<string, number> = {
  'contacts->deals': 4,
  'deals->contacts': 3,
  'contacts->calls': 193,
  'calls->contacts': 194,
  // ⚠️ deal<->call ids from third-party listings, not confirmed in HubSpot docs.
  'deals->calls': 205,
  'calls->deals': 206,
};

const EMPTY: ReadonlySet<string> = new Set();

/**
 * Associations between records, both directions. A generated portal's contact->deal and
 * contact->call links are read from its association maps; links added since sit in an overlay.
 */
export class Associations {
  private readonly maps = new Map<string, Map<string, Set<string>>>();
  private reverse: Map<string, Map<string, string>> | undefined;

  constructor(private readonly base?: HubspotBaseData['associations']) {}

  add(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    this.side(`${fromType}->${toType}`, fromId).add(toId);
    this.side(`${toType}->${fromType}`, toId).add(fromId);
  }

  get(fromType: ObjectType, fromId: string, toType: ObjectType): ReadonlySet<string> {
    const added = this.maps.get(`${fromType}->${toType}`)?.get(fromId);
    const generated = this.baseGet(fromType, fromId, toType);
    if (!generated || generated.length === 0) return added ?? EMPTY;
    const out = new Set(generated);
    for (const id of added ?? []) out.add(id);
    return out;
  }

  private baseGet(fromType: ObjectType, fromId: string, toType: ObjectType): string[] | undefined {
    if (!this.base) return undefined;
    if (fromType === 'contacts') {
      if (toType === 'deals') return this.base.contactDeals.get(fromId);
      if (toType === 'calls') return this.base.contactCalls.get(fromId);
      return undefined;
    }
    if (toType !== 'contacts' || (fromType !== 'deals' && fromType !== 'calls')) return undefined;
    // Child -> contact: built once, on first use (generated children have exactly one contact).
    this.reverse ??= new Map([
      ['deals', invert(this.base.contactDeals.entries())],
      ['calls', invert(this.base.contactCalls.entries())],
    ]);
    const contact = this.reverse.get(fromType)!.get(fromId);
    return contact ? [contact] : undefined;
  }

  private side(key: string, id: string): Set<string> {
    let byId = this.maps.get(key);
    if (!byId) this.maps.set(key, (byId = new Map()));
    let set = byId.get(id);
    if (!set) byId.set(id, (set = new Set()));
    return set;
  }
}

function invert(entries: Iterable<[string, string[]]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [parent, children] of entries) for (const child of children) out.set(child, parent);
  return out;
}
