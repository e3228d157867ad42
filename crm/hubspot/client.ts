import http from 'node:http';
import https from 'node:https';
import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { CrmCallError, type CrmApiBudget } from '../../shared/crm/connector.js';
import { isGrantRefusal, tokenFailure, type TokenSource } from '../../shared/crm/token-source.js';

/**
 * The HubSpot CRM v3/v4 calls dialplane makes, through the official client. Every response is
 * parsed with zod before it leaves this module, and every failure becomes a CrmCallError whose
 * kind the runtime turns into a breaker decision and an error code (429 -> rate_limited,
 * 5xx -> unavailable, no answer in time -> timeout). Callers never see an ApiException.
 */

/** HubSpot's documented limits and our own time budget, in one place. */
export const HUBSPOT_POLICY = {
  /** Inputs per batch read (contacts, deals, calls, associations). */
  batchLimit: 100,
  /**
   * Most batch loads in flight at once: the ceiling of the adaptive concurrency
   * (shared/crm/batch-concurrency.ts, CRM_BATCH_CONCURRENCY_MAX below it). It starts at one
   * (group commit: contacts asked for while a batch is in flight join the next one, so batches
   * fill under load) and rises only while the burst window (`X-HubSpot-RateLimit-Remaining`, 100-190
   * requests per 10 s per app; a batch costs about five) and the daily allowance have room; a 429
   * brings it back to one. A second batch spares a cold read the wait behind the one in flight.
   */
  maxConcurrentBatches: 8,
  /** Search page size; a phone matches a handful of contacts, not hundreds. */
  searchLimit: 100,
  /** A hot-path read that takes longer than this is treated as an outage (the breaker counts it). */
  timeoutMs: 2_000,
  /**
   * Total attempts made by the client's own retry decorator (1 = no retry). The client waits
   * 10 s on a TEN_SECONDLY 429, far beyond a voice agent's budget, so hot-path reads do not retry:
   * the cache serves stale and the breaker backs off instead.
   */
  attempts: 1,
} as const;

/** The calculated, digits-only phone properties HubSpot maintains for search. */
export const SEARCHABLE_PHONE_PROPERTIES = [
  'hs_searchable_calculated_phone_number',
  'hs_searchable_calculated_mobile_number',
  'hs_searchable_calculated_international_phone_number',
  'hs_searchable_calculated_international_mobile_number',
] as const;

/** The daily allowance headers HubSpot sends on private-app answers (lower-cased by the client). */
const rateLimitHeaders = z.object({
  'x-hubspot-ratelimit-daily': z.coerce.number().int().nonnegative(),
  'x-hubspot-ratelimit-daily-remaining': z.coerce.number().int().nonnegative(),
});

/** The burst window headers on the same answers (190 per 10 s for a Pro/Enterprise private app). */
const burstHeaders = z.object({
  'x-hubspot-ratelimit-max': z.coerce.number().int().positive(),
  'x-hubspot-ratelimit-remaining': z.coerce.number().int().nonnegative(),
  'x-hubspot-ratelimit-interval-milliseconds': z.coerce.number().int().positive(),
});

export type HubspotObjectType = 'contacts' | 'deals' | 'calls';

/** Endpoint names, identical to the simulator's counters so metrics and sim stats line up. */
export type HubspotEndpoint =
  | 'contacts.batchRead'
  | 'contacts.search'
  | 'deals.batchRead'
  | 'calls.batchRead'
  | 'associations.batchRead'
  | 'properties.list'
  | 'contacts.page'
  | 'deals.search';

/**
 * Wraps every HTTP request the client makes (metrics: CrmMetrics.call). It sees the CrmCallError,
 * so outcomes are counted by kind.
 */
export type CallInstrument = <T>(endpoint: HubspotEndpoint, fn: () => Promise<T>) => Promise<T>;

// The client deserializes ISO dates into Date objects; accept both so the shape is the wire shape.
const isoDate = z.union([z.date(), z.string()]).transform((v) => (v instanceof Date ? v.toISOString() : v));

/**
 * A HubSpot object as read. `properties` keeps the distinction drift detection depends on: a
 * requested property that exists but is empty comes back as null, a property that does not exist
 * (renamed, removed) is omitted.
 */
