/**
 * A model of cold reads through the batcher, free of the machine's noise: the real WindowBatcher
 * and BatchConcurrency in this process, a CRM that answers a batch after HubSpot's two rounds of
 * three parallel chains (each call 120 ± 40 ms, uniform), `clients` closed-loop callers each with
 * up to `spread` ms of their own processing before and after a read (the gateway and subgraph
 * hops; what spreads a wave of arrivals out), and the direct read (one contact, same rounds, plus
 * the same spread) as the baseline. It prints p50/p99, the ratio to direct and batches per 1,000
 * reads, for a fixed single batch and for the adaptive policy at ceilings 2, 4 and 8.
 *
 *   node dist/bench/cold-batch-model.js [--clients=50] [--reads=1000] [--spread=20]
 *
 * Used to choose the policy's gathering rule (shared/crm/batch-concurrency.ts); the figures of the
 * real stack come from `node dist/bench/call-start.js --cold-only`.
 */
import { pathToFileURL } from 'node:url';
import { BatchConcurrency } from '../shared/crm/batch-concurrency.js';
import { WindowBatcher } from '../shared/crm/window-batcher.js';

const call = () => 120 + (Math.random() * 2 - 1) * 40;
/** Contacts, then associations → deals and associations → calls: three chains, two rounds. */
const batchMs = () => Math.max(call(), call() + call(), call() + call());
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

export async function modelColdReads(input: {
  ceiling: number | 'fixed-1';
  clients: number;
  reads: number;
  spread: number;
}) {
  const policy = input.ceiling === 'fixed-1' ? null : new BatchConcurrency({ max: input.ceiling });
  let batches = 0;
  const batcher = new WindowBatcher<number, number>({
    windowMs: 3,
    maxBatchSize: 100,
    ...(policy
      ? {
          slots: {
            tryStart: () => policy.tryStart(),
            retryInMs: () => policy.retryInMs(),
            finished: (ticket, error) =>
              policy.finished(ticket as Parameters<BatchConcurrency['finished']>[0], error ? 'outage' : 'ok', 0.9),
          },
        }
      : { maxConcurrent: 1 }),
    dispatch: (keys) => {
      batches += 1;
      return pause(batchMs()).then(() => keys);
    },
  });
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: input.clients }, async () => {
      for (let i = next++; i < input.reads; i = next++) {
        const t0 = performance.now();
        await pause(Math.random() * input.spread);
        await batcher.load(i);
        await pause(Math.random() * input.spread);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const direct = Array.from({ length: 5_000 }, () => batchMs() + input.spread);
  const p50 = quantile(latencies, 0.5);
  return {
    p50,
    p99: quantile(latencies, 0.99),
    ratio: p50 / quantile(direct, 0.5),
    batchesPer1000: (batches / input.reads) * 1000,
    limit: policy?.limit ?? 1,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, fallback: number) => {
    const a = process.argv.find((x) => x.startsWith(`--${name}=`));
    return a ? Number(a.slice(name.length + 3)) : fallback;
  };
  const clients = arg('clients', 50);
  const reads = arg('reads', 1_000);
  const spread = arg('spread', 20);
  for (const ceiling of ['fixed-1', 2, 4, 8] as const) {
    const r = await modelColdReads({ ceiling, clients, reads, spread });
    console.log(
      `${String(ceiling).padEnd(8)} ${clients} clients, spread ${spread} ms: p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, x${r.ratio.toFixed(2)} of direct, ${r.batchesPer1000.toFixed(0)} batches per 1,000 reads, limit reached ${r.limit}`,
    );
  }
}
