import type { Histogram, Counter, Gauge } from 'prom-client';
import { createMetrics, type Metrics } from '../shared/metrics.js';

/** The gateway's Prometheus series, created once per gateway instance. */
export interface GatewayMetrics {
  readonly metrics: Metrics;
  /** Whole operation latency by operation name and type. */
  operationSeconds: Histogram<'operation' | 'type'>;
  /** Operations that answered with errors, by first error code. */
  operationErrors: Counter<'operation' | 'code'>;
  /** One subgraph fetch (a CRM split sends one per CRM), by outcome. */
  subgraphFetchSeconds: Histogram<'subgraph' | 'outcome'>;
  /** Open client subscriptions relayed to subgraphs. */
  subscriptionsOpen: Gauge<'subgraph'>;
  /** Open graphql-ws client connections. */
  websocketConnections: Gauge;
  /** Requests refused at the door, by reason. */
  authFailures: Counter<'reason'>;
  /** Queries answered by the CRM fast path (no query plan executed): `via` plugin (inside Apollo) or lane (before it). */
  crmFastPath: Counter<'via'>;
  /** Queries whose remembered query plan ran before Apollo (gateway/plan-fast-path/). */
  planFastPath: Counter;
}

export function createGatewayMetrics(options: { collectDefault?: boolean } = {}): GatewayMetrics {
  const metrics = createMetrics('gateway', options);
  return {
    metrics,
    operationSeconds: metrics.histogram(
      'dialplane_gateway_operation_duration_seconds',
      'GraphQL operation latency at the gateway',
      ['operation', 'type'],
    ),
    operationErrors: metrics.counter(
      'dialplane_gateway_operation_errors_total',
      'GraphQL operations answered with errors',
      ['operation', 'code'],
    ),
    subgraphFetchSeconds: metrics.histogram(
      'dialplane_gateway_subgraph_fetch_duration_seconds',
      'Latency of one gateway -> subgraph fetch',
      ['subgraph', 'outcome'],
    ),
    subscriptionsOpen: metrics.gauge('dialplane_gateway_subscriptions_open', 'Client subscriptions currently relayed', [
      'subgraph',
    ]),
    websocketConnections: metrics.gauge('dialplane_gateway_websocket_connections', 'Open graphql-ws connections'),
    authFailures: metrics.counter('dialplane_gateway_auth_failures_total', 'Requests refused for authentication', [
      'reason',
    ]),
    crmFastPath: metrics.counter('dialplane_gateway_crm_fast_path_total', 'Queries answered by the CRM fast path', [
      'via',
    ]),
    planFastPath: metrics.counter(
      'dialplane_gateway_plan_fast_path_total',
      'Queries whose remembered query plan ran before Apollo',
    ),
  };
}