export const hubspotObjectSchema = z.object({
  id: z.coerce.string(),
  // HubSpot sends every value as a string; a stray number or boolean is read as its text rather
  // than failing the whole batch (the mapping judges each value on its own).
  properties: z.record(
    z.string(),
    z
      .union([z.string(), z.number(), z.boolean()])
      .nullable()
      .transform((v) => (v === null ? null : String(v))),
  ),
  createdAt: isoDate.optional(),
  updatedAt: isoDate.optional(),
  archived: z.boolean().optional(),
});
export type HubspotObject = z.infer<typeof hubspotObjectSchema>;

const batchResponseSchema = z.object({
  status: z.string().optional(),
  results: z.array(hubspotObjectSchema),
  // 207 lists the ids it did not find here; absence from `results` already says "not found".
  errors: z.array(z.unknown()).optional(),
});

const searchResponseSchema = z.object({
  total: z.number().optional(),
  results: z.array(hubspotObjectSchema),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});

// The client renames the wire field `from` to `_from`; read either so a client upgrade is harmless.
const associationResultSchema = z
  .object({
    _from: z.object({ id: z.coerce.string() }).optional(),
    from: z.object({ id: z.coerce.string() }).optional(),
    to: z.array(z.object({ toObjectId: z.coerce.string() })),
  })
  .transform((r, ctx) => {
    const fromId = r._from?.id ?? r.from?.id;
    if (!fromId) {
      ctx.addIssue({ code: 'custom', message: 'association result without from.id' });
      return z.NEVER;
    }
    return { fromId, toIds: r.to.map((t) => t.toObjectId) };
  });
const associationResponseSchema = z.object({ results: z.array(associationResultSchema) });

export const hubspotPropertySchema = z.object({
  name: z.string(),
  label: z.string().optional(),
  type: z.string(),
  fieldType: z.string().optional(),
  options: z.array(z.object({ value: z.string(), label: z.string().optional() })).optional(),
  hubspotDefined: z.boolean().optional(),
  calculated: z.boolean().optional(),
});
export type HubspotProperty = z.infer<typeof hubspotPropertySchema>;
const propertiesResponseSchema = z.object({ results: z.array(hubspotPropertySchema) });

