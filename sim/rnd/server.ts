import http from 'node:http';
import { listen, readJsonBody, sendJson } from '../../shared/http.js';
import { RndQueryBody } from '../../subgraphs/consent/reassigned/rnd-client.js';

/**
 * A Reassigned Numbers Database simulator with the RND's answer semantics: "yes" when the number
 * was permanently disconnected on or after the date asked about, "no data" for numbers listed as
 * unknown (and dates before the database's start, 27 Jan 2021), else "no". Query shape: see
 * subgraphs/consent/reassigned/rnd-client.ts. `POST /admin/disconnect {"tn","date"}` adds one.
 */
export interface RndSimOptions {
  port: number;
  host?: string;
  /** 10-digit numbers -> disconnect date (YYYY-MM-DD). */
  disconnected?: Record<string, string>;
  noData?: string[];
  dataAsOf?: string;
  apiKey?: string;
}

export interface RndSim {
  url: string;
  queries: number;
  disconnect(tn: string, date: string): void;
  close(): Promise<void>;
}

const DATA_START = '2021-01-27';

export async function startRndSim(options: RndSimOptions): Promise<RndSim> {
  const disconnected = new Map(Object.entries(options.disconnected ?? {}));
  const noData = new Set(options.noData ?? []);
  const dataAsOf = options.dataAsOf ?? new Date().toISOString().slice(0, 10);
  const state = { queries: 0 };
  const server = http.createServer((req, res) => {
    void (async () => {
      if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`)
        return sendJson(res, 401, { error: 'unauthorized' });
      const url = new URL(req.url ?? '/', 'http://rnd');
      if (req.method === 'POST' && url.pathname === '/v1/queries') {
        const body = RndQueryBody.safeParse(await readJsonBody(req).catch(() => null));
        if (!body.success) return sendJson(res, 400, { error: body.error.issues[0]?.message ?? 'bad query' });
        state.queries += body.data.queries.length;
        const results = body.data.queries.map((q) => {
          const at = disconnected.get(q.tn);
          const result = noData.has(q.tn) || q.date < DATA_START ? 'no data' : at && at >= q.date ? 'yes' : 'no';
          return { tn: q.tn, date: q.date, result };
        });
        return sendJson(res, 200, { dataAsOf, results });
      }
      if (req.method === 'POST' && url.pathname === '/admin/disconnect') {
        const body = (await readJsonBody(req).catch(() => null)) as { tn?: string; date?: string } | null;
        if (!body?.tn || !body.date) return sendJson(res, 400, { error: 'tn and date required' });
        disconnected.set(body.tn, body.date);
        return sendJson(res, 200, { ok: true });
      }
      sendJson(res, 404, { error: 'not found' });
    })().catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
  });
  const running = await listen(server, options.port, options.host);
  return {
    url: running.url,
    get queries() {
      return state.queries;
    },
    disconnect: (tn, date) => disconnected.set(tn, date),
    close: () => running.close(),
  };
}
