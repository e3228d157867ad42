import { z } from 'zod';
import { DEV_SECRETS } from '../../shared/config.js';
import { webhookSignatureHeaders } from '../../shared/webhook-signature.js';
import {
  createSimServer,
  knobOptionsOf,
  Router,
  SimEditError,
  simKnobOptionShape,
  type SimAccountOptions,
  type SimHandler,
  type SimRequest,
  type SimResponse,
  type SimServer,
} from '../common/sim-server.js';
import { SimAdminClient } from '../common/admin-client.js';
import { SchemaView } from './schema-view.js';
import { INTEGRATION_USER_ID, SalesforceStore } from './store.js';
import { generateSalesforceDataset, type SalesforceDataset } from '../data/index.js';
import { SfError, sfErrorResponse, SF_CONTENT_TYPE } from './sf-error.js';
import {
  bearerToken,
  handleTokenRequest,
  newRefreshToken,
  ORG_ID,
  orgOfTokenRequest,
  tokenParams,
  type OAuthSettings,
  type Session,
} from './oauth.js';
import { f } from './schema.js';
import { buildCdcEvent } from './change-events.js';
import { applySalesforceEdit } from './edits.js';
import * as rest from './rest-handlers.js';

const orgIdSchema = z.string().regex(/^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$/, 'an org id (00D…, 15 or 18 characters)');

/** A custom field an org adds to a standard object (e.g. `Contact.Do_Not_Call__c`); values start unset. */
export const salesforceCustomField = z.object({
  object: z.enum(['Account', 'Contact', 'Opportunity', 'OpportunityContactRole', 'Task']),
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'a custom field API name ending in __c'),
  type: z.enum(['boolean', 'string', 'picklist', 'phone', 'email', 'date', 'datetime', 'double', 'textarea']),
  label: z.string().min(1).optional(),
  picklist: z.array(z.string().min(1)).optional(),
});
export type SalesforceCustomField = z.infer<typeof salesforceCustomField>;

/** What one simulated org is: its id, data, connected app, login, limits and knobs. */
const orgShape = {
  /** Org id (`00D…`); tokens it issues start with its first 15 characters. */
  orgId: orgIdSchema.optional(),
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
  /** Refresh tokens the `refresh_token` grant honours (a connection's OAuth refresh-token credentials). */
  refreshTokens: z.array(z.string().min(1)).default(['dev-salesforce-refresh-token']),
  /** Refresh Token Rotation: each refresh answers a new refresh token and retires the one spent. */
  rotateRefreshTokens: z.boolean().default(false),
  /**
   * API request allowance per 24 hours, reported in Sforce-Limit-Info; beyond it
   * REQUEST_LIMIT_EXCEEDED. The count starts again 24 h after the window's first request (orgs count
   * a rolling 24 h), so a long-running `npm start` with its periodic drift checks never runs dry.
   */
  dailyApiLimit: z.number().int().min(1).default(100_000),
  /** Access tokens accepted without an OAuth round trip (benchmarks, manual curl). */
  staticAccessTokens: z.array(z.string()).default([]),
  /** Custom fields this org adds (values unset until written; checkboxes read false). */
  customFields: z.array(salesforceCustomField).default([]),
};

/** A further org on the same simulator (start option `orgs`, or `POST /__sim/accounts`). */
export const salesforceOrgOptions = z.object({
  ...orgShape,
  orgId: orgIdSchema,
  /** None by default: a refresh token names its org, so two orgs never share one. */
  refreshTokens: z.array(z.string().min(1)).default([]),
});
export type SalesforceOrgOptions = z.input<typeof salesforceOrgOptions> & {
  /** Seed data; defaults to sim/data's generated org for (seed, contacts). */
  dataset?: SalesforceDataset;
};

export const salesforceSimOptions = z.object({
  /** 0 = ephemeral (tests) */
  port: z.number().int().min(0).max(65535).default(4101),
  host: z.string().default('127.0.0.1'),
  /** The default org: the fields of one org, org id `00DDp0000000001AAA` unless given. */
  ...orgShape,
  /** Records per SOQL page (real: 2000); lower it to exercise paging with little data. */
  queryBatchSize: z.number().int().min(1).max(2000).default(2000),
  /**
   * Build the child/phone indexes at start (default: orgs up to 200,000 contacts; bigger ones
   * build them on first use, ~10 s per million tasks on the dev machine).
   */
  prebuildIndexes: z.boolean().optional(),
  /** URL put in `instance_url` (defaults to the sim's own URL). */
  instanceUrl: z.string().url().optional(),
  /** More orgs served by the same simulator, each with its own id, data, credentials and knobs. */
  orgs: z.array(salesforceOrgOptions).default([]),
});
export type SalesforceSimOptions = Omit<z.input<typeof salesforceSimOptions>, 'orgs'> & {
  /** Seed data; defaults to sim/data's generated org for (seed, contacts). Reset drops its writes. */
  dataset?: SalesforceDataset;
  random?: () => number;
  orgs?: SalesforceOrgOptions[];
};

