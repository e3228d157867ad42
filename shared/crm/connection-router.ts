import { DialplaneError, ErrorCode } from '../errors.js';
import { logError, type Logger } from '../logger.js';
import type { ConnectionDirectory, CrmConnection } from './connection.js';
import type { CrmSource } from './connector.js';
import type { ConnectionPipeline } from './connection-pipeline.js';

/**
 * Routing by connection (issue 15, docs/access.md): which CRM account serves a request. The
 * caller's seller picks its own active connection to this CRM; a seller without one is served by
 * the deployment connection (the env-configured account) unless that is switched off.
 */
export type SellerRoute =
  | { kind: 'connection'; connection: CrmConnection }
  | { kind: 'deployment' }
  | { kind: 'missing' };

/** Pure: the route of one seller's request. `seller` null/undefined: the caller acts for no seller. */
export function routeSeller(
  directory: ConnectionDirectory,
  crm: CrmSource,
  seller: string | null | undefined,
  deploymentShared: boolean,
): SellerRoute {
  const connection = seller ? directory.forSeller(seller, crm) : null;
  if (connection && connection.status === 'active') return { kind: 'connection', connection };
  return deploymentShared ? { kind: 'deployment' } : { kind: 'missing' };
}

export interface ConnectionRouterOptions {
  crm: CrmSource;
  directory: ConnectionDirectory;
  /** The env-configured account's pipeline. */
  deployment: ConnectionPipeline;
  /** Sellers without a connection use the deployment connection (CRM_DEPLOYMENT_CONNECTION, default on). */
  deploymentShared: boolean;
  /** Builds a connection's pipeline (its connector from the connection's baseUrl and credentials). */
  open(connection: CrmConnection): ConnectionPipeline;
  log: Logger;
}

/**
 * One pipeline per connection, created on the first request that needs it, rebuilt when the
 * connection's revision changes (rotation, re-mapping: new cache namespace), closed when it is
 * disabled or deleted. The lookup is synchronous and in memory: a Map hit on the hot path.
 */
export class ConnectionRouter {
  private readonly pipelines = new Map<string, ConnectionPipeline>();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: ConnectionRouterOptions) {
    this.unsubscribe = options.directory.onChange((id) => this.refresh(id));
  }

  /** The pipeline serving `seller`'s requests. Throws CRM_CONNECTION_MISSING (a DialplaneError). */
  forSeller(seller: string | null | undefined): ConnectionPipeline {
    const { directory, crm, deploymentShared } = this.options;
    const route = routeSeller(directory, crm, seller, deploymentShared);
    if (route.kind === 'connection') return this.pipelineOf(route.connection);
    if (route.kind === 'deployment') return this.options.deployment;
    throw new DialplaneError(
      ErrorCode.CRM_CONNECTION_MISSING,
      `no ${crm} connection for this seller; connect the seller's ${crm} account first`,
      { crm },
    );
  }

  /** The pipeline of an active connection of this CRM (webhooks addressed to it), or null. */
  forConnectionId(id: string): ConnectionPipeline | null {
    const connection = this.options.directory.byId(id);
    if (!connection || connection.crm !== this.options.crm || connection.status !== 'active') return null;
    return this.pipelineOf(connection);
  }

  /** The pipeline of the active connection to the CRM account `account` (org id, portal id), or null. */
  forAccount(account: string): ConnectionPipeline | null {
    const connection = this.options.directory
      .list(this.options.crm)
      .find((c) => c.account === account && c.status === 'active');
    return connection ? this.pipelineOf(connection) : null;
  }

  /** Pipelines open now (tests, readiness). */
  open(): readonly ConnectionPipeline[] {
    return [...this.pipelines.values()];
  }

  async close(): Promise<void> {
    this.unsubscribe();
    const open = [...this.pipelines.values()];
    this.pipelines.clear();
    await Promise.allSettled(open.map((p) => p.close()));
  }

  private pipelineOf(connection: CrmConnection): ConnectionPipeline {
    const current = this.pipelines.get(connection.id);
    if (current && current.revision === connection.revision) return current;
    if (current) this.retire(current);
    const pipeline = this.options.open(connection);
    this.pipelines.set(connection.id, pipeline);
    return pipeline;
  }

  /** A connection changed: drop its pipeline unless it is still active at the same revision. */
  private refresh(id: string): void {
    const current = this.pipelines.get(id);
    if (!current) return;
    const connection = this.options.directory.byId(id);
    if (connection && connection.status === 'active' && connection.revision === current.revision) return;
    this.retire(current);
  }

  private retire(pipeline: ConnectionPipeline): void {
    if (pipeline.connectionId !== null && this.pipelines.get(pipeline.connectionId) === pipeline)
      this.pipelines.delete(pipeline.connectionId);
    pipeline.close().catch((error: unknown) =>
      logError(this.options.log, error, 'connection pipeline did not close cleanly', {
        crm: this.options.crm,
        connectionId: pipeline.connectionId,
      }),
    );
  }
}
