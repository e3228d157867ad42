import http from 'node:http';

export interface ReadinessState {
  ok: boolean;
  supergraph: 'loaded' | 'loading';
  subgraphs: Record<string, 'up' | 'down'>;
}

/**
 * Readiness = supergraph loaded and every subgraph answering its /healthz. Probed at most every
 * `cacheMs` so a busy orchestrator cannot turn readiness checks into load on the subgraphs.
 */
export function createReadinessProbe(options: {
  subgraphs: readonly { name: string; url: string }[];
  isLoaded: () => boolean;
  timeoutMs?: number;
  cacheMs?: number;
}) {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const cacheMs = options.cacheMs ?? 2_000;
  let last: { at: number; state: ReadinessState } | undefined;
  let inFlight: Promise<ReadinessState> | undefined;

  const probe = (url: string): Promise<boolean> =>
    new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL('/healthz', url);
      } catch {
        resolve(false);
        return;
      }
      const req = http.get(target, { timeout: timeoutMs }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });

  async function run(): Promise<ReadinessState> {
    const results = await Promise.all(options.subgraphs.map(async (s) => [s.name, (await probe(s.url)) ? 'up' : 'down'] as const));
    const subgraphs = Object.fromEntries(results) as Record<string, 'up' | 'down'>;
    const loaded = options.isLoaded();
    return { ok: loaded && results.every(([, s]) => s === 'up'), supergraph: loaded ? 'loaded' : 'loading', subgraphs };
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
