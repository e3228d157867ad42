import jsforce from 'jsforce';
import type { Connection as JsforceConnection } from 'jsforce';
import { z } from 'zod';
import { CrmCallError, type CrmApiBudget } from '../../shared/crm/connector.js';
import { isGrantRefusal, type TokenSource } from '../../shared/crm/token-source.js';

/**
 * The Salesforce REST client: jsforce's Connection with an OAuth 2.0 client_credentials grant
 * against SALESFORCE_LOGIN_URL (jsforce re-runs the grant when a token expires). jsforce's own
 * retries are switched off and every call has a deadline: the runtime's circuit breaker and
 * stale cache are the failure policy, and a hung CRM must not hold a voice agent's request.
 * Every response is parsed with zod before anything reads it.
 */

export const SALESFORCE_POLICY = {
  /** Per-call deadline. Salesforce p99 is well under this; a hang becomes a timeout quickly. */
  callTimeoutMs: 2_500,
  /** Ids per batch load: SOQL `IN (…)` lists travel in a GET URL, keep them well under URL limits. */
  maxIdsPerBatch: 200,
  /**
   * Most batch loads in flight at once: the ceiling of the adaptive concurrency
   * (shared/crm/batch-concurrency.ts, CRM_BATCH_CONCURRENCY_MAX below it). It starts at one (group
   * commit: every contact asked for while a batch query is in flight joins the next one, so the
   * org's daily API quota goes to full batches) and rises only while `Sforce-Limit-Info` shows the
   * daily allowance with room; REQUEST_LIMIT_EXCEEDED brings it back to one. Salesforce caps
   * concurrent long-running requests at 25 per org; these queries are short.
   */
  maxConcurrentBatches: 8,
} as const;

/** Endpoint names, as the simulator counts them and our metrics label them. */
export type SalesforceEndpoint =
  | 'oauth.token'
  | 'query'
  | 'query.more'
  | 'collections.retrieve'
  | 'sobject.describe'
  | 'search';

export type CallInstrument = <T>(endpoint: SalesforceEndpoint, fn: () => Promise<T>) => Promise<T>;

export interface SalesforceClientOptions {
  loginUrl: string;
  instanceUrl: string;
  clientId: string;
  clientSecret: string;
  apiVersion: string;
  timeoutMs?: number;
  /** Wraps every call for metrics (createCrmMetrics(...).call). */
  instrument?: CallInstrument;
  /** A stored connection's tokens (docs/connections.md): used instead of running a grant here. */
  tokens?: TokenSource;
}