export interface HubspotClientOptions {
  baseUrl: string;
  accessToken: string;
  /**
   * A stored connection's tokens (docs/connections.md): each request carries the current one
   * (OAuth tokens expire after 30 min) instead of `accessToken`; a 401 hands it back.
   */
  tokens?: TokenSource;
  timeoutMs?: number;
  attempts?: number;
  instrument?: CallInstrument;
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class HubspotClient {
  private readonly client: Client;
  private readonly apis: {
    contacts: Client['crm']['contacts']['batchApi'];
    deals: Client['crm']['deals']['batchApi'];
    calls: Client['crm']['objects']['calls']['batchApi'];
    search: Client['crm']['contacts']['searchApi'];
    associations: Client['crm']['associations']['v4']['batchApi'];
    properties: Client['crm']['properties']['coreApi'];
    contactPages: Client['crm']['contacts']['basicApi'];
    dealSearch: Client['crm']['deals']['searchApi'];
  };
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly instrument: CallInstrument;

  private readonly tokens: TokenSource | undefined;
  private lastToken: string | undefined;

  constructor(options: HubspotClientOptions) {
    this.tokens = options.tokens;
    // Keep-alive: the hot path makes small requests back to back; a new TCP connection each time
    // would cost more than the request itself.
    const url = new URL(options.baseUrl);
    this.agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.timeoutMs = options.timeoutMs ?? HUBSPOT_POLICY.timeoutMs;
    const attempts = options.attempts ?? HUBSPOT_POLICY.attempts;
    this.instrument = options.instrument ?? ((_endpoint, fn) => fn());
    this.client = new Client({
      accessToken: options.accessToken,
      basePath: options.baseUrl.replace(/\/+$/, ''),
      numberOfApiCallRetries: attempts > 1 ? attempts : 0,
      httpAgent: this.agent,
    });
    // The client keeps its retry/limiter decorators in a process-wide singleton that every
    // `new Client()` overwrites and applies lazily on first access; touching the APIs now binds
    // ours before another client in the same process (e.g. the write-back worker) replaces them.
    this.apis = {
      contacts: this.client.crm.contacts.batchApi,
      deals: this.client.crm.deals.batchApi,
      calls: this.client.crm.objects.calls.batchApi,
      search: this.client.crm.contacts.searchApi,
      associations: this.client.crm.associations.v4.batchApi,
      properties: this.client.crm.properties.coreApi,
      contactPages: this.client.crm.contacts.basicApi,
      dealSearch: this.client.crm.deals.searchApi,
    };
  }

  /** Batch-reads objects by id, ≤ 100 per call, calls in parallel; missing ids are simply absent. */
  async batchRead(
    type: HubspotObjectType,
    ids: readonly string[],
    properties: readonly string[],
  ): Promise<HubspotObject[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const endpoint = `${type}.batchRead` as const;
    const api = this.apis[type];
    const pages = await Promise.all(
      chunk(unique, HUBSPOT_POLICY.batchLimit).map((part) =>
        this.call(endpoint, () =>
          api.read(
            { inputs: part.map((id) => ({ id })), properties: [...properties], propertiesWithHistory: [] },
            false,
            this.observeAnswers,
          ),
        ).then((raw) => parse(batchResponseSchema, raw, endpoint).results),
      ),
    );
    return pages.flat();
  }

  /** v4 associations batch read: contact id -> associated object ids (first page, enough for open deals and recent calls). */
  async readAssociations(
    from: 'contacts',
    to: 'deals' | 'calls',
    ids: readonly string[],
  ): Promise<Map<string, string[]>> {
    const unique = [...new Set(ids)];
    const out = new Map<string, string[]>();
    if (unique.length === 0) return out;
    const pages = await Promise.all(
      chunk(unique, HUBSPOT_POLICY.batchLimit).map((part) =>
        this.call('associations.batchRead', () =>
          this.apis.associations.getPage(from, to, { inputs: part.map((id) => ({ id })) }, this.observeAnswers),
        ).then((raw) => parse(associationResponseSchema, raw, 'associations.batchRead').results),
      ),
    );
    for (const r of pages.flat()) out.set(r.fromId, [...(out.get(r.fromId) ?? []), ...r.toIds]);
    return out;
  }

  /**
   * Contacts holding a number in any phone field, by HubSpot's calculated digits-only copies: the
   * national digits on the two national properties, country code + national digits on the two
   * international ones. One filter group per property, so the groups OR (filters in a group AND).
   * Returns ids only: the runtime loads the contacts through the cache like any other read.
   */
  async searchContactIdsByPhone(digits: { national: string; international: string }): Promise<string[]> {
    if (!/^\d{4,20}$/.test(digits.national) || !/^\d{4,20}$/.test(digits.international)) return [];
    const filterGroups = SEARCHABLE_PHONE_PROPERTIES.map((propertyName) => ({
      filters: [
        {
          propertyName,
          operator: 'EQ',
          value: propertyName.includes('international') ? digits.international : digits.national,
        },
      ],
    }));
    const raw = await this.call('contacts.search', () =>
      // The generated types want enum members for operators; the wire format is the plain string.
      this.apis.search.doSearch(
        {
          filterGroups: filterGroups as never,
          properties: ['hs_object_id'],
          limit: HUBSPOT_POLICY.searchLimit,
          sorts: [],
        },
        this.observeAnswers,
      ),
    );
    return parse(searchResponseSchema, raw, 'contacts.search').results.map((r) => r.id);
  }

  /**
   * One page of a contact search (incremental reads): filters AND within a group, groups OR,
   * `after` is the offset HubSpot returned. Results in the response's `paging.next.after` order.
   */
  async searchContacts(request: {
    filterGroups: { filters: { propertyName: string; operator: string; value?: string }[] }[];
    sorts: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }[];
    properties: readonly string[];
    limit: number;
    after?: string;
  }): Promise<{ results: HubspotObject[]; after: string | null; total: number | null }> {
    const raw = await this.call('contacts.search', () =>
      // The generated types want enum members for operators and sorts; the wire format is plain strings.
      this.apis.search.doSearch(
        {
          ...request,
          properties: [...request.properties],
          after: request.after,
          filterGroups: request.filterGroups as never,
          sorts: request.sorts as never,
        },
        this.observeAnswers,
      ),
    );
    const page = parse(searchResponseSchema, raw, 'contacts.search');
    return { results: page.results, after: page.paging?.next?.after ?? null, total: page.total ?? null };
  }

