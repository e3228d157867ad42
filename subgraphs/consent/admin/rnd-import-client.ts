import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../../../shared/errors.js';
import { parseRndResultLine } from '../reassigned/rnd-client.js';

/**
 * The client side of a bulk RND result import (`npm run rnd:import`): reads an FCC Reassigned
 * Numbers Database result file (`tn,date,result` a line; header optional; gzip when the name ends
 * in .gz) with bounded memory and sends the answers to the RUNNING service through the gateway as
 * `recordReassignedResults` mutations of up to 1,000 answers each (the API's limit), one after the
 * other, so the answers are kept per (number, consent date) exactly as live RND answers are.
 * A caller needs role admin or compliance. Numbers are never logged.
 */

export interface RndImportOptions {
  /** The gateway's base URL or its /graphql URL. */
  gatewayUrl: string;
  token: string;
  file: string;
  /** Which data answered (the file's name or date); kept with each answer and shown in decisions. */
  source: string;
  /** When the RND answered; the service's now when absent. */
  checkedAt?: Date;
  /** Answers per mutation (1..1000). @default 1000 */
  batchSize?: number;
  onProgress?: (p: RndImportProgress) => void;
}

export interface RndImportProgress {
  lines: number;
  recorded: number;
  rejected: number;
  done: boolean;
}

export interface RndImportResult {
  recorded: number;
  rejected: number;
  batches: number;
  seconds: number;
}

const MUTATION =
  'mutation RndImport($results: [ReassignedResultInput!]!) { recordReassignedResults(results: $results) { result } }';

const Answer = z.object({
  data: z.object({ recordReassignedResults: z.array(z.object({ result: z.string() })) }).nullish(),
  errors: z
    .array(
      z
        .object({ message: z.string(), extensions: z.object({ code: z.string().optional() }).loose().optional() })
        .loose(),
    )
    .optional(),
});

export async function importRndResults(o: RndImportOptions): Promise<RndImportResult> {
  const batchSize = o.batchSize ?? 1_000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000)
    throw new DialplaneError(ErrorCode.BAD_USER_INPUT, 'batch size must be 1..1000');
  const url = new URL('/graphql', o.gatewayUrl);
  const started = performance.now();
  const progress: RndImportProgress = { lines: 0, recorded: 0, rejected: 0, done: false };
  let batches = 0;
  let batch: { phone: string; consentDate: string; result: string; version: string; checkedAt?: string }[] = [];

  const send = async () => {
    if (batch.length === 0) return;
    const body = JSON.stringify({ query: MUTATION, variables: { results: batch } });
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
        body,
      });
    } catch (error) {
      throw new DialplaneError(
        ErrorCode.SUBGRAPH_UNAVAILABLE,
        `cannot reach ${url.origin}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const parsed = Answer.safeParse(await res.json().catch(() => null));
    if (!parsed.success)
      throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, `unexpected answer (HTTP ${res.status})`);
    const first = parsed.data.errors?.[0];
    if (first) {
      const code = first.extensions?.code;
      const known = Object.values(ErrorCode).find((c) => c === code);
      throw new DialplaneError(known ?? ErrorCode.INTERNAL_SERVER_ERROR, first.message);
    }
    progress.recorded += parsed.data.data?.recordReassignedResults.length ?? 0;
    batches += 1;
    batch = [];
    o.onProgress?.({ ...progress });
  };

  const raw = createReadStream(o.file);
  const input = o.file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    progress.lines += 1;
    if (line.trim() === '') continue;
    const parsed = parseRndResultLine(line);
    if (!parsed) {
      // A header line (`tn,date,result`) is not an answer, and not a rejection either.
      if (!(progress.lines === 1 && /[a-z]/i.test(line) && !/\d{10}/.test(line))) progress.rejected += 1;
      continue;
    }
    batch.push({
      phone: parsed.e164,
      consentDate: parsed.consentDate.toISOString(),
      result: parsed.result,
      version: o.source,
      ...(o.checkedAt ? { checkedAt: o.checkedAt.toISOString() } : {}),
    });
    if (batch.length >= batchSize) await send();
  }
  await send();
  o.onProgress?.({ ...progress, done: true });
  return {
    recorded: progress.recorded,
    rejected: progress.rejected,
    batches,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
}
