import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { Router, type HttpMethod } from './router.js';
import { DEFAULT_LATENCY, delay, latencyConfig, sampleLatencyMs, type LatencyConfig } from './latency.js';
import { NO_FAULTS, decideFault, faultConfig, type FaultConfig } from './faults.js';
import {
  NO_RATE_LIMIT,
  RateLimiter,
  rateLimitConfig,
  type RateLimitConfig,
  type RateLimitState,
} from './rate-limiter.js';
import { RequestStats } from './request-stats.js';
import {
  ChangeDelivery,
  DEFAULT_DELIVERY_RETRY,
  deliveryRetryConfig,
  type DeliveryRetryConfig,
} from './change-delivery.js';
import {
  driftRule,
  resetBody,
  simEdit,
  webhookTargetsBody,
  deliveryModeBody,
  type DriftRule,
  type ResetScope,
  type SimEdit,
  type SimEditResult,
  type SimKnobs,
  type SimStats,
} from './admin-schemas.js';

const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** Prefix of the admin API; kept apart from every CRM path. */
export const ADMIN_PREFIX = '/__sim/';

export interface SimRequest {
  method: string;
  /** path without query string */
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  endpoint: string;
  rawBody: string;
  /** Parses the body as JSON; throws BadRequestBody when it is not JSON. */
  json(): unknown;
  /** Records how many records a batch endpoint was asked for (request log `batchSize`). */
  setBatchSize(n: number): void;
}

