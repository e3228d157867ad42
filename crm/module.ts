import type { z } from 'zod';
import type { crmClientEnv, webhookSecretEnv } from '../shared/config.js';
import type { CrmConnection } from '../shared/crm/connection.js';
import type { ConnectionTokenSource, CrmConnectionKind } from '../shared/crm/connections/tokens.js';
import type { CrmConnector } from '../shared/crm/connector.js';
import type { CrmCallInstrument } from '../shared/crm/crm-subgraph.js';
import type { CrmWriter } from '../shared/crm/writer.js';

/**
 * What one CRM folder (crm/<name>/) exports as its `index.ts` default descriptor: everything the
 * CRM subgraph, the write-back worker, the scripts and the simulators' callers need of that CRM,
 * so none of them names a CRM. crm/registry.ts lists the descriptors.
 *
 * Every folder has the same inner layout: connection.ts (the account and its ONE credential
 * parser), client.ts (official client and auth), read-mapping.ts, loaders.ts, changes.ts
 * (incremental reads), webhooks.ts (change-event receiver), connector.ts (the CrmConnector),
 * write-mapping.ts, writer.ts (the CrmWriter), simulator.ts (the simulator's entry), index.ts,
 * mapping-overrides.ts (which canonical fields a connection may feed from its own fields).
 */
export interface CrmModule<Name extends string = string, Account = unknown> {
  /** Lower-case source name: the prefix of global ids (`salesforce:003…`), metric and queue labels. */
  readonly name: Name;
  /** As people write it (`Salesforce`, `HubSpot`). */
  readonly displayName: string;
  /**
   * Our default share of the CRM's API limit for write-backs, `<requests>/<windowMs>` (its own
   * window); WRITEBACK_RATE_<NAME> overrides it.
   */
  readonly defaultWriteBackRate: string;
  /** The env variable (shared/config.ts webhookSecretEnv) holding the secret of the deployment connection's change events. */
  readonly webhookSecretEnv: keyof typeof webhookSecretEnv;
  /** The deployment connection's account, from the validated env (shared/config.ts crmClientEnv). */
  accountFromEnv(env: CrmClientEnv): Account;
  /**
   * How a stored connection's credentials become tokens, and the schema read that proves them
   * (crm/<name>/connection.ts; the admin API and the token cache use it: docs/connections.md).
   */
  readonly connectionKind: CrmConnectionKind;
  /**
   * A stored connection's account (`baseUrl` + decrypted credentials), validated; throws a ZodError.
   * With `tokens` (the connection runtime's), its client takes access tokens from there instead of
   * running a grant itself: required for refresh-token and OAuth credentials.
   */
  accountOf(connection: Pick<CrmConnection, 'baseUrl' | 'credentials'>, tokens?: ConnectionTokenSource): Account;
  /** The connector (reads, change events, drift check) for one account. */
  createConnector(account: Account, options: CrmConnectorOptions): CrmConnector;
  /** The writer (call outcome write-back) for one account. */
  createWriter(account: Account): CrmWriter;
  /**
   * Starts the CRM's simulator (sim/<name>/server.ts) and answers the account that reaches it.
   * Loaded on first call, so a production process never loads simulator code.
   */
  startSimulator(options?: CrmSimulatorOptions): Promise<CrmSimulator<Account>>;
}

export interface CrmConnectorOptions {
  /** Secret that authenticates this CRM's change events (Salesforce relay secret, HubSpot app client secret). */
  webhookSecret: string;
  /** Per-request timeout of the client. */
  timeoutMs?: number;
  /** Metrics and tracing wrapper for every CRM call. */
  instrument?: CrmCallInstrument;
  /** How long learned field drift holds before the CRM's describe is asked again (where the CRM remembers drift). */
  driftRecheckMs?: number;
  /**
   * The connection's field-mapping overrides (CrmConnection.mappingOverrides, or the deployment
   * connection's `<CRM>_MAPPING_OVERRIDES`): canonical path → CRM field (shared/crm/mapping-overrides.ts).
   * They change the mapping version, hence the cache namespace.
   */
  mappingOverrides?: Readonly<Record<string, string>>;
}

export interface CrmSimulatorOptions {
  /** 0 = ephemeral (tests). @default 0 */
  port?: number;
  host?: string;
  /** Same seed, same data; with `contacts`, a generated account instead of the small fixture. */
  seed?: number | string;
  contacts?: number;
  /** Latency added to every response (the simulator's default: a realistic CRM). */
  latency?: { medianMs: number; jitterMs: number };
  /** Change-event receivers (the CRM subgraph's webhook route). */
  webhookTargets?: string[];
  /** Secret the simulator signs change events with; default: the dev secret. */
  webhookSecret?: string;
}

export interface CrmSimulator<Account> {
  url: string;
  port: number;
  /** The account that reaches this simulator (its dev credentials). */
  account: Account;
  /** The secret its change events are signed with. */
  webhookSecret: string;
  close(): Promise<void>;
}

/** The validated CRM client env (shared/config.ts crmClientEnv): the deployment connections' settings. */
export type CrmClientEnv = { [K in keyof typeof crmClientEnv]: z.output<(typeof crmClientEnv)[K]> };
