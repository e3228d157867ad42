import type { ConnectionDirectory, CrmConnection } from '../../shared/crm/connection.js';
import type { CrmSource } from '../../shared/crm/connector.js';

/**
 * A ConnectionDirectory kept in a Map, for tests of routing by connection (the real one is the
 * encrypted store's in-memory mirror, shared/crm/connections/). `put` and `remove` notify like the
 * store does after a create, rotation, re-mapping, disable or delete.
 */
export class MemoryConnectionDirectory implements ConnectionDirectory {
  private readonly connections = new Map<string, CrmConnection>();
  private readonly listeners = new Set<(connectionId: string) => void>();

  constructor(initial: readonly CrmConnection[] = []) {
    for (const c of initial) this.connections.set(c.id, c);
  }

  forSeller(seller: string, crm: CrmSource): CrmConnection | null {
    for (const c of this.connections.values())
      if (c.seller === seller && c.crm === crm && c.status === 'active') return c;
    return null;
  }

  byId(id: string): CrmConnection | null {
    return this.connections.get(id) ?? null;
  }

  list(crm?: CrmSource): readonly CrmConnection[] {
    return [...this.connections.values()].filter((c) => crm === undefined || c.crm === crm);
  }

  onChange(listener: (connectionId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Creates or replaces a connection (bump `revision` for a rotation) and notifies. */
  put(connection: CrmConnection): void {
    this.connections.set(connection.id, connection);
    for (const l of this.listeners) l(connection.id);
  }

  remove(id: string): void {
    this.connections.delete(id);
    for (const l of this.listeners) l(id);
  }
}