export interface SimResponse {
  status: number;
  /** Serialized as JSON with the simulator's content type; omitted for e.g. 204. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export class BadRequestBody extends Error {
  constructor(message = 'request body is not valid JSON') {
    super(message);
    this.name = 'BadRequestBody';
  }
}

/** How a CRM spells its failures; each simulator answers these in its own shapes. */
export interface SimErrorShapes {
  /** Injected 5xx (`error`) or full outage (`outage`). */
  fault(kind: 'error' | 'outage', req: SimRequest): SimResponse;
  rateLimited(state: RateLimitState, req: SimRequest): SimResponse;
  notFound(method: string, path: string): SimResponse;
  methodNotAllowed(method: string, path: string): SimResponse;
  badBody(err: Error, req: SimRequest): SimResponse;
  internal(err: unknown, req: SimRequest): SimResponse;
}

/** The CRM-specific half of the admin API. */
export interface SimAdminHooks {
  /** Restore the seeded data (the common knobs are restored by the server itself). */
  resetData(): void;
  /** Called after the drift rules changed; the server keeps the list (`knobs.drift`). */
  driftChanged?(rules: readonly DriftRule[]): void;
  edit(edit: SimEdit): SimEditResult | Promise<SimEditResult>;
}

export interface SimKnobOptions {
  latency?: LatencyConfig;
  faults?: Partial<FaultConfig>;
  rateLimit?: RateLimitConfig;
  webhookTargets?: string[];
  webhookRetry?: Partial<DeliveryRetryConfig>;
  requestLogSize?: number;
  /** Injectable randomness for latency and faults (tests, reproducible benches). */
  random?: () => number;
}

/**
 * The knob options every simulator's option schema accepts; spread into the sim's own zod object
 * (`z.object({ ...simKnobOptionShape, port, … })`) so both sims take the same knobs the same way.
 */
export const simKnobOptionShape = {
  latency: latencyConfig.optional(),
  faults: faultConfig.partial().optional(),
  rateLimit: rateLimitConfig.optional(),
  /** Receivers of change events (the CRM subgraphs' webhook routes). */
  webhookTargets: z.array(z.string().url()).optional(),
  webhookRetry: deliveryRetryConfig.partial().optional(),
  /** Request-log entries kept (a ring); 0 disables the log (benchmarks). */
  requestLogSize: z.number().int().min(0).optional(),
};

/** Picks the knob options out of a simulator's parsed options, for createSimServer. */
export function knobOptionsOf(o: SimKnobOptions): SimKnobOptions {
  return {
    latency: o.latency,
    faults: o.faults,
    rateLimit: o.rateLimit,
    webhookTargets: o.webhookTargets,
    webhookRetry: o.webhookRetry,
    requestLogSize: o.requestLogSize,
    random: o.random,
  };
}

/** One account's half of a simulator: its routes (bound to its data), hooks, auth and knobs. */
export interface SimAccountOptions extends SimKnobOptions {
  router: Router<SimHandler>;
  admin: SimAdminHooks;
  /** Runs for non-public routes before the handler; a returned response ends the request. */
  authenticate?(req: SimRequest): SimResponse | null;
  /** Headers added to every CRM response (e.g. `Sforce-Limit-Info`). */
  commonHeaders?(): Record<string, string>;
}

/** What `accountOf` sees of a request before routing: enough to read a token or a form body. */
export interface SimRequestProbe {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawBody: string;
}

/** The simulator-specific half of `GET/POST /__sim/accounts`. */
export interface SimAccountsAdmin {
  /** Validates the body (throw SimEditError 400 on bad input) and adds the account. */
  add(body: unknown): unknown | Promise<unknown>;
  /** Public description of every account (ids, never secrets beyond the sim's dev ones). */
  list(): unknown[];
}

/**
 * The server options: the simulator's shapes plus its default account (the fields of
 * SimAccountOptions). More accounts come from `addAccount` (at start or through the admin API).
 */
export interface SimServerOptions extends SimAccountOptions {
  name: string;
  contentType: string;
  errors: SimErrorShapes;
  /** Key of the account built from these options (default `default`). */
  defaultAccount?: string;
  /**
   * Which account a CRM request belongs to (from its token, or the credentials in a token
   * request); undefined or an unknown key = the default account. Runs before latency, faults and
   * rate limits, so each account's knobs apply only to its own traffic.
   */
  accountOf?(req: SimRequestProbe): string | undefined;
  accounts?: SimAccountsAdmin;
}

/** One account's live state: its knobs, counters and change-event queue. */
export interface SimAccount {
  readonly key: string;
  readonly knobs: SimKnobs;
  readonly stats: RequestStats;
  readonly delivery: ChangeDelivery;
}

export interface SimServer {
  readonly name: string;
  /** The default account's knobs, stats and delivery (the single-account view). */
  readonly knobs: SimKnobs;
  readonly stats: RequestStats;
  readonly delivery: ChangeDelivery;
  readonly server: Server;
  /** Adds an account (its router may be filled after this returns). Throws on a duplicate key. */
  addAccount(key: string, options: SimAccountOptions): SimAccount;
  account(key: string): SimAccount | undefined;
  accountKeys(): string[];
  listen(port: number, host?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

interface AccountRuntime extends SimAccount {
  handleAdmin(method: string, action: string, url: URL, body: string): Promise<SimResponse>;
  handleCrm(res: ServerResponse, probe: SimRequestProbe, started: number): Promise<void>;
  close(): void;
}

/**
 * Builds the HTTP server both simulators run on: routing, then per request counters, latency,
 * faults, rate limit, authentication and the handler, plus the `/__sim/` admin API. Framework
 * free so the simulator's own overhead stays far below the latency it simulates.
 *
 * A server hosts one or more accounts (Salesforce orgs, HubSpot portals). Each account has its
 * own routes, data, knobs, counters and change deliveries; `accountOf` picks the account of a CRM
 * request, `?account=<key>` picks the account of an admin call (none: the default account).
 */
export function createSimServer(options: SimServerOptions): SimServer {
  const { errors, contentType } = options;
  const accounts = new Map<string, AccountRuntime>();
  const defaultKey = options.defaultAccount ?? 'default';

  function send(res: ServerResponse, out: SimResponse, extraHeaders?: Record<string, string>): void {
    const headers: Record<string, string> = { ...extraHeaders, ...out.headers };
    if (out.body === undefined) {
      res.writeHead(out.status, headers);
      res.end();
      return;
    }
    const payload = JSON.stringify(out.body);
    headers['content-type'] ??= contentType;
    headers['content-length'] = String(Buffer.byteLength(payload));
    res.writeHead(out.status, headers);
    res.end(payload);
  }

  function createAccount(key: string, acct: SimAccountOptions): AccountRuntime {
    const random = acct.random ?? Math.random;
    const initial = {
      latency: acct.latency ?? DEFAULT_LATENCY,
      faults: { ...NO_FAULTS, ...acct.faults },
      rateLimit: acct.rateLimit ?? NO_RATE_LIMIT,
      targets: acct.webhookTargets ?? [],
      retry: { ...DEFAULT_DELIVERY_RETRY, ...acct.webhookRetry },
    };
    const stats = new RequestStats(acct.requestLogSize ?? 2000);
    const limiter = new RateLimiter(initial.rateLimit);
    const delivery = new ChangeDelivery(initial.targets, initial.retry);
    const knobs: SimKnobs = {
      latency: initial.latency,
      faults: initial.faults,
      rateLimit: initial.rateLimit,
      webhooks: { targets: initial.targets, retry: initial.retry, mode: 'deliver' },
      drift: [],
    };
    const hanging = new Set<ServerResponse>();
    const { router } = acct;

    function applyDrift(rule: DriftRule): void {
      knobs.drift = knobs.drift.filter((d) => !(d.object === rule.object && d.field === rule.field));
      knobs.drift.push(rule);
      acct.admin.driftChanged?.(knobs.drift);
    }

    function resetKnobs(): void {
      knobs.latency = initial.latency;
      knobs.faults = initial.faults;
      knobs.rateLimit = initial.rateLimit;
      limiter.configure(initial.rateLimit);
      knobs.webhooks = { targets: initial.targets, retry: initial.retry, mode: 'deliver' };
      delivery.setTargets(initial.targets);
      delivery.setRetry(initial.retry);
      delivery.setMode('deliver');
      knobs.drift = [];
      acct.admin.driftChanged?.(knobs.drift);
    }

    async function handleAdmin(method: string, action: string, url: URL, body: string): Promise<SimResponse> {
      const parse = <T>(schema: z.ZodType<T>): T => {
        const parsed = schema.safeParse(body.length ? JSON.parse(body) : {});
        if (!parsed.success) throw new AdminInputError(z.prettifyError(parsed.error));
        return parsed.data;
      };
      switch (`${method} ${action}`) {
        case 'GET stats': {
          const out: SimStats = {
            sim: options.name,
            total: stats.totalRequests,
            counters: stats.counts(),
            deliveries: delivery.stats(),
          };
          return { status: 200, body: out };
        }
        case 'GET requests': {
          const endpoint = url.searchParams.get('endpoint');
          const all = stats.entries();
          return { status: 200, body: { requests: endpoint ? all.filter((e) => e.endpoint === endpoint) : all } };
        }
        case 'GET deliveries':
          return { status: 200, body: { deliveries: delivery.records() } };
        case 'GET knobs':
          return { status: 200, body: knobs };
        case 'POST reset': {
          const { scope } = parse(resetBody) as { scope: ResetScope };
          stats.reset();
          delivery.clearHistory();
          if (scope === 'all') {
            resetKnobs();
            acct.admin.resetData();
          }
          return { status: 200, body: { ok: true, scope } };
        }
        case 'PUT latency':
          knobs.latency = parse(latencyConfig);
          return { status: 200, body: knobs.latency };
        case 'PUT faults':
          knobs.faults = parse(faultConfig);
          return { status: 200, body: knobs.faults };
        case 'PUT rate-limit':
          knobs.rateLimit = parse(rateLimitConfig);
          limiter.configure(knobs.rateLimit);
          return { status: 200, body: knobs.rateLimit };
        case 'PUT drift':
          applyDrift(parse(driftRule));
          return { status: 200, body: { drift: knobs.drift } };
        case 'DELETE drift':
          knobs.drift = [];
          acct.admin.driftChanged?.(knobs.drift);
          return { status: 200, body: { drift: knobs.drift } };
        case 'PUT webhooks': {
          const { targets, retry } = parse(webhookTargetsBody);
          const merged = { ...knobs.webhooks.retry, ...retry };
          knobs.webhooks = { targets, retry: merged, mode: knobs.webhooks.mode };
          delivery.setTargets(targets);
          delivery.setRetry(merged);
          return { status: 200, body: knobs.webhooks };
        }
        case 'PUT delivery-mode': {
          const { mode } = parse(deliveryModeBody);
          knobs.webhooks = { ...knobs.webhooks, mode };
          delivery.setMode(mode);
          return { status: 200, body: { mode } };
        }
        case 'POST edit': {
          const result = await acct.admin.edit(parse(simEdit));
          return { status: 200, body: result };
        }
        default:
          return { status: 404, body: { error: 'unknown admin route', route: `${method} ${ADMIN_PREFIX}${action}` } };
      }
    }

    async function handleCrm(res: ServerResponse, probe: SimRequestProbe, started: number): Promise<void> {
      const { method, path, rawBody } = probe;
      const match = router.match(method, path);
      if (match === null || match === 'method') {
        const out = match === null ? errors.notFound(method, path) : errors.methodNotAllowed(method, path);
        stats.count('unknown');
        finish(out, 'unknown', undefined);
        send(res, out, acct.commonHeaders?.());
        return;
      }

      let batchSize: number | undefined;
      let parsed: unknown;
      let parsedOnce = false;
      const simReq: SimRequest = {
        method,
        path,
        query: probe.query,
        params: match.params,
        headers: probe.headers,
        endpoint: match.endpoint,
        rawBody,
        json() {
          if (!parsedOnce) {
            try {
              parsed = rawBody.length ? JSON.parse(rawBody) : undefined;
            } catch {
              throw new BadRequestBody();
            }
            parsedOnce = true;
          }
          return parsed;
        },
        setBatchSize(n) {
          batchSize = n;
        },
      };
      stats.count(match.endpoint);

      function finish(out: SimResponse, endpoint: string, size: number | undefined): void {
        stats.record({
          at: new Date(Date.now() - (performance.now() - started)).toISOString(),
          method,
          path,
          endpoint,
          status: out.status,
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          ...(size === undefined ? {} : { batchSize: size }),
        });
      }

      const wait = sampleLatencyMs(knobs.latency, match.endpoint, random);
      if (wait > 0) await delay(wait);

      const fault = decideFault(knobs.faults, match.endpoint, random);
      if (fault === 'hang') {
        // Never answer; the client's timeout decides. close() destroys the socket.
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        finish({ status: 0 }, match.endpoint, undefined);
        return;
      }
      let out: SimResponse;
      if (fault !== 'none') {
        out = errors.fault(fault, simReq);
      } else {
        // Public routes (e.g. an OAuth token endpoint) do not count against API limits.
        const limit = match.isPublic ? null : limiter.take();
        if (limit && !limit.allowed) {
          out = errors.rateLimited(limit, simReq);
        } else {
          out = (!match.isPublic && acct.authenticate?.(simReq)) || (await runHandler(match.handler, simReq));
        }
      }
      finish(out, match.endpoint, batchSize);
      // Computed after the handler so usage headers include this request.
      send(res, out, acct.commonHeaders?.());
    }

    return {
      key,
      get knobs() {
        return knobs;
      },
      stats,
      delivery,
      handleAdmin,
      handleCrm,
      close() {
        delivery.close();
        for (const res of hanging) res.destroy();
        hanging.clear();
      },
    };
  }

  function addAccount(key: string, acct: SimAccountOptions): SimAccount {
    if (accounts.has(key)) throw new SimEditError(`account ${key} already exists`, 409);
    const runtime = createAccount(key, acct);
    accounts.set(key, runtime);
    return runtime;
  }

  const defaultAccount = createAccount(defaultKey, options);
  accounts.set(defaultKey, defaultAccount);

  async function handleAdmin(method: string, path: string, url: URL, body: string): Promise<SimResponse> {
    const action = path.slice(ADMIN_PREFIX.length);
    if (action === 'accounts') {
      if (method === 'GET') {
        return {
          status: 200,
          body: { default: defaultKey, accounts: options.accounts?.list() ?? [{ key: defaultKey }] },
        };
      }
      if (method === 'POST') {
        if (!options.accounts) return { status: 405, body: { error: `${options.name} sim cannot add accounts` } };
        return { status: 201, body: await options.accounts.add(body.length ? JSON.parse(body) : {}) };
      }
    }
    const wanted = url.searchParams.get('account');
    const account = wanted === null ? defaultAccount : accounts.get(wanted);
    if (!account) return { status: 404, body: { error: `unknown account ${wanted}` } };
    return account.handleAdmin(method, action, url, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';
    const rawBody = await readBody(req);

    if (path.startsWith(ADMIN_PREFIX)) {
      try {
        send(res, await handleAdmin(method, path, new URL(rawUrl, 'http://sim'), rawBody), {
          'content-type': 'application/json',
        });
      } catch (err) {
        const status =
          err instanceof AdminInputError || err instanceof SyntaxError
            ? 400
            : err instanceof SimEditError
              ? err.status
              : 500;
        send(
          res,
          { status, body: { error: err instanceof Error ? err.message : 'error' } },
          { 'content-type': 'application/json' },
        );
      }
      return;
    }

    const probe: SimRequestProbe = {
      method,
      path,
      query: new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1)),
      headers: req.headers,
      rawBody,
    };
    // A single-account server skips the lookup (hot path of every benchmark).
    const key = accounts.size > 1 ? options.accountOf?.(probe) : undefined;
    const account = (key !== undefined && accounts.get(key)) || defaultAccount;
    await account.handleCrm(res, probe, started);
  }

  async function runHandler(handler: SimHandler, req: SimRequest): Promise<SimResponse> {
    try {
      return await handler(req);
    } catch (err) {
      if (err instanceof BadRequestBody) return errors.badBody(err, req);
      return errors.internal(err, req);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': contentType });
        res.end('[]');
      }
    });
  });
  server.keepAliveTimeout = 65_000;

  return {
    name: options.name,
    get knobs() {
      return defaultAccount.knobs;
    },
    stats: defaultAccount.stats,
    delivery: defaultAccount.delivery,
    server,
    addAccount,
    account: (key) => accounts.get(key),
    accountKeys: () => [...accounts.keys()],
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          // A wildcard bind is reachable locally on the loopback address.
          const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
          resolve({ url: `http://${shown}:${addr.port}`, port: addr.port });
        });
      });
    },
    async close() {
      for (const account of accounts.values()) account.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

class AdminInputError extends Error {}

/** Thrown by an edit hook for an unknown record or object; becomes the admin answer's status. */
export class SimEditError extends Error {
  constructor(
    message: string,
    readonly status = 404,
  ) {
    super(message);
    this.name = 'SimEditError';
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  // GET/HEAD carry no body in practice; skip the stream machinery for them (hot path).
  if ((req.method === 'GET' || req.method === 'HEAD') && !req.headers['content-length']) {
    req.resume();
    return Promise.resolve('');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Far above any real CRM request (2000 ids, 200 records); protects the sim from runaway tests.
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(new Error('request body too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export { Router, type HttpMethod };
