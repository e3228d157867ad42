import { z } from 'zod';
import { SimAdminClient } from '../common/admin-client.js';
import {
  Router,
  SimEditError,
  createSimServer,
  knobOptionsOf,
  simKnobOptionShape,
  type SimAccount,
  type SimAccountOptions,
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
import { HubspotTokens, oauthHandlers, portalOfTokenRequest } from './oauth.js';
import { define, type ObjectType, type PropertyDefinition } from './properties.js';
import { HubspotPortal } from './portal.js';
import { PropertySchema } from './property-schema.js';
import { DEFAULT_BURST, UsageCounter, rateLimitHeaders, rateLimited, ratePolicyOf } from './rate-limit-response.js';
import { addHubspotRoutes } from './routes.js';
import { HubspotStore, type HubspotBaseData, type HubspotData, type HubspotSeed } from './store.js';
import { generateHubspotDataset } from '../data/hubspot-dataset.js';
import { WebhookEmitter } from './webhooks.js';

/**
 * A HubSpot CRM v3 simulator that @hubspot/api-client (`new Client({ accessToken, basePath })`)
 * uses unchanged: contacts batch read/search/get/page/update, calls create/search/batch read,
 * deals batch read, v4 association batch read, properties, plus the shared `/__sim/` admin API
 * (latency, faults, rate limits, drift, webhooks, edits, counters, request log, reset).
 */

/** A custom property a portal adds (e.g. a do-not-call checkbox of its own). */
export const hubspotCustomProperty = z.object({
  object: z.enum(['contacts', 'deals', 'calls']),
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a HubSpot internal property name (lower case, digits, _)'),
  label: z.string().min(1).optional(),
  type: z.enum(['string', 'number', 'bool', 'enumeration', 'datetime', 'date', 'phone_number']),
  options: z.array(z.string().min(1)).optional(),
});
export type HubspotCustomProperty = z.infer<typeof hubspotCustomProperty>;

/** What one simulated portal is: its id, tokens, data, limits and knobs. */
const portalShape = {
  portalId: z.number().int().positive().default(62_515),
  /** Private-app token the portal accepts as `Authorization: Bearer …` */
  accessToken: z.string().min(1).default('dev-hubspot-token'),
  /** More private-app tokens of the same portal (rotation: old and new both work until one is dropped). */
  accessTokens: z.array(z.string().min(1)).default([]),
  /** OAuth refresh tokens of the app's install in this portal (`POST /oauth/v1/token`). */
  refreshTokens: z.array(z.string().min(1)).default(['dev-hubspot-refresh-token']),
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
  /** Custom properties this portal adds (values unset until written). */
  customProperties: z.array(hubspotCustomProperty).default([]),
};

/** A further portal on the same simulator (start option `portals`, or `POST /__sim/accounts`). */
export const hubspotPortalOptions = z.object({
  ...portalShape,
  portalId: z.number().int().positive(),
  accessToken: z.string().min(1),
  /** None by default: a refresh token names its portal, so two portals never share one. */
  refreshTokens: z.array(z.string().min(1)).default([]),
});
export type HubspotPortalOptions = z.input<typeof hubspotPortalOptions> & {
  dataset?: HubspotSeed;
  generated?: HubspotBaseData;
};

export const hubspotSimOptions = z.object({
  port: z.number().int().min(0).max(65_535),
  host: z.string().default('127.0.0.1'),
  /** App client secret: signs webhooks (signature v3) and authenticates the OAuth token endpoint */
  clientSecret: z.string().min(1).default('dev-hubspot-client-secret'),
  /** The OAuth app's client id (`POST /oauth/v1/token`); its client secret is `clientSecret`. */
  oauthClientId: z.string().min(1).default('dev-hubspot-client-id'),
  /** Lifetime of an OAuth access token, seconds (HubSpot: 1800). */
  oauthTokenLifetimeS: z.number().int().min(1).default(1800),
  appId: z.number().int().positive().default(1_160_452),
  /** The default portal */
  ...portalShape,
  /** More portals served by the same simulator, each with its own id, tokens, data and knobs. */
  portals: z.array(hubspotPortalOptions).default([]),
});
export type HubspotSimOptions = Omit<z.input<typeof hubspotSimOptions>, 'portals'> & {
  /** Records to serve instead of the built-in fixture (tests, benchmarks). */
  dataset?: HubspotSeed;
  /** An already generated portal (sim/data's HubspotDataset); never written, writes go to an overlay. */
  generated?: HubspotBaseData;
  /** Injectable randomness for latency and faults. */
  random?: () => number;
  portals?: HubspotPortalOptions[];
};

export interface HubspotSim {
  url: string;
  port: number;
  portalId: number;
  /** Admin API of the default portal; `admin.forAccount(String(portalId))` for another. */
  admin: SimAdminClient;
  /** In-process handles for tests: the HTTP harness (knobs, stats, delivery) and the default portal. */
  sim: SimServer;
  portal: HubspotPortal;
  /** Another portal's in-process handle. */
  portalOf(portalId: number): HubspotPortal | undefined;
  /** Adds a portal at run time (as `POST /__sim/accounts` does). */
  addPortal(portal: HubspotPortalOptions): { portalId: number };
  /** Ends issued OAuth access tokens (all, or one portal's): the next call answers 401. */
  expireSessions(portalId?: number): void;
  /** Revokes a portal's OAuth refresh and access tokens (an uninstalled app; default portal when none given); returns a new valid refresh token. */
  revokeOAuth(portalId?: number): string;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'application/json;charset=utf-8';

function errorResponse(err: HubspotApiError): SimResponse {
  return { status: err.status, body: err.body, headers: err.headers };
}

type PortalInput = z.output<typeof hubspotPortalOptions> & {
  dataset?: HubspotSeed;
  generated?: HubspotBaseData;
  random?: () => number;
};

/** Which records to serve; an explicit dataset wins over generation, generation over the fixture. */
function dataOf(input: PortalInput): HubspotData {
  if (input.generated) return { kind: 'generated', data: input.generated };
  if (input.dataset) return { kind: 'seed', seed: input.dataset };
  if (input.seed !== undefined || input.contacts !== undefined) {
    return { kind: 'generated', data: generateHubspotDataset({ seed: input.seed, contacts: input.contacts }) };
  }
  return { kind: 'seed', seed: hubspotFixture() };
}

function customDefinitions(custom: readonly HubspotCustomProperty[]) {
  const out: Partial<Record<ObjectType, PropertyDefinition[]>> = {};
  for (const c of custom) {
    const [def] = define(
      {
        [c.name]: {
          label: c.label ?? c.name,
          type: c.type,
          custom: true,
          ...(c.options ? { options: c.options } : {}),
        },
      },
      'contactinformation',
    );
    (out[c.object] ??= []).push(def!);
  }
  return out;
}

interface BuiltPortal extends SimAccountOptions {
  portal: HubspotPortal;
  /** The webhook emitter needs the account's delivery queue (and the headers its knobs), which exist once the account does. */
  bind(account: SimAccount): void;
  clearWebhooks(): void;
}

export async function startHubspotSim(input: HubspotSimOptions): Promise<HubspotSim> {
  const opts = hubspotSimOptions.parse(input);
  const tokens = new HubspotTokens();
  const app = {
    clientId: opts.oauthClientId,
    clientSecret: opts.clientSecret,
    appId: opts.appId,
    lifetimeS: opts.oauthTokenLifetimeS,
  };
  const oauth = oauthHandlers(app, tokens);
  const portals = new Map<number, BuiltPortal>();

  function buildPortal(p: PortalInput): BuiltPortal {
    const store = new HubspotStore(dataOf(p));
    const schema = new PropertySchema(customDefinitions(p.customProperties));
    for (const token of [p.accessToken, ...p.accessTokens]) tokens.privateApp.set(token, p.portalId);
    for (const token of p.refreshTokens) tokens.refresh.set(token, p.portalId);

    const authenticate = (req: SimRequest): SimResponse | null => {
      const header = req.headers.authorization;
      if (!header) return errorResponse(unauthorized('missing'));
      const match = /^Bearer\s+(.+)$/i.exec(header);
      // Another portal's token is as unknown here as a made-up one.
      if (!match || tokens.portalOf(match[1]!) !== p.portalId) return errorResponse(unauthorized('invalid'));
      return null;
    };

    // Usage headers on every CRM response, as private-app calls get them; the limits shown are the
    // rate-limit knob's when it is on, HubSpot's Pro/Enterprise burst limit otherwise.
    const usage = new UsageCounter();
    let account: SimAccount | undefined;
    const commonHeaders = (): Record<string, string> => {
      const knob = account!.knobs.rateLimit;
      const max = knob.enabled ? knob.limit : DEFAULT_BURST.max;
      const intervalMs = knob.enabled ? knob.windowMs : DEFAULT_BURST.intervalMs;
      const used = usage.take(intervalMs);
      return rateLimitHeaders({
        intervalMs,
        max,
        remaining: max - used.inWindow,
        dailyMax: p.dailyLimit,
        dailyRemaining: p.dailyLimit - used.today,
      });
    };

    let webhooks: WebhookEmitter | undefined;
    const router = new Router<SimHandler>();
    router.add('POST', '/oauth/v1/token', 'oauth.token', oauth.token, { isPublic: true });
    router.add('GET', '/oauth/v1/access-tokens/:token', 'oauth.accessTokenInfo', oauth.accessTokenInfo, {
      isPublic: true,
    });
    router.add('GET', '/oauth/v1/refresh-tokens/:token', 'oauth.refreshTokenInfo', oauth.refreshTokenInfo, {
      isPublic: true,
    });
    router.add('DELETE', '/oauth/v1/refresh-tokens/:token', 'oauth.revoke', oauth.revokeRefreshToken, {
      isPublic: true,
    });
    router.add('GET', '/account-info/v3/details', 'account.details', () => ({
      status: 200,
      body: {
        portalId: p.portalId,
        accountType: 'STANDARD',
        timeZone: 'US/Eastern',
        companyCurrency: 'USD',
        additionalCurrencies: [],
        utcOffset: '-05:00',
        utcOffsetMilliseconds: -18_000_000,
        uiDomain: 'app.hubspot.com',
        dataHostingLocation: 'na1',
      },
    }));
    // The portal's own routes need its emitter, which needs the account's delivery: filled in bind().
    const portalRef: { current?: HubspotPortal } = {};
    return {
      router,
      authenticate,
      commonHeaders,
      ...knobOptionsOf(p),
      admin: {
        resetData: () => {
          webhooks?.clear();
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
        edit: (edit) => portalRef.current!.edit(edit),
      },
      get portal() {
        return portalRef.current!;
      },
      bind(bound) {
        account = bound;
        webhooks = new WebhookEmitter(bound.delivery, {
          clientSecret: opts.clientSecret,
          portalId: p.portalId,
          appId: opts.appId,
          batchWindowMs: p.webhookBatchWindowMs,
        });
        const portal = new HubspotPortal(store, schema, webhooks);
        portalRef.current = portal;
        addHubspotRoutes(router, portal, { searchPerSecond: p.searchRateLimitPerSecond, dailyLimit: p.dailyLimit });
      },
      clearWebhooks: () => webhooks?.clear(),
    };
  }

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

  // eslint-disable-next-line prefer-const
  let sim: SimServer;

  function addPortal(p: PortalInput): { portalId: number } {
    if (portals.has(p.portalId)) throw new SimEditError(`portal ${p.portalId} already exists`, 409);
    for (const token of [p.accessToken, ...p.accessTokens, ...p.refreshTokens]) {
      if (tokens.privateApp.has(token) || tokens.refresh.has(token))
        throw new SimEditError(`a token of portal ${p.portalId} is already used by another portal`, 409);
    }
    const built = buildPortal(p);
    const { portal: _portal, bind: _bind, clearWebhooks: _clear, ...accountOptions } = built;
    built.bind(sim.addAccount(String(p.portalId), accountOptions));
    portals.set(p.portalId, built);
    return { portalId: p.portalId };
  }

  const defaultPortal = buildPortal({
    ...opts,
    dataset: input.dataset,
    generated: input.generated,
    random: input.random,
  });
  portals.set(opts.portalId, defaultPortal);
  const { portal: _portal, bind: _bind, clearWebhooks: _clear, ...defaultAccount } = defaultPortal;
  sim = createSimServer({
    name: 'hubspot',
    contentType: CONTENT_TYPE,
    errors,
    defaultAccount: String(opts.portalId),
    ...defaultAccount,
    accountOf(probe) {
      const match = /^Bearer\s+(.+)$/i.exec(String(probe.headers.authorization ?? ''));
      const portalId = match
        ? tokens.portalOf(match[1]!)
        : probe.path === '/oauth/v1/token'
          ? portalOfTokenRequest(probe.rawBody, tokens)
          : undefined;
      return portalId === undefined ? undefined : String(portalId);
    },
    accounts: {
      add(body) {
        const parsed = hubspotPortalOptions.safeParse(body);
        if (!parsed.success) throw new SimEditError(z.prettifyError(parsed.error), 400);
        return addPortal({ ...parsed.data, random: input.random });
      },
      list: () => [...portals.keys()].map((portalId) => ({ key: String(portalId), portalId })),
    },
  });
  defaultPortal.bind(sim.account(String(opts.portalId))!);
  for (const [i, p] of opts.portals.entries()) {
    const raw = input.portals?.[i];
    addPortal({ ...p, dataset: raw?.dataset, generated: raw?.generated, random: input.random });
  }

  const { url, port } = await sim.listen(opts.port, opts.host);
  return {
    url,
    port,
    portalId: opts.portalId,
    admin: new SimAdminClient(url),
    sim,
    portal: defaultPortal.portal,
    portalOf: (portalId) => portals.get(portalId)?.portal,
    addPortal: (p) =>
      addPortal({ ...hubspotPortalOptions.parse(p), dataset: p.dataset, generated: p.generated, random: input.random }),
    expireSessions: (portalId) => tokens.expire(portalId),
    revokeOAuth: (portalId = opts.portalId) => tokens.revoke(portalId),
    async close() {
      for (const p of portals.values()) p.clearWebhooks();
      await sim.close();
    },
  };
}
