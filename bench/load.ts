import http from 'node:http';

/**
 * Load generation shared by every benchmark. Two shapes, reported separately:
 * - open loop: requests start at evenly spaced instants (the way calls arrive), whatever the
 *   latency; latency is measured from the *intended* start, so queueing delay is not hidden
 *   (no coordinated omission);
 * - closed loop: N clients, each sending its next request when the previous one answered.
 * Requests go over keep-alive node:http, the cheapest client Node has, so the generator (which
 * shares the 2 cores) costs as little as possible.
 */

export interface RequestSpec {
  url: string;
  method?: 'GET' | 'POST';
  /** Fixed headers, or headers made for each body (an identity header is signed over the body it travels with). */
  headers?: Record<string, string> | ((body: string) => Record<string, string>);
  /** Body per request (index given), or a fixed body. */
  body?: string | ((i: number) => string);
}

export interface LatencyStats {
  count: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** Achieved throughput, requests per second. */
  rps: number;
  durationMs: number;
}

const agents = new Map<string, http.Agent>();
function agentFor(url: URL, maxSockets: number): http.Agent {
  const key = `${url.host}:${maxSockets}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
    agents.set(key, agent);
  }
  return agent;
}

export function destroyAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** One request; resolves with the status and body text (rejects only on network errors). */
export function send(spec: RequestSpec, i: number, maxSockets = 256): Promise<{ status: number; body: string }> {
  const url = new URL(spec.url);
  const body = typeof spec.body === 'function' ? spec.body(i) : spec.body;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: spec.method ?? (body ? 'POST' : 'GET'),
        agent: agentFor(url, maxSockets),
        headers: {
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          ...(typeof spec.headers === 'function' ? spec.headers(body ?? '') : spec.headers),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** A response counts as an error when it is not 2xx or carries GraphQL `errors`, unless accepted. */
export type Check = (status: number, body: string) => boolean;
export const graphqlOk: Check = (status, body) => status >= 200 && status < 300 && !body.includes('"errors"');

export function stats(latencies: number[], errors: number, durationMs: number): LatencyStats {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);
  const sum = latencies.reduce((a, b) => a + b, 0);
  return {
    count: latencies.length,
    errors,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    mean: latencies.length ? sum / latencies.length : NaN,
    rps: (latencies.length / durationMs) * 1000,
    durationMs,
  };
}

/**
 * Open loop over any async operation (an HTTP request, an official CRM client call): `rate`
 * starts per second for `durationMs`, evenly spaced; a rejection or a falsy result is an error.
 */
export async function openLoopFn(
  // biome-ignore lint/suspicious/noConfusingVoidType: callers pass functions that return nothing as well as booleans.
  fn: (i: number) => Promise<boolean | void>,
  rate: number,
  durationMs: number,
): Promise<LatencyStats> {
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const interval = 1000 / rate;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const intended = started + i * interval;
    const wait = intended - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    else if (wait > 0) await new Promise((r) => setImmediate(r));
    inflight.push(
      fn(i).then(
        (ok) => {
          latencies.push(performance.now() - intended);
          if (ok === false) errors++;
        },
        () => {
          latencies.push(performance.now() - intended);
          errors++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  return stats(latencies, errors, performance.now() - started);
}

/** Closed loop over any async operation: `concurrency` callers for `durationMs`. */
export async function closedLoopFn(
  // biome-ignore lint/suspicious/noConfusingVoidType: callers pass functions that return nothing as well as booleans.
  fn: (i: number) => Promise<boolean | void>,
  concurrency: number,
  durationMs: number,
): Promise<LatencyStats> {
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          if ((await fn(i++)) === false) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return stats(latencies, errors, performance.now() - started);
}

const viaHttp = (spec: RequestSpec, check: Check, maxSockets: number) => async (i: number) => {
  const r = await send(spec, i, maxSockets);
  return check(r.status, r.body);
};

/** Open loop of HTTP requests at `rate` requests/s for `durationMs`, evenly spaced. */
export function openLoop(
  spec: RequestSpec,
  rate: number,
  durationMs: number,
  check: Check = graphqlOk,
): Promise<LatencyStats> {
  return openLoopFn(viaHttp(spec, check, 256), rate, durationMs);
}

/** Closed loop of HTTP requests: `concurrency` clients for `durationMs`. */
export function closedLoop(
  spec: RequestSpec,
  concurrency: number,
  durationMs: number,
  check: Check = graphqlOk,
): Promise<LatencyStats> {
  return closedLoopFn(viaHttp(spec, check, concurrency), concurrency, durationMs);
}

/** Highest open-loop rate (from `rates`, ascending) whose p99 stays under `p99LimitMs` without errors. */
export async function maxSteadyRate(
  spec: RequestSpec,
  rates: number[],
  durationMs: number,
  p99LimitMs: number,
  check: Check = graphqlOk,
) {
  let best: { rate: number; stats: LatencyStats } | null = null;
  for (const rate of rates) {
    const s = await openLoop(spec, rate, durationMs, check);
    if (s.p99 > p99LimitMs || s.errors > 0) break;
    best = { rate, stats: s };
  }
  return best;
}

export const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function statLine(label: string, s: LatencyStats): string {
  return `${label.padEnd(48)} p50 ${fmt(s.p50).padStart(7)} ms  p99 ${fmt(s.p99).padStart(7)} ms  max ${fmt(s.max).padStart(7)} ms  ${fmt(s.rps, 0).padStart(6)} req/s  errors ${s.errors}`;
}