  /**
   * One page of every contact (`GET /crm/v3/objects/contacts?limit&after`), for full reads such
   * as the audit: ≤ 100 a page, `after` from the previous page's `paging.next.after`.
   */
  async contactsPage(
    after: string | null,
    properties: readonly string[],
    limit = 100,
  ): Promise<{ results: HubspotObject[]; after: string | null }> {
    const raw = await this.call('contacts.page', () =>
      this.apis.contactPages.getPage(
        limit,
        after ?? undefined,
        [...properties],
        undefined,
        undefined,
        false,
        this.observeAnswers,
      ),
    );
    const page = parse(searchResponseSchema, raw, 'contacts.page');
    return { results: page.results, after: page.paging?.next?.after ?? null };
  }

  /** One page of a deal search (filters AND, `after` the offset HubSpot returned). */
  async searchDeals(request: {
    filters: { propertyName: string; operator: string; value?: string }[];
    properties: readonly string[];
    limit: number;
    after?: string;
  }): Promise<{ results: HubspotObject[]; after: string | null }> {
    const raw = await this.call('deals.search', () =>
      this.apis.dealSearch.doSearch(
        {
          filterGroups: [{ filters: request.filters }] as never,
          sorts: [],
          properties: [...request.properties],
          limit: request.limit,
          after: request.after,
        },
        this.observeAnswers,
      ),
    );
    const page = parse(searchResponseSchema, raw, 'deals.search');
    return { results: page.results, after: page.paging?.next?.after ?? null };
  }

