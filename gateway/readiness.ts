import http from 'node:http';
import https from 'node:https';

export type SubgraphReadiness = 'up' | 'not-ready' | 'degraded' | 'down';

export interface ReadinessState {
  ok: boolean;
  supergraph: 'loaded' | 'loading';
  /**
   * up: ready; not-ready: answers but says it cannot serve (e.g. its database is down); degraded:
   * a CRM subgraph whose CRM is failing (breaker open) and that still serves cached contacts;
   * down: does not answer.
   */
  subgraphs: Record<string, SubgraphReadiness>;
}

/**
 * Readiness = supergraph loaded and every subgraph *ready* (its /readyz answers 200: consent and
 * engagement check their database there), so an orchestrator stops routing to a gateway whose
 * writes would fail. A CRM subgraph (`degradable`) whose CRM is failing keeps the gateway ready:
 * it still serves cached contacts and every other CRM, and no other gateway replica would do
 * better; it is reported as `degraded`. Probed at most every `cacheMs` so a busy orchestrator cannot turn readiness
 * checks into load on the subgraphs.
 */
export function createReadinessProbe(options: {
  subgraphs: readonly { name: string; url: string; degradable?: boolean }[];
  isLoaded: () => boolean;
  timeoutMs?: number;
  cacheMs?: number;
}) {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const cacheMs = options.cacheMs ?? 2_000;
  let last: { at: number; state: ReadinessState } | undefined;
  let inFlight: Promise<ReadinessState> | undefined;

  /** The /readyz status code, or 0 when the subgraph does not answer. */
  const probe = (url: string): Promise<number> =>
    new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL('/readyz', url);
      } catch {
        resolve(0);
        return;
      }
      // Subgraphs behind TLS are probed over https (trusting NODE_EXTRA_CA_CERTS, docs/operations.md#tls).
      const req = (target.protocol === 'https:' ? https : http).get(target, { timeout: timeoutMs }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
    });

  async function run(): Promise<ReadinessState> {
    const results = await Promise.all(
      options.subgraphs.map(async (s): Promise<readonly [string, SubgraphReadiness]> => {
        const status = await probe(s.url);
        return [s.name, status === 200 ? 'up' : status === 0 ? 'down' : s.degradable ? 'degraded' : 'not-ready'];
      }),
    );
    const subgraphs = Object.fromEntries(results);
    const loaded = options.isLoaded();
    return {
      ok: loaded && results.every(([, s]) => s === 'up' || s === 'degraded'),
      supergraph: loaded ? 'loaded' : 'loading',
      subgraphs,
    };
  }

  return {
    async check(): Promise<ReadinessState> {
      if (last && Date.now() - last.at < cacheMs) return last.state;
      inFlight ??= run().finally(() => (inFlight = undefined));
      const state = await inFlight;
      last = { at: Date.now(), state };
      return state;
    },
  };
}