const QueryResult = z.object({
  totalSize: z.number(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(z.record(z.string(), z.unknown())),
});
export type QueryResult = z.infer<typeof QueryResult>;

/** Collections retrieve: one entry per id, null where the id does not exist. */
const RetrieveResult = z.array(z.record(z.string(), z.unknown()).nullable());

/** SOSL: `{searchRecords:[…]}` on recent API versions, a bare array on old ones. */
const SearchResult = z.union([
  z.object({ searchRecords: z.array(z.object({ Id: z.string() }).loose()) }),
  z.array(z.object({ Id: z.string() }).loose()),
]);

export const DescribeField = z
  .object({
    name: z.string(),
    type: z.string(),
    picklistValues: z.array(z.object({ value: z.string(), active: z.boolean().optional() }).loose()).optional(),
  })
  .loose();
export const DescribeResult = z.object({ name: z.string(), fields: z.array(DescribeField) }).loose();
export type DescribeResult = z.infer<typeof DescribeResult>;

interface TransportLike {
  httpRequest(req: unknown, options?: Record<string, unknown>): unknown;
}

/** Switches jsforce's built-in retries off and sets a deadline on every request of a transport. */
function boundTransport(transport: TransportLike, timeoutMs: number): void {
  const original = transport.httpRequest.bind(transport);
  transport.httpRequest = (req, options = {}) =>
    original(req, { ...options, retry: { maxRetries: 0 }, timeout: timeoutMs });
}

export class SalesforceClient {
  private readonly conn: JsforceConnection;
  private authorizing: Promise<void> | undefined;
  private readonly instrument: CallInstrument;
  private readonly tokens: TokenSource | undefined;

  constructor(options: SalesforceClientOptions) {
    this.tokens = options.tokens;
    const timeoutMs = options.timeoutMs ?? SALESFORCE_POLICY.callTimeoutMs;
    this.instrument = options.instrument ?? ((_endpoint, fn) => fn());
    this.conn = new jsforce.Connection({
      loginUrl: options.loginUrl,
      instanceUrl: options.instanceUrl,
      version: options.apiVersion,
      oauth2: { loginUrl: options.loginUrl, clientId: options.clientId, clientSecret: options.clientSecret },
      // An expired token (401) re-runs the client_credentials grant (or, for a stored connection,
      // asks its token source once for all callers); jsforce replays the call.
      refreshFn: (conn, callback) => {
        const tokens = options.tokens;
        if (tokens) {
          if (conn.accessToken) tokens.rejected(conn.accessToken);
          tokens
            .token()
            .then((t) => callback(undefined, t.accessToken))
            .catch((error: Error) => callback(error));
          return;
        }
        this.instrument('oauth.token', () => conn.oauth2.requestToken({ grant_type: 'client_credentials' }))
          .then((res) => callback(undefined, res.access_token, res))
          .catch((error: Error) => callback(error));
      },
    });
    const internals = this.conn as unknown as { _transport: TransportLike; oauth2: { _transport: TransportLike } };
    boundTransport(internals._transport, timeoutMs);
    boundTransport(internals.oauth2._transport, timeoutMs);
  }

  /** Runs the client_credentials grant once (concurrent callers share it). */
  private ensureAuthorized(): Promise<void> {
    if (this.conn.accessToken) return Promise.resolve();
    const tokens = this.tokens;
    this.authorizing ??= this.instrument('oauth.token', async () => {
      try {
        if (tokens) {
          const granted = await tokens.token();
          this.conn.accessToken = granted.accessToken;
          if (granted.instanceUrl) this.conn.instanceUrl = granted.instanceUrl;
          return;
        }
        await this.conn.authorize({ grant_type: 'client_credentials' });
      } catch (error) {
        throw toCrmCallError(error, 'oauth.token');
      }
    }).finally(() => {
      this.authorizing = undefined;
    });
    return this.authorizing;
  }

  /**
   * The daily API allowance from the `Sforce-Limit-Info` header of the last answer (jsforce keeps
   * it in `limitInfo`); null until an answer carried it.
   */
  apiBudget(): CrmApiBudget | null {
    return this.budget;
  }

  private budget: CrmApiBudget | null = null;

  private noteBudget(): void {
    const usage = (this.conn as unknown as { limitInfo?: { apiUsage?: { used: number; limit: number } } }).limitInfo
      ?.apiUsage;
    if (usage && Number.isFinite(usage.used) && Number.isFinite(usage.limit)) {
      this.budget = {
        used: usage.used,
        limit: usage.limit,
        remaining: Math.max(0, usage.limit - usage.used),
        window: 'daily',
        reportedAtMs: Date.now(),
      };
    }
  }

  private async call<T>(
    endpoint: SalesforceEndpoint,
    schema: z.ZodType<T>,
    fn: (conn: JsforceConnection) => Promise<unknown>,
  ): Promise<T> {
    await this.ensureAuthorized();
    return this.instrument(endpoint, async () => {
      let body: unknown;
      try {
        body = await fn(this.conn);
      } catch (error) {
        const failure = toCrmCallError(error, endpoint);
        // A fresh token refused after jsforce's one re-authorization: the connection's health
        // (a refused grant is recorded where the grant ran, in ConnectionTokens).
        if (failure.kind === 'auth' && !isGrantRefusal(error))
          this.tokens?.refused?.(sfErrorCode(failure) ?? 'INVALID_SESSION_ID');
        throw failure;
      } finally {
        this.noteBudget();
      }
      if (this.tokens) {
        this.tokens.succeeded?.();
        if (this.budget) this.tokens.budget?.(this.budget);
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success)
        throw new CrmCallError(
          'salesforce',
          endpoint,
          'invalid_response',
          `${endpoint}: response did not match the expected shape`,
        );
      return parsed.data;
    });
  }

  /** `POST /composite/sobjects/{type}` with `{ids, fields}`: one call for up to 2000 ids. */
  retrieve(
    type: string,
    ids: readonly string[],
    fields: readonly string[],
  ): Promise<(Record<string, unknown> | null)[]> {
    return this.call(
      'collections.retrieve',
      RetrieveResult,
      (conn) => conn.retrieve(type, [...ids], { fields: [...fields] }) as Promise<unknown>,
    );
  }

  /** `GET /query?q=` (first batch only; see queryMore). */
  query(soql: string): Promise<QueryResult> {
    return this.call('query', QueryResult, (conn) =>
      conn.request({ method: 'GET', url: `/query?q=${encodeURIComponent(soql)}` }),
    );
  }

  /** `GET /query/{locator}` for the next batch (jsforce keeps only the last path segment). */
  queryMore(nextRecordsUrl: string): Promise<QueryResult> {
    const locator = nextRecordsUrl.split('/').pop() ?? '';
    return this.call('query.more', QueryResult, (conn) => conn.request({ method: 'GET', url: `/query/${locator}` }));
  }

  /** SOSL through jsforce's `conn.search`; returns the records' ids. */
  async search(sosl: string): Promise<string[]> {
    const result = await this.call('search', SearchResult, (conn) => conn.search(sosl) as Promise<unknown>);
    const records = Array.isArray(result) ? result : result.searchRecords;
    return records.map((r) => r.Id);
  }

  describe(type: string): Promise<DescribeResult> {
    return this.call('sobject.describe', DescribeResult, (conn) =>
      conn.request({ method: 'GET', url: `/sobjects/${type}/describe` }),
    );
  }

  async close(): Promise<void> {
    // jsforce holds no sockets of its own (node-fetch with default agents); nothing to release.
  }
}

/** jsforce error → CrmCallError. Branches on Salesforce error codes, never on messages. */
export function toCrmCallError(error: unknown, endpoint: SalesforceEndpoint): CrmCallError {
  if (error instanceof CrmCallError) return error;
  const e = (error ?? {}) as { name?: string; errorCode?: string; code?: string; type?: string; message?: string };
  const code = e.errorCode ?? e.name ?? '';
  const message = `${endpoint}: ${code || 'error'}`;
  const http = /^ERROR_HTTP_(\d{3})$/.exec(code);
  const status = http ? Number(http[1]) : undefined;
  const kind: CrmCallError['kind'] =
    e.name === 'AbortError' || e.type === 'aborted' || /timeout/i.test(e.type ?? '')
      ? 'timeout'
      : e.code === 'ECONNREFUSED' ||
          e.code === 'ECONNRESET' ||
          e.code === 'EPIPE' ||
          e.type === 'system' ||
          e.name === 'FetchError'
        ? 'network'
        : code === 'REQUEST_LIMIT_EXCEEDED' || status === 429 || status === 420
          ? 'rate_limited'
          : code === 'INVALID_SESSION_ID' || code === 'invalid_client' || code === 'invalid_grant' || status === 401
            ? 'auth'
            : code === 'INVALID_FIELD' ||
                code === 'MALFORMED_QUERY' ||
                code === 'INVALID_TYPE' ||
                code === 'NOT_FOUND' ||
                code === 'INVALID_QUERY_FILTER_OPERATOR' ||
                code === 'MALFORMED_ID' ||
                code === 'INVALID_SEARCH' ||
                (status !== undefined && status >= 400 && status < 500)
              ? 'rejected'
              : 'unavailable';
  const err = new CrmCallError('salesforce', endpoint, kind, message, status, { cause: error });
  (err as CrmCallError & { sfErrorCode?: string }).sfErrorCode = code || undefined;
  return err;
}

/** The Salesforce error code behind a CrmCallError (INVALID_FIELD, …), when there was one. */
export function sfErrorCode(error: unknown): string | undefined {
  return (error as { sfErrorCode?: string } | undefined)?.sfErrorCode;
}

/** SOQL string literal (ids are validated before they get here; quotes escaped anyway). */
export function soqlQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
