import { z } from 'zod';
import { SimAdminClient } from '../common/admin-client.js';
import {
  Router,
  SimEditError,
  createSimServer,
  knobOptionsOf,
  simKnobOptionShape,
  type SimErrorShapes,
  type SimHandler,
  type SimRequest,
  type SimResponse,
  type SimServer,
} from '../common/sim-server.js';
import {
  HubspotApiError,
  internalError,
  invalidJson,
  methodNotAllowed,
  routeNotFound,
  serviceUnavailable,
  unauthorized,
} from './errors.js';
import { hubspotFixture } from './fixture.js';
import { HubspotPortal } from './portal.js';
import { PropertySchema } from './property-schema.js';
import { DEFAULT_BURST, UsageCounter, rateLimitHeaders, rateLimited, ratePolicyOf } from './rate-limit-response.js';
import { addHubspotRoutes } from './routes.js';
import { HubspotStore, type HubspotBaseData, type HubspotData, type HubspotSeed } from './store.js';
import { generateHubspotDataset } from '../data/hubspot-dataset.js';
import { WebhookEmitter } from './webhooks.js';
import { handleHubspotToken, isIssuedToken, type HubspotOAuthState } from './oauth.js';
import { randomUUID } from 'node:crypto';

/**
 * A HubSpot CRM v3 simulator that @hubspot/api-client (`new Client({ accessToken, basePath })`)
 * uses unchanged: contacts batch read/search/get/page/update, calls create/search/batch read,
 * deals batch read, v4 association batch read, properties, plus the shared `/__sim/` admin API
 * (latency, faults, rate limits, drift, webhooks, edits, counters, request log, reset).
 */

export const hubspotSimOptions = z.object({
  port: z.number().int().min(0).max(65_535),
  host: z.string().default('127.0.0.1'),
  /** Private-app token the sim accepts as `Authorization: Bearer …` */
  accessToken: z.string().min(1).default('dev-hubspot-token'),
  /** The OAuth app's client id (`POST /oauth/v1/token`); its client secret is `clientSecret`. */
  oauthClientId: z.string().min(1).default('dev-hubspot-client-id'),
  /** Refresh tokens the refresh_token grant honours. */
  refreshTokens: z.array(z.string().min(1)).default(['dev-hubspot-refresh-token']),
  /** Lifetime of an OAuth access token, seconds (HubSpot: 1800). */
  oauthTokenLifetimeS: z.number().int().min(1).default(1800),
  /** App client secret that signs webhooks (signature v3) */
  clientSecret: z.string().min(1).default('dev-hubspot-client-secret'),
  portalId: z.number().int().positive().default(62_515),
  appId: z.number().int().positive().default(1_160_452),
  /**
   * Change events within this window go out in one webhook request (max 100 events). 0 (default):
   * each write's events go out together at once, so `admin.waitForDeliveries()` sees them.
   */
  webhookBatchWindowMs: z.number().int().min(0).default(0),
  /**
   * A generated portal (sim/data): same seed, same data. Giving either field generates one
   * (defaults: seed 1, 10,000 contacts); giving neither (and no dataset) serves the small fixture.
   */
  seed: z.union([z.number().int(), z.string().min(1)]).optional(),
  contacts: z.number().int().min(0).max(5_000_000).optional(),
  ...simKnobOptionShape,
  /**
   * HubSpot's separate search limit (~5 requests/s per token): beyond it a search answers 429
   * with the SECONDLY message. Unset = unlimited (tests and benchmarks search freely).
   */
  searchRateLimitPerSecond: z.number().int().positive().optional(),
  /** Daily quota shown in X-HubSpot-RateLimit-Daily headers. */
  dailyLimit: z.number().int().positive().default(1_000_000),
});
export type HubspotSimOptions = z.input<typeof hubspotSimOptions> & {
  /** Records to serve instead of the built-in fixture (tests, benchmarks). */
  dataset?: HubspotSeed;
  /** An already generated portal (sim/data's HubspotDataset); never written, writes go to an overlay. */
  generated?: HubspotBaseData;
  /** Injectable randomness for latency and faults. */
  random?: () => number;
};

