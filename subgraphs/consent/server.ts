import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { Database } from '../../shared/db.js';
import { createEventBus, type EventBus } from '../../shared/events.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { createMetrics, type Metrics } from '../../shared/metrics.js';
import { startSubgraph } from '../../shared/subgraph-server.js';
import type { ConsentConfig } from './config.js';
import { createConsentService, type ConsentService } from './consent-service.js';
import { listenForCrmDoNotCall } from './crm-dnc-listener.js';
import { warmPhoneGeo } from './mapping/phone-geo.js';
import { currentPolicy, type AreaCodeZoneTable, type CompliancePolicy } from './policy/index.js';
import type { ReassignedNumberChecker } from './reassigned/checker.js';
import { createUnconfiguredChecker } from './reassigned/checker.js';
import { createRndClient } from './reassigned/rnd-client.js';
import { createResolvers } from './resolvers.js';
import { dncImportRoute } from './admin/dnc-import-route.js';
import { createIdentityVerifier } from '../../shared/identity.js';
import { createRevocationHub, type RevocationHub } from './revocation-hub.js';
import { createAuditWriter, type AuditWriter } from './store/audit.js';
import { FactsSnapshot, mayChangeFacts } from './store/facts-snapshot.js';
import { reportingWrites } from '../../shared/db-writes.js';
import { openConsentDatabase } from './store/open-consent-db.js';

export interface ConsentDeps {
  log?: Logger;
  metrics?: Metrics;
  /** Shared bus (scripts/start.ts passes its in-process one); otherwise one is made from config.redisUrl. */
  bus?: EventBus;
  /** An already-open, migrated database (tests); otherwise opened from config. */
  db?: Database;
  checker?: ReassignedNumberChecker;
  policy?: CompliancePolicy;
  /** Split-zone area-code table (C3); the current policy data unless given (the bench compares without it). */
  areaCodeZones?: AreaCodeZoneTable;
  now?: () => Date;
  /** Redis channel prefix for a bus made here (tests use uniquePrefix()). */
  busPrefix?: string;
}

export interface RunningConsentSubgraph {
  url: string;
  port: number;
  close(): Promise<void>;
  /** For tests and the bench: the service and hub behind the API. */
  service: ConsentService;
  hub: RevocationHub;
  /** The database as every module here uses it (writes reported to the facts snapshot). */
  db: Database;
  snapshot: FactsSnapshot;
  audit: AuditWriter;
}

/** Facts snapshot lifetime on the embedded database (its only writer is this process). */
const DEFAULT_EMBEDDED_SNAPSHOT_MS = 1_000;

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** Starts the consent subgraph: database + migrations, revocation hub, CRM do-not-call listener, GraphQL (+ graphql-ws). */
export async function startConsentSubgraph(
  config: ConsentConfig,
  deps: ConsentDeps = {},
): Promise<RunningConsentSubgraph> {
  const log = deps.log ?? createLogger('consent', { level: config.logLevel });
  const metrics = deps.metrics ?? createMetrics('consent');
  const policy = deps.policy ?? currentPolicy;
  const geoVersion = warmPhoneGeo();
  const ownsDb = !deps.db;
  const opened = deps.db ?? (await openConsentDatabase({ url: config.databaseUrl, dataDir: config.dataDir, log }));
  // Every module below writes through `db`, so the facts snapshot hears of each write this process makes.
  const snapshot = new FactsSnapshot({
    maxAgeMs: config.factsSnapshotMs ?? (opened.kind === 'pglite' ? DEFAULT_EMBEDDED_SNAPSHOT_MS : 0),
  });
  const db = snapshot.enabled ? reportingWrites(opened, mayChangeFacts, () => snapshot.changed()) : opened;
  const ownsBus = !deps.bus;
  const bus = deps.bus ?? (await createEventBus({ redisUrl: config.redisUrl, prefix: deps.busPrefix, log }));
  const stopSnapshotEviction = snapshot.enabled
    ? await bus.subscribe('consent.revoked', () => snapshot.changed())
    : async () => undefined;
  const hub = createRevocationHub({
    db,
    bus,
    log,
    pollMs: config.revocationPollMs,
    onRevocations: () => snapshot.changed(),
  });
  await hub.start();
  const audit = createAuditWriter(db, log);
  // No RND configured is not "not reassigned": every answer is NO_DATA and the policy denies (E1).
  const checker =
    deps.checker ??
    (config.rnd
      ? createRndClient({ url: config.rnd.url, apiKey: config.rnd.apiKey, now: deps.now })
      : createUnconfiguredChecker(deps.now));
  const service = createConsentService({
    db,
    policy,
    checker,
    bus,
    hub,
    audit,
    log,
    metrics,
    snapshot,
    now: deps.now,
    areaCodeZones: deps.areaCodeZones,
  });
  const stopCrmListener = await listenForCrmDoNotCall(bus, service, log);
  metrics.gauge(
    'dialplane_consent_subscriptions',
    'Open consentRevoked subscriptions on this replica',
    [],
    function collect() {
      this.set(hub.subscribers);
    },
  );

  const running = await startSubgraph({
    name: 'consent',
    port: config.port,
    host: config.host,
    tls: config.tls,
    typeDefs,
    resolvers: createResolvers({ service, hub, db, audit }) as never,
    internalSecret: config.internalSecret,
    routes: [
      dncImportRoute({
        db,
        verifyIdentity: createIdentityVerifier(config.internalSecret),
        audit,
        log,
        now: deps.now ?? (() => new Date()),
      }),
    ],
    log,
    metrics,
    subscriptions: true,
    development: config.nodeEnv === 'development',
    readiness: async () => {
      await db.query('SELECT 1');
      return {
        ok: true,
        details: {
          db: db.kind,
          bus: bus.kind,
          policy: policy.version,
          phoneData: geoVersion,
          reassigned: checker.name,
        },
      };
    },
    onClose: async () => {
      await stopCrmListener().catch(() => undefined);
      await stopSnapshotEviction().catch(() => undefined);
      await hub.close();
      await audit.close();
      if (ownsBus) await bus.close();
      if (ownsDb) await db.close();
    },
  });
  log.info({ db: db.kind, bus: bus.kind, policy: policy.version }, 'consent subgraph ready');
  return { url: running.url, port: running.port, close: running.close, service, hub, db, snapshot, audit };
}
