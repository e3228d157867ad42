import client from 'prom-client';

/**
 * One Prometheus registry per service instance (not the global one), so tests can run several
 * services in one process without metric-name collisions.
 */
export interface Metrics {
  readonly registry: client.Registry;
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): client.Counter<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    buckets?: number[],
  ): client.Histogram<L>;
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    collect?: (this: client.Gauge<L>) => void | Promise<void>,
  ): client.Gauge<L>;
  /** Prometheus text exposition of everything registered. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Latency buckets in seconds, dense at the low end where dialplane lives. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(service: string, options: { collectDefault?: boolean } = {}): Metrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  if (options.collectDefault ?? true) client.collectDefaultMetrics({ register: registry, prefix: 'dialplane_' });
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    registry,
    counter: (name, help, labelNames = []) =>
      existing(name) ?? new client.Counter({ name, help, labelNames: [...labelNames], registers: [registry] }),
    histogram: (name, help, labelNames = [], buckets = LATENCY_BUCKETS) =>
      existing(name) ??
      new client.Histogram({ name, help, labelNames: [...labelNames], buckets, registers: [registry] }),
    gauge: (name, help, labelNames = [], collect) =>
      existing(name) ??
      new client.Gauge({
        name,
        help,
        labelNames: [...labelNames],
        registers: [registry],
        ...(collect ? { collect } : {}),
      }),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