export interface HubspotSim {
  url: string;
  port: number;
  admin: SimAdminClient;
  /** In-process handles for tests: the HTTP harness (knobs, stats, delivery) and the portal. */
  sim: SimServer;
  portal: HubspotPortal;
  /** Revokes every OAuth refresh token and access token (an uninstalled app); returns a new valid refresh token. */
  revokeOAuth(): string;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'application/json;charset=utf-8';

function errorResponse(err: HubspotApiError): SimResponse {
  return { status: err.status, body: err.body, headers: err.headers };
}

/** Which records to serve; an explicit dataset wins over generation, generation over the fixture. */
function dataOf(input: HubspotSimOptions, opts: z.output<typeof hubspotSimOptions>): HubspotData {
  if (input.generated) return { kind: 'generated', data: input.generated };
  if (input.dataset) return { kind: 'seed', seed: input.dataset };
  if (opts.seed !== undefined || opts.contacts !== undefined) {
    return { kind: 'generated', data: generateHubspotDataset({ seed: opts.seed, contacts: opts.contacts }) };
  }
  return { kind: 'seed', seed: hubspotFixture() };
}

export async function startHubspotSim(input: HubspotSimOptions): Promise<HubspotSim> {
  const opts = hubspotSimOptions.parse(input);
  const store = new HubspotStore(dataOf(input, opts));
  const schema = new PropertySchema();

  const errors: SimErrorShapes = {
    fault: (kind) => errorResponse(kind === 'outage' ? serviceUnavailable(503) : serviceUnavailable(502)),
    rateLimited: (state) =>
      errorResponse(
        rateLimited(ratePolicyOf(state.policy), {
          intervalMs: state.windowMs,
          max: state.limit,
          remaining: state.remaining,
          dailyMax: opts.dailyLimit,
          dailyRemaining: opts.dailyLimit,
        }),
      ),
    notFound: (_method, path) => errorResponse(routeNotFound(path)),
    methodNotAllowed: (method) => errorResponse(methodNotAllowed(method)),
    badBody: (err) => errorResponse(invalidJson(err.message)),
    internal: (err) => errorResponse(err instanceof HubspotApiError ? err : internalError()),
  };

  const oauth: HubspotOAuthState = {
    clientId: opts.oauthClientId,
    clientSecret: opts.clientSecret,
    refreshTokens: new Set(opts.refreshTokens),
    accessTokens: new Map(),
    lifetimeS: opts.oauthTokenLifetimeS,
  };
  const authenticate = (req: SimRequest): SimResponse | null => {
    const header = req.headers.authorization;
    if (!header) return errorResponse(unauthorized('missing'));
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || (match[1] !== opts.accessToken && !isIssuedToken(oauth, match[1]!)))
      return errorResponse(unauthorized('invalid'));
    return null;
  };

  // Usage headers on every CRM response, as private-app calls get them; the limits shown are the
  // rate-limit knob's when it is on, HubSpot's Pro/Enterprise burst limit otherwise.
  const usage = new UsageCounter();
  const commonHeaders = (): Record<string, string> => {
    const knob = sim.knobs.rateLimit;
    const max = knob.enabled ? knob.limit : DEFAULT_BURST.max;
    const intervalMs = knob.enabled ? knob.windowMs : DEFAULT_BURST.intervalMs;
    const used = usage.take(intervalMs);
    return rateLimitHeaders({
      intervalMs,
      max,
      remaining: max - used.inWindow,
      dailyMax: opts.dailyLimit,
      dailyRemaining: opts.dailyLimit - used.today,
    });
  };

  // The harness owns the delivery queue; the emitter needs it, the portal needs the emitter, and
  // the routes need the portal — so the router is filled in after the harness exists.
  let portal: HubspotPortal | undefined;
  const router = new Router<SimHandler>();
  const sim = createSimServer({
    name: 'hubspot',
    router,
    contentType: CONTENT_TYPE,
    errors,
    authenticate,
    commonHeaders,
    admin: {
      resetData: () => {
        webhooks.clear();
        usage.reset();
        store.reset();
      },
      driftChanged: (rules) => {
        // The harness stores a rule before telling us; refuse the one just added if it cannot
        // apply (400), and leave older refused ones ignored so later rules still work.
        const rejected = schema.apply(rules);
        const newest = rejected.find((r) => r.index === rules.length - 1);
        if (newest) throw new SimEditError(newest.reason, 400);
      },
      edit: (edit) => portal!.edit(edit),
    },
    ...knobOptionsOf({ ...opts, random: input.random }),
  });
  const webhooks = new WebhookEmitter(sim.delivery, {
    clientSecret: opts.clientSecret,
    portalId: opts.portalId,
    appId: opts.appId,
    batchWindowMs: opts.webhookBatchWindowMs,
  });
  portal = new HubspotPortal(store, schema, webhooks);
  addHubspotRoutes(router, portal, { searchPerSecond: opts.searchRateLimitPerSecond, dailyLimit: opts.dailyLimit });
  router.add('POST', '/oauth/v1/token', 'oauth.token', (req) => handleHubspotToken(req, oauth), { isPublic: true });
  const { url, port } = await sim.listen(opts.port, opts.host);
  return {
    url,
    port,
    admin: new SimAdminClient(url),
    sim,
    portal,
    revokeOAuth() {
      oauth.refreshTokens.clear();
      oauth.accessTokens.clear();
      const next = `na1-${randomUUID()}`;
      oauth.refreshTokens.add(next);
      return next;
    },
    async close() {
      webhooks.clear();
      await sim.close();
    },
  };
}
