import type { CrmSource } from './connector.js';

/**
 * A CRM connection: one seller's account in one CRM (a Salesforce org, a HubSpot portal) with its
 * credentials and its field-mapping overrides. The unit of routing, caching, batching, rate
 * budgets, circuit breaking and change events (issue 15): one seller's CRM outage or 429 storm
 * never slows another seller.
 *
 * Stored in the `crm_connections` table (shared/crm/connections/store.ts) with secrets encrypted
 * at rest; the CRM subgraphs and the write-back worker read them through a ConnectionDirectory.
 */
export interface CrmConnection {
  /** Opaque, stable id (`conn_…`); never a secret. */
  readonly id: string;
  /** The seller this connection serves (tokens carry it as `seller`). */
  readonly seller: string;
  readonly crm: CrmSource;
  /** The CRM's own account id: Salesforce org id (`00D…`), HubSpot portal (hub) id. */
  readonly account: string;
  /** API base URL (Salesforce instance / login URL, HubSpot API base). */
  readonly baseUrl: string;
  /** Decrypted credentials, shaped by the CRM's credential schema (crm/<name>/connection.ts). Never logged. */
  readonly credentials: Readonly<Record<string, string>>;
  /** Canonical field path → CRM field that feeds it instead of the code's default (validated when saved). */
  readonly mappingOverrides: Readonly<Record<string, string>>;
  /** Bumped on every credential rotation or mapping change; part of cache keys. */
  readonly revision: number;
  readonly status: 'active' | 'disabled';
}

/**
 * What the CRM runtime and the write-back worker need from the connection store: an in-memory
 * answer on the hot path (no database round trip per request), kept current by change events.
 */
export interface ConnectionDirectory {
  /** The seller's active connection to `crm`, or null. Synchronous: the hot path never waits. */
  forSeller(seller: string, crm: CrmSource): CrmConnection | null;
  byId(id: string): CrmConnection | null;
  /** Connections of `crm` (every seller), for webhooks routed by account and for mapping:check. */
  list(crm?: CrmSource): readonly CrmConnection[];
  /** Called after a connection is created, rotated, re-mapped, disabled or deleted. */
  onChange(listener: (connectionId: string) => void): () => void;
}
