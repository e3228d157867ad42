import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEV_SECRETS } from '../../shared/config.js';
import { webhookSignatureHeaders } from '../../shared/webhook-signature.js';
import {
  createSimServer,
  knobOptionsOf,
  Router,
  simKnobOptionShape,
  type SimHandler,
  type SimRequest,
  type SimResponse,
} from '../common/sim-server.js';
import { SimAdminClient } from '../common/admin-client.js';
import { SchemaView } from './schema-view.js';
import { INTEGRATION_USER_ID, SalesforceStore } from './store.js';
import { generateSalesforceDataset, type SalesforceDataset } from '../data/index.js';
import { SfError, sfErrorResponse, SF_CONTENT_TYPE } from './sf-error.js';
import { handleTokenRequest, type Session } from './oauth.js';
import { buildCdcEvent } from './change-events.js';
import { applySalesforceEdit } from './edits.js';
import * as rest from './rest-handlers.js';

export const salesforceSimOptions = z.object({
  /** 0 = ephemeral (tests) */
  port: z.number().int().min(0).max(65535).default(4101),
  host: z.string().default('127.0.0.1'),
  seed: z.union([z.number(), z.string()]).default(1),
  /** Contacts in the seeded org (opportunities and tasks scale with it). */
  contacts: z.number().int().min(0).default(10_000),
  /** latency, faults, rateLimit, webhookTargets (CDC receivers), webhookRetry, requestLogSize */
  ...simKnobOptionShape,
  clientId: z.string().default('dialplane-dev'),
  clientSecret: z.string().default('dev-salesforce-secret'),
  /**
   * Change events are signed with this (dialplane webhook signature, shared/webhook-signature.ts),
   * standing in for the signing relay a real deployment puts in front of Salesforce CDC.
   */
  webhookSecret: z.string().min(1).default(DEV_SECRETS.SALESFORCE_WEBHOOK_SECRET),
  username: z.string().default('agent@dialplane.dev'),
  password: z.string().default('dev-password'),
  /**
   * API request allowance per 24 hours, reported in Sforce-Limit-Info; beyond it
   * REQUEST_LIMIT_EXCEEDED. The count starts again 24 h after the window's first request (orgs count
   * a rolling 24 h), so a long-running `npm start` with its periodic drift checks never runs dry.
   */
  dailyApiLimit: z.number().int().min(1).default(100_000),
  /** Records per SOQL page (real: 2000); lower it to exercise paging with little data. */
  queryBatchSize: z.number().int().min(1).max(2000).default(2000),
  /** Refresh tokens the refresh_token grant honours (a connection's OAuth refresh-token credentials). */
  refreshTokens: z.array(z.string().min(1)).default(['dev-salesforce-refresh-token']),
  /** Refresh Token Rotation: each refresh answers a new refresh token and retires the one spent. */
  rotateRefreshTokens: z.boolean().default(false),
  /** Access tokens accepted without an OAuth round trip (benchmarks, manual curl). */
  staticAccessTokens: z.array(z.string()).default([]),
  /**
   * Build the child/phone indexes at start (default: orgs up to 200,000 contacts; bigger ones
   * build them on first use, ~10 s per million tasks on the dev machine).
   */
  prebuildIndexes: z.boolean().optional(),
  /** URL put in `instance_url` (defaults to the sim's own URL). */
  instanceUrl: z.string().url().optional(),
});
export type SalesforceSimOptions = z.input<typeof salesforceSimOptions> & {
  /** Seed data; defaults to sim/data's generated org for (seed, contacts). Reset drops its writes. */
  dataset?: SalesforceDataset;
  random?: () => number;
};

export interface SalesforceSim {
  url: string;
  port: number;
  admin: SimAdminClient;
  /** Invalidates every issued access token (next call answers 401 INVALID_SESSION_ID). */
  expireSessions(): void;
  /** Revokes every refresh token (the next refresh_token grant answers invalid_grant); returns a new valid one. */
  revokeRefreshTokens(): string;
  close(): Promise<void>;
}

const API = '/services/data/:version';

