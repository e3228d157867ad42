import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../../../shared/errors.js';
import type { ReassignedFacts } from '../decision/types.js';
import type { ReassignedNumberChecker } from './checker.js';

/**
 * Client of a Reassigned Numbers Database query API. The FCC's RND (administered by Somos,
 * reassigned.us) answers a query of a 10-digit number and a date (the consent date, or the last
 * date the caller could reach the consumer) with "yes" (permanently disconnected on or after that
 * date), "no" or "no data". The wire shape here is that query, batched:
 *
 *   POST {RND_URL}/v1/queries   Authorization: Bearer {RND_API_KEY}
 *   {"queries":[{"tn":"2125550100","date":"2026-01-10"}]}
 *   -> {"dataAsOf":"2026-11-15","results":[{"tn":"2125550100","date":"2026-01-10","result":"no"}]}
 *
 * `sim/rnd` serves exactly this; a subscriber's real endpoint may need an adapter (the
 * administrator publishes its API specification to subscribers only).
 */
export const RndQuery = z.object({ tn: z.string().regex(/^[2-9]\d{2}[2-9]\d{6}$/), date: z.iso.date() });
export const RndQueryBody = z.object({ queries: z.array(RndQuery).min(1).max(1000) });
export const RndAnswer = z.enum(['yes', 'no', 'no data']);
export const RndResponse = z.object({
  dataAsOf: z.iso.date(),
  results: z.array(z.object({ tn: z.string(), date: z.iso.date(), result: RndAnswer })),
});

const RESULT: Record<z.infer<typeof RndAnswer>, ReassignedFacts['result']> = {
  yes: 'YES',
  no: 'NO',
  'no data': 'NO_DATA',
};

export interface RndClientOptions {
  url: string;
  apiKey?: string;
  timeoutMs?: number;
  now?: () => Date;
}

/** The consent date as the RND takes it: a calendar date (UTC). */
export const rndDate = (d: Date) => d.toISOString().slice(0, 10);

export function createRndClient(options: RndClientOptions): ReassignedNumberChecker {
  const now = options.now ?? (() => new Date());
  const endpoint = new URL('/v1/queries', options.url);
  return {
    name: 'rnd',
    cacheable: true,
    async check(e164, consentDate) {
      if (!/^\+1[2-9]\d{2}[2-9]\d{6}$/.test(e164))
        return { result: 'NO_DATA', consentDate, checkedAt: now(), version: 'rnd: not a NANP number' };
      const query = { tn: e164.slice(2), date: rndDate(consentDate) };
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({ queries: [query] }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 3_000),
      });
      if (!response.ok)
        throw new DialplaneError(ErrorCode.COMPLIANCE_DATA_UNAVAILABLE, `RND answered HTTP ${response.status}`, {
          status: response.status,
        });
      const body = RndResponse.parse(await response.json());
      const hit = body.results.find((r) => r.tn === query.tn && r.date === query.date);
      if (!hit)
        throw new DialplaneError(
          ErrorCode.COMPLIANCE_DATA_UNAVAILABLE,
          'RND answer did not contain the number asked about',
        );
      return { result: RESULT[hit.result], consentDate, checkedAt: now(), version: `rnd:${body.dataAsOf}` };
    },
  };
}

/** A line of a bulk RND result file: `tn,date,result` (result: yes | no | no data), header optional. */
export function parseRndResultLine(
  line: string,
): { e164: string; consentDate: Date; result: ReassignedFacts['result'] } | null {
  const [tn, date, result] = line.split(',').map((v) => v.trim().replace(/^"|"$/g, '').toLowerCase());
  const q = RndQuery.safeParse({ tn: tn?.replace(/^\+?1(?=\d{10}$)/, ''), date });
  const r = RndAnswer.safeParse(result);
  if (!q.success || !r.success) return null;
  return { e164: `+1${q.data.tn}`, consentDate: new Date(`${q.data.date}T00:00:00Z`), result: RESULT[r.data] };
}