  /** v4 associations deal -> contacts, ≤ 100 deals a call (first page of each). */
  async dealContacts(dealIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const part of chunk([...new Set(dealIds)], HUBSPOT_POLICY.batchLimit)) {
      const raw = await this.call('associations.batchRead', () =>
        this.apis.associations.getPage(
          'deals',
          'contacts',
          { inputs: part.map((id) => ({ id })) },
          this.observeAnswers,
        ),
      );
      for (const r of parse(associationResponseSchema, raw, 'associations.batchRead').results)
        out.set(r.fromId, [...(out.get(r.fromId) ?? []), ...r.toIds]);
    }
    return out;
  }

  /** The portal's property definitions for one object type (mapping check). */
  async listProperties(type: HubspotObjectType): Promise<HubspotProperty[]> {
    const raw = await this.call('properties.list', () =>
      this.apis.properties.getAll(type, false, undefined, this.observeAnswers),
    );
    return parse(propertiesResponseSchema, raw, 'properties.list').results;
  }

  /** Drops pooled connections (including ones stuck on a hung request). */
  close(): void {
    this.agent.destroy();
  }

  /** The daily allowance from the `X-HubSpot-RateLimit-Daily*` headers of the last answer; null until one carried them. */
  apiBudget(): CrmApiBudget | null {
    return this.budget;
  }

  private budget: CrmApiBudget | null = null;

  /**
   * Per-call options that let us read each answer's headers. They go on every call because the
   * generated client applies the middleware of `new Client({ middleware })` only to calls that
   * pass options of their own; 'replace' keeps the call otherwise exactly as without options.
   */
  private readonly observeAnswers = {
    middleware: [
      {
        pre: (ctx: unknown) => this.authorize(ctx),
        post: (ctx: unknown) => (this.noteBudget(ctx), this.noteRefused(ctx), Promise.resolve(ctx)),
      },
    ],
    middlewareMergeStrategy: 'replace',
  } as never;

  /** With a token source, the request carries its current token (the client's own is a placeholder). */
  private async authorize(ctx: unknown): Promise<unknown> {
    if (!this.tokens) return ctx;
    const { accessToken } = await this.tokens.token();
    this.lastToken = accessToken;
    (ctx as { setHeaderParam(key: string, value: string): void }).setHeaderParam(
      'Authorization',
      `Bearer ${accessToken}`,
    );
    return ctx;
  }

  /** A 401 with the source's token: hand it back, so the next request gets a new one (one grant). */
  private noteRefused(ctx: unknown): void {
    if (this.tokens && this.lastToken && (ctx as { httpStatusCode?: unknown }).httpStatusCode === 401)
      this.tokens.rejected(this.lastToken);
  }

  private noteBudget(ctx: unknown): void {
    const headers = (ctx as { headers?: unknown } | null)?.headers;
    const parsed = rateLimitHeaders.safeParse(headers);
    if (!parsed.success) return;
    const limit = parsed.data['x-hubspot-ratelimit-daily'];
    const remaining = parsed.data['x-hubspot-ratelimit-daily-remaining'];
    const burst = burstHeaders.safeParse(headers);
    this.budget = {
      used: Math.max(0, limit - remaining),
      limit,
      remaining,
      window: 'daily',
      reportedAtMs: Date.now(),
      ...(burst.success
        ? {
            burst: {
              limit: burst.data['x-hubspot-ratelimit-max'],
              remaining: burst.data['x-hubspot-ratelimit-remaining'],
              intervalMs: burst.data['x-hubspot-ratelimit-interval-milliseconds'],
            },
          }
        : {}),
    };
  }
  private call<T>(endpoint: HubspotEndpoint, fn: () => Promise<T>): Promise<T> {
    const tokens = this.tokens;
    if (!tokens) return this.instrument(endpoint, () => this.attempt(endpoint, fn));
    return this.instrument(endpoint, async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await this.attempt(endpoint, fn);
          tokens.succeeded?.();
          if (this.budget) tokens.budget?.(this.budget);
          return result;
        } catch (error) {
          // A 401 handed the token back (noteRefused): one replay with the next token (one grant
          // for all callers). A fresh token refused too is the connection's auth failure. 403 is a
          // missing scope, which no new token of the same grant fixes.
          if (error instanceof CrmCallError && error.status === 401 && error.kind === 'auth') {
            if (attempt === 0) continue;
            tokens.refused?.('HTTP_401');
          }
          throw error;
        }
      }
    });
  }

  /** One HTTP call, bounded by the client's deadline; every failure a CrmCallError. */
  private async attempt<T>(endpoint: HubspotEndpoint, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // The client has no abort signal; a race bounds our wait and the breaker counts the timeout.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CrmCallError(
              'hubspot',
              endpoint,
              'timeout',
              `HubSpot ${endpoint}: no answer within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (error) {
      // The token source refused to grant (revoked refresh token): the CRM's refusal, not a network error.
      if (this.tokens && isGrantRefusal(error)) throw tokenFailure('hubspot', endpoint, error);
      throw toCrmCallError(error, endpoint);
    } finally {
      clearTimeout(timer);
    }
  }
}

function parse<S extends z.ZodType>(schema: S, raw: unknown, endpoint: HubspotEndpoint): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    // The response envelope itself changed: nothing in it can be trusted. (A missing *property*
    // is not this: properties are checked one by one by the mapping, as drift.)
    const where = result.error.issues
      .slice(0, 3)
      .map((i) => i.path.join('.') || '(root)')
      .join(', ');
    throw new CrmCallError(
      'hubspot',
      endpoint,
      'invalid_response',
      `HubSpot ${endpoint}: unexpected response shape at ${where}`,
    );
  }
  return result.data;
}

/** Any failure of the HubSpot client -> a CrmCallError (kind decides breaker and error code); never a body. */
export function toCrmCallError(error: unknown, endpoint: HubspotEndpoint): CrmCallError {
  if (error instanceof CrmCallError) return error;
  // ApiException is a different class per generated module; recognise it by shape.
  const status = typeof (error as { code?: unknown })?.code === 'number' ? (error as { code: number }).code : undefined;
  const fail = (kind: CrmCallError['kind'], what: string) =>
    new CrmCallError('hubspot', endpoint, kind, `HubSpot ${endpoint}: ${what}`, status, { cause: error });
  if (status === undefined) return fail('network', 'network error');
  if (status === 429) return fail('rate_limited', 'rate limited (429)');
  // A bad or revoked token: nothing the caller can fix, and nothing a retry will fix soon.
  if (status === 401 || status === 403) return fail('auth', `credentials refused (${status})`);
  if (status === 408 || status >= 500) return fail('unavailable', `server error (${status})`);
  return fail('rejected', `request rejected (${status})`);
}