/** `GET {id url}` as `conn.identity()` reads it (user and org ids, plus the usual profile fields). */
function identityOf(org: string, user: string, baseUrl: string, username: string) {
  return {
    id: `${baseUrl}/id/${org}/${user}`,
    asserted_user: true,
    user_id: user,
    organization_id: org,
    username,
    nick_name: 'agent',
    display_name: 'Dialplane Agent',
    email: username,
    active: true,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    urls: {
      rest: `${baseUrl}/services/data/v{version}/`,
      sobjects: `${baseUrl}/services/data/v{version}/sobjects/`,
      query: `${baseUrl}/services/data/v{version}/query/`,
    },
  };
}

/**
 * Starts the Salesforce REST simulator: OAuth token endpoint, SOQL (with paging), SOSL phone
 * search, sObject retrieve/create/update/upsert/describe, sObject Collections, CDC-shaped change
 * events, plus the common `/__sim/` admin API. jsforce works against it unchanged
 * (`loginUrl`/`instanceUrl` = the returned `url`).
 */
export async function startSalesforceSim(input: SalesforceSimOptions = {}): Promise<SalesforceSim> {
  const opts = salesforceSimOptions.parse(input);
  const dataset = input.dataset ?? generateSalesforceDataset({ seed: opts.seed, contacts: opts.contacts });
  const schema = new SchemaView();
  const sessions = new Map<string, Session>();
  const refreshTokens = { valid: new Set(opts.refreshTokens), rotate: opts.rotateRefreshTokens };
  for (const token of opts.staticAccessTokens)
    sessions.set(token, { userId: INTEGRATION_USER_ID, issuedAt: Date.now() });
  let apiUsage = 0;
  let usageWindowStart = 0;
  let replayId = 0;
  let cursorSeq = 0;
  let baseUrl = '';
  const version = 'v59.0';

  // eslint-disable-next-line prefer-const
  let sim: ReturnType<typeof createSimServer>;
  const store = new SalesforceStore(schema, dataset, opts.seed, (change) => {
    const event = buildCdcEvent(change, schema, ++replayId, version);
    const body = JSON.stringify(event);
    // Signed per attempt: a retry carries a fresh timestamp, inside the receiver's replay window.
    sim.delivery.send(`${change.object}ChangeEvent`, () => ({
      body,
      headers: webhookSignatureHeaders(opts.webhookSecret, body),
    }));
  });

  if (opts.prebuildIndexes ?? opts.contacts <= 200_000) store.prebuildIndexes();

  const ctx: rest.SalesforceContext = {
    schema,
    store,
    version,
    queryBatchSize: opts.queryBatchSize,
    cursors: new Map(),
    nextCursor: () => `01gDp${String(++cursorSeq).padStart(10, '0')}AAA`,
  };

  const v = (h: rest.SfHandler) => rest.versioned(ctx, h);
  // URLs handed to clients use the host they reached us by (a container name, not 0.0.0.0).
  const originOf = (req: SimRequest) =>
    typeof req.headers.host === 'string' && req.headers.host ? `http://${req.headers.host}` : baseUrl;
  const router = new Router<SimHandler>()
    .add(
      'POST',
      '/services/oauth2/token',
      'oauth.token',
      (req) =>
        handleTokenRequest(
          req,
          opts,
          { loginUrl: originOf(req), instanceUrl: opts.instanceUrl ?? originOf(req) },
          sessions,
          refreshTokens,
        ),
      { isPublic: true },
    )
    .add('GET', '/services/data', 'versions', rest.versions, { isPublic: true })
    .add(
      'GET',
      API,
      'resources',
      v((c, req) => ({ status: 200, body: rest.resources(c.version, originOf(req)) })),
    )
    .add('GET', '/id/:org/:user', 'identity', (req) => ({
      status: 200,
      body: identityOf(req.params.org, req.params.user, originOf(req), opts.username),
    }))
    .add('GET', `${API}/query`, 'query', v(rest.query))
    .add('GET', `${API}/queryAll`, 'query', v(rest.query))
    .add('GET', `${API}/query/:locator`, 'query.more', v(rest.queryMore))
    .add('GET', `${API}/queryAll/:locator`, 'query.more', v(rest.queryMore))
    .add('GET', `${API}/search`, 'search', v(rest.search))
    .add('GET', `${API}/sobjects`, 'sobject.list', v(rest.listSObjects))
    .add('GET', `${API}/sobjects/:type`, 'sobject.info', v(rest.sobjectInfo))
    .add('POST', `${API}/sobjects/:type`, 'sobject.create', v(rest.create))
    .add('GET', `${API}/sobjects/:type/describe`, 'sobject.describe', v(rest.describe))
    .add('GET', `${API}/sobjects/:type/:id`, 'sobject.retrieve', v(rest.retrieve))
    .add('PATCH', `${API}/sobjects/:type/:id`, 'sobject.update', v(rest.update))
    .add('GET', `${API}/sobjects/:type/:field/:value`, 'sobject.retrieve', v(rest.retrieveByExternalId))
    .add('PATCH', `${API}/sobjects/:type/:field/:value`, 'sobject.upsert', v(rest.upsert))
    .add('POST', `${API}/composite/sobjects`, 'composite.create', v(rest.compositeCreate))
    .add('PATCH', `${API}/composite/sobjects`, 'composite.update', v(rest.compositeUpdate))
    .add('POST', `${API}/composite/sobjects/:type`, 'collections.retrieve', v(rest.collectionsRetrieve))
    .add('GET', `${API}/composite/sobjects/:type`, 'collections.retrieve', v(rest.collectionsRetrieve))
    .add('PATCH', `${API}/composite/sobjects/:type/:field`, 'composite.upsert', v(rest.compositeUpsert))
    .add('GET', `${API}/limits`, 'limits', () => ({
      status: 200,
      body: { DailyApiRequests: { Max: opts.dailyApiLimit, Remaining: Math.max(0, opts.dailyApiLimit - apiUsage) } },
    }));

  sim = createSimServer({
    name: 'salesforce',
    router,
    contentType: SF_CONTENT_TYPE,
    ...knobOptionsOf({ ...opts, random: input.random }),
    commonHeaders: () => ({ 'Sforce-Limit-Info': `api-usage=${apiUsage}/${opts.dailyApiLimit}` }),
    authenticate(req): SimResponse | null {
      const auth = String(req.headers.authorization ?? '');
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : auth.startsWith('OAuth ') ? auth.slice(6) : '';
      if (!sessions.has(token)) return sfErrorResponse(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      const now = Date.now();
      if (now - usageWindowStart >= 86_400_000) {
        usageWindowStart = now;
        apiUsage = 0;
      }
      apiUsage++;
      if (apiUsage > opts.dailyApiLimit)
        return sfErrorResponse(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      return null;
    },
    errors: {
      fault: (kind) =>
        kind === 'outage'
          ? sfErrorResponse(503, 'SERVER_UNAVAILABLE', 'Salesforce is down for maintenance. Please try again later.')
          : sfErrorResponse(503, 'SERVER_UNAVAILABLE', 'Server is temporarily unavailable due to heavy load.'),
      rateLimited: (state) =>
        state.policy === 'ConcurrentRequests'
          ? sfErrorResponse(
              403,
              'REQUEST_LIMIT_EXCEEDED',
              'ConcurrentRequests (Concurrent API Requests) Limit exceeded.',
            )
          : sfErrorResponse(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
      notFound: () => sfErrorResponse(404, 'NOT_FOUND', 'The requested resource does not exist'),
      methodNotAllowed: (method) => sfErrorResponse(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed.`),
      badBody: () =>
        sfErrorResponse(400, 'JSON_PARSER_ERROR', 'Unexpected character in the request body: not valid JSON'),
      internal: (err) =>
        err instanceof SfError
          ? err.toResponse()
          : sfErrorResponse(
              500,
              'UNKNOWN_EXCEPTION',
              'An unexpected error occurred. Please include this ErrorId if you contact support: sim',
            ),
    },
    admin: {
      resetData() {
        store.reset();
        ctx.cursors.clear();
        apiUsage = 0;
      },
      driftChanged(rules) {
        schema.apply(rules);
        // Cursors hold projections built under the old schema; real orgs invalidate them too.
        ctx.cursors.clear();
      },
      edit: (edit) => applySalesforceEdit(edit, ctx),
    },
  });

  const { url, port } = await sim.listen(opts.port, opts.host);
  baseUrl = url;
  return {
    url,
    port,
    admin: new SimAdminClient(url),
    expireSessions: () => sessions.clear(),
    revokeRefreshTokens: () => {
      refreshTokens.valid.clear();
      const next = `5Aep861${randomBytes(32).toString('base64url')}`;
      refreshTokens.valid.add(next);
      return next;
    },
    close: () => sim.close(),
  };
}