export interface SalesforceSim {
  url: string;
  port: number;
  /** Org id of the default org. */
  orgId: string;
  /** Admin API of the default org; `admin.forAccount(orgId)` for another. */
  admin: SimAdminClient;
  /** Adds an org at run time (as `POST /__sim/accounts` does). */
  addOrg(org: SalesforceOrgOptions): Promise<{ orgId: string }>;
  /** Invalidates every issued access token, or only one org's (next call answers 401 INVALID_SESSION_ID). */
  expireSessions(orgId?: string): void;
  /** Revokes the org's refresh tokens (default org when none given; the next grant answers invalid_grant); returns a new valid one. */
  revokeRefreshTokens(orgId?: string): string;
  close(): Promise<void>;
}

const API = '/services/data/:version';

/** Header naming the org of a change event (the signing relay's; one CDC subscription per org). */
export const ORG_ID_HEADER = 'x-dialplane-org-id';

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
 * (`loginUrl`/`instanceUrl` = the returned `url`). One simulator hosts several orgs: a token
 * works only against the org that issued it, and each org has its own data and knobs.
 */
export async function startSalesforceSim(input: SalesforceSimOptions = {}): Promise<SalesforceSim> {
  const opts = salesforceSimOptions.parse(input);
  const defaultOrgId = opts.orgId ?? ORG_ID;
  /** Every issued or static access token, with its org (one map: the account lookup is one get). */
  const sessions = new Map<string, Session>();
  const orgs = new Map<string, OAuthSettings>();
  let baseUrl = '';
  const version = 'v59.0';
  // URLs handed to clients use the host they reached us by (a container name, not 0.0.0.0).
  const originOf = (req: SimRequest) =>
    typeof req.headers.host === 'string' && req.headers.host ? `http://${req.headers.host}` : baseUrl;

  type OrgInput = z.output<typeof salesforceOrgOptions> & { dataset?: SalesforceDataset; random?: () => number };

  /** Builds one org: its schema, store, sessions, routes and admin hooks. */
  function buildOrg(org: OrgInput): BuiltOrg {
    const dataset = org.dataset ?? generateSalesforceDataset({ seed: org.seed, contacts: org.contacts });
    const schema = new SchemaView();
    for (const custom of org.customFields) {
      schema.addField(
        custom.object,
        f(custom.name, custom.type, {
          ...(custom.label ? { label: custom.label } : {}),
          ...(custom.picklist ? { picklist: custom.picklist } : {}),
          custom: true,
        }),
      );
    }
    schema.apply([]);
    const settings: OAuthSettings = {
      orgId: org.orgId,
      clientId: org.clientId,
      clientSecret: org.clientSecret,
      username: org.username,
      password: org.password,
      refreshTokens: new Set(org.refreshTokens),
      rotateRefreshTokens: org.rotateRefreshTokens,
    };
    for (const token of org.staticAccessTokens)
      sessions.set(token, { orgId: org.orgId, userId: INTEGRATION_USER_ID, issuedAt: Date.now() });
    let apiUsage = 0;
    let usageWindowStart = 0;
    let replayId = 0;
    let cursorSeq = 0;
    const delivery: { send?: SimServer['delivery']['send'] } = {};
    const store = new SalesforceStore(schema, dataset, org.seed, (change) => {
      const event = buildCdcEvent(change, schema, ++replayId, version);
      const body = JSON.stringify(event);
      // Signed per attempt: a retry carries a fresh timestamp, inside the receiver's replay window.
      delivery.send?.(`${change.object}ChangeEvent`, () => ({
        body,
        // The org the event comes from: real CDC is one subscription per org, so the relay that
        // forwards it knows the org and names it (a receiver with several orgs routes by it).
        headers: { ...webhookSignatureHeaders(org.webhookSecret, body), [ORG_ID_HEADER]: org.orgId },
      }));
    });
    if (opts.prebuildIndexes ?? org.contacts <= 200_000) store.prebuildIndexes();

    const ctx: rest.SalesforceContext = {
      orgId: org.orgId,
      schema,
      store,
      version,
      queryBatchSize: opts.queryBatchSize,
      cursors: new Map(),
      nextCursor: () => `01gDp${String(++cursorSeq).padStart(10, '0')}AAA`,
    };

    const v = (h: rest.SfHandler) => rest.versioned(ctx, h);
    const router = new Router<SimHandler>()
      .add(
        'POST',
        '/services/oauth2/token',
        'oauth.token',
        (req) =>
          handleTokenRequest(
            req,
            settings,
            { loginUrl: originOf(req), instanceUrl: opts.instanceUrl ?? originOf(req) },
            sessions,
          ),
        { isPublic: true },
      )
      .add('GET', '/services/data', 'versions', rest.versions, { isPublic: true })
      .add(
        'GET',
        API,
        'resources',
        v((c, req) => ({ status: 200, body: rest.resources(c.version, originOf(req), org.orgId) })),
      )
      .add('GET', '/id/:org/:user', 'identity', (req) =>
        // A token reads its own org's identity only; another org's id URL is not found.
        req.params.org === org.orgId || req.params.org === org.orgId.slice(0, 15)
          ? { status: 200, body: identityOf(org.orgId, req.params.user, originOf(req), org.username) }
          : sfErrorResponse(404, 'NOT_FOUND', 'The requested resource does not exist'),
      )
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
        body: {
          DailyApiRequests: { Max: org.dailyApiLimit, Remaining: Math.max(0, org.dailyApiLimit - apiUsage) },
        },
      }));

    return {
      settings,
      router,
      ...knobOptionsOf(org),
      commonHeaders: () => ({ 'Sforce-Limit-Info': `api-usage=${apiUsage}/${org.dailyApiLimit}` }),
      authenticate(req): SimResponse | null {
        // A token of another org is as unknown here as a made-up one.
        if (sessions.get(bearerToken(req.headers))?.orgId !== org.orgId)
          return sfErrorResponse(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
        const now = Date.now();
        if (now - usageWindowStart >= 86_400_000) {
          usageWindowStart = now;
          apiUsage = 0;
        }
        apiUsage++;
        if (apiUsage > org.dailyApiLimit)
          return sfErrorResponse(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
        return null;
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
      bindDelivery: (queue) => {
        delivery.send = queue.send.bind(queue);
      },
    };
  }

  // eslint-disable-next-line prefer-const
  let sim: SimServer;

  function addOrg(org: OrgInput): { orgId: string } {
    if (orgs.has(org.orgId)) throw new SimEditError(`org ${org.orgId} already exists`, 409);
    for (const other of orgs.values()) {
      if (other.clientId === org.clientId)
        throw new SimEditError(`client id ${org.clientId} is already used by org ${other.orgId}`, 409);
      if (other.username === org.username)
        throw new SimEditError(`username ${org.username} is already used by org ${other.orgId}`, 409);
      if (org.refreshTokens.some((t) => other.refreshTokens.has(t)))
        throw new SimEditError(`a refresh token of org ${org.orgId} is already org ${other.orgId}'s`, 409);
    }
    const built = buildOrg(org);
    const { settings: _settings, bindDelivery: _bind, ...accountOptions } = built;
    const account = sim.addAccount(org.orgId, accountOptions);
    built.bindDelivery(account.delivery);
    orgs.set(org.orgId, built.settings);
    return { orgId: org.orgId };
  }

  const defaultOrg = buildOrg({ ...opts, orgId: defaultOrgId, dataset: input.dataset, random: input.random });
  orgs.set(defaultOrgId, defaultOrg.settings);
  const { settings: _settings, bindDelivery: _bind, ...defaultAccount } = defaultOrg;
  sim = createSimServer({
    name: 'salesforce',
    contentType: SF_CONTENT_TYPE,
    defaultAccount: defaultOrgId,
    ...defaultAccount,
    accountOf(probe) {
      const token = bearerToken(probe.headers);
      if (token) return sessions.get(token)?.orgId;
      if (probe.path === '/services/oauth2/token') return orgOfTokenRequest(tokenParams(probe), [...orgs.values()]);
      return undefined;
    },
    accounts: {
      add(body) {
        const parsed = salesforceOrgOptions.safeParse(body);
        if (!parsed.success) throw new SimEditError(z.prettifyError(parsed.error), 400);
        return addOrg({ ...parsed.data, random: input.random });
      },
      list: () =>
        [...orgs.values()].map((o) => ({
          key: o.orgId,
          orgId: o.orgId,
          clientId: o.clientId,
          username: o.username,
        })),
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
  });
  defaultOrg.bindDelivery(sim.delivery);
  for (const org of opts.orgs) {
    const dataset = input.orgs?.find((o) => o.orgId === org.orgId)?.dataset;
    addOrg({ ...org, dataset, random: input.random });
  }

  const { url, port } = await sim.listen(opts.port, opts.host);
  baseUrl = url;
  return {
    url,
    port,
    orgId: defaultOrgId,
    admin: new SimAdminClient(url),
    addOrg: async (org) => {
      const parsed = salesforceOrgOptions.parse(org);
      return addOrg({ ...parsed, dataset: org.dataset, random: input.random });
    },
    expireSessions: (orgId) => {
      for (const [token, session] of sessions)
        if (orgId === undefined || session.orgId === orgId) sessions.delete(token);
    },
    revokeRefreshTokens: (orgId = defaultOrgId) => {
      const settings = orgs.get(orgId);
      if (!settings) throw new Error(`unknown org ${orgId}`);
      settings.refreshTokens.clear();
      const next = newRefreshToken();
      settings.refreshTokens.add(next);
      return next;
    },
    close: () => sim.close(),
  };
}

/** One org ready to become a simulator account. */
interface BuiltOrg extends SimAccountOptions {
  settings: OAuthSettings;
  /** The store's change callback needs the account's delivery queue, which exists only once the account does. */
  bindDelivery(queue: SimServer['delivery']): void;
}
