/**
 * The bench hook of routing by connection (issue 15): one CRM subgraph serving `connections`
 * sellers, each from its own connection, over one simulated account shared by every connection
 * (default: what is measured is the runtime's per-connection cost, not N simulators) or over one
 * simulator per connection. The lead's bench calls it with 2 and with 50 connections and compares
 * the call-start p99 with the single-account figure of the same run. It lives here, not in bench/,
 * because tests use it too (nothing but benches imports bench/).
 */
import type { CrmModule, CrmSimulator } from '../../crm/module.js';
import { CRM_MODULES, type CrmName } from '../../crm/registry.js';
import { DEV_INTERNAL_SECRET } from '../../shared/config.js';
import type { ConnectionDirectory, CrmConnection } from '../../shared/crm/connection.js';
import type { CrmSource } from '../../shared/crm/connector.js';
import {
  startInstrumentedCrmSubgraph,
  type CrmRuntimeConfig,
  type RunningCrmSubgraph,
} from '../../shared/crm/crm-subgraph.js';
import { silentLogger } from '../../shared/logger.js';

export interface CrmConnectionsStackOptions {
  crm: CrmName;
  /** Connections, one seller each (`seller-1` … `seller-N`). */
  connections: number;
  /** Contacts in each simulated account. @default 1000 */
  contacts?: number;
  /** One simulator per connection instead of one shared by all. @default false */
  simulatorPerConnection?: boolean;
  /** Every simulator seeded alike (the same records under the same ids), so loads compare like for like. @default false */
  sameData?: boolean;
  latency?: { medianMs: number; jitterMs: number };
  /** Overrides of the subgraph runtime (cache TTL, batch window…). */
  runtime?: Partial<CrmRuntimeConfig>;
}

export interface CrmConnectionsStack {
  subgraph: RunningCrmSubgraph;
  /** The sellers with a connection, in order; `sellerOf(i)` is `sellers[i]`. */
  sellers: string[];
  /** Internal secret the subgraph verifies identities with (sign with shared/identity.ts). */
  internalSecret: string;
  simulators: CrmSimulator<unknown>[];
  close(): Promise<void>;
}

/** A fixed ConnectionDirectory (the bench changes no connection while it runs). */
class FixedConnectionDirectory implements ConnectionDirectory {
  private readonly bySeller = new Map<string, CrmConnection>();
  private readonly byIdMap = new Map<string, CrmConnection>();
  constructor(private readonly all: readonly CrmConnection[]) {
    for (const c of all) {
      this.bySeller.set(`${c.crm}:${c.seller}`, c);
      this.byIdMap.set(c.id, c);
    }
  }
  forSeller(seller: string, crm: CrmSource): CrmConnection | null {
    return this.bySeller.get(`${crm}:${seller}`) ?? null;
  }
  byId(id: string): CrmConnection | null {
    return this.byIdMap.get(id) ?? null;
  }
  list(crm?: CrmSource): readonly CrmConnection[] {
    return this.all.filter((c) => crm === undefined || c.crm === crm);
  }
  onChange(): () => void {
    return () => {};
  }
}

/** The credentials a simulator's account carries, as a stored connection keeps them. */
function credentialsOf(account: unknown): Record<string, string> {
  const { baseUrl: _b, instanceUrl: _i, loginUrl: _l, ...rest } = account as Record<string, string>;
  return rest;
}

export async function startCrmConnectionsStack(options: CrmConnectionsStackOptions): Promise<CrmConnectionsStack> {
  const crm = CRM_MODULES.find((m) => m.name === options.crm) as CrmModule<CrmName, unknown> | undefined;
  if (!crm) throw new TypeError(`unknown CRM ${options.crm}`);
  const simOptions = {
    contacts: options.contacts ?? 1_000,
    latency: options.latency ?? { medianMs: 0, jitterMs: 0 },
  };
  const simulators: CrmSimulator<unknown>[] = [];
  try {
    const count = options.simulatorPerConnection ? options.connections : 1;
    for (let i = 0; i < count; i++)
      simulators.push(
        await crm.startSimulator({ ...simOptions, seed: options.sameData ? 'account-0' : `account-${i}` }),
      );
    const sellers = Array.from({ length: options.connections }, (_, i) => `seller-${i + 1}`);
    const connections: CrmConnection[] = sellers.map((seller, i) => {
      const sim = simulators[options.simulatorPerConnection ? i : 0]!;
      return {
        id: `conn_${i + 1}`,
        seller,
        crm: crm.name,
        account: `account-${options.simulatorPerConnection ? i : 0}`,
        baseUrl: sim.url,
        credentials: credentialsOf(sim.account),
        mappingOverrides: {},
        revision: 1,
        status: 'active',
      };
    });
    const deployment = simulators[0]!;
    const subgraph = await startInstrumentedCrmSubgraph(
      crm.name,
      {
        port: 0,
        runtime: {
          cacheTtlMs: 10_000,
          batchWindowMs: 3,
          internalSecret: DEV_INTERNAL_SECRET,
          ...options.runtime,
        },
        connections: { directory: new FixedConnectionDirectory(connections) },
        log: silentLogger,
      },
      (instrument, connection) =>
        crm.createConnector(connection ? crm.accountOf(connection) : deployment.account, {
          webhookSecret: deployment.webhookSecret,
          instrument,
        }),
    );
    return {
      subgraph,
      sellers,
      internalSecret: DEV_INTERNAL_SECRET,
      simulators,
      async close() {
        await subgraph.close();
        await Promise.allSettled(simulators.map((s) => s.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(simulators.map((s) => s.close()));
    throw error;
  }
}
