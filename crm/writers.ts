import type { ConnectionDirectory } from '../shared/crm/connection.js';
import type { CrmWriter } from '../shared/crm/writer.js';
import type { CrmModule } from './module.js';
import { crmModule, type CrmName } from './registry.js';

/** The writer one outcome goes through, and the key its breaker and pauses are kept under. */
export interface RoutedWriter {
  /** `<crm>` for the deployment connection, `<crm>:<connection id>` for a seller's connection. */
  readonly key: string;
  /** null: the deployment connection (the CRM's fleet-wide rate bucket applies). */
  readonly connectionId: string | null;
  readonly writer: CrmWriter;
}

/**
 * Write-backs by connection (issue 15): an outcome goes to its seller's own connection to the CRM
 * when the seller has one, else to the deployment connection (the env-configured account). A
 * connection's writer is built on first use from its credentials, rebuilt on a new revision and
 * closed when the connection changes; lookups are in memory.
 */
export class CrmWriterRouter {
  private readonly byConnection = new Map<string, { revision: number; routed: RoutedWriter }>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deployment: Readonly<Record<CrmName, CrmWriter>>,
    private readonly directory?: ConnectionDirectory,
  ) {
    this.unsubscribe = directory?.onChange((id) => this.drop(id)) ?? (() => {});
  }

  writerFor(crm: CrmName, seller: string | null | undefined): RoutedWriter {
    const connection = seller && this.directory ? this.directory.forSeller(seller, crm) : null;
    if (!connection || connection.status !== 'active')
      return { key: crm, connectionId: null, writer: this.deployment[crm] };
    const cached = this.byConnection.get(connection.id);
    if (cached && cached.revision === connection.revision) return cached.routed;
    if (cached) this.drop(connection.id);
    const module = crmModule(crm) as CrmModule<CrmName, unknown>;
    const routed: RoutedWriter = {
      key: `${crm}:${connection.id}`,
      connectionId: connection.id,
      writer: module.createWriter(module.accountOf(connection)),
    };
    this.byConnection.set(connection.id, { revision: connection.revision, routed });
    return routed;
  }

  /** Closes the connections' writers (the deployment writers belong to the caller). */
  close(): void {
    this.unsubscribe();
    for (const id of [...this.byConnection.keys()]) this.drop(id);
  }

  private drop(connectionId: string): void {
    const cached = this.byConnection.get(connectionId);
    if (!cached) return;
    this.byConnection.delete(connectionId);
    cached.routed.writer.close();
  }
}
