import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { ERROR_CODES, ErrorCode } from '../../shared/errors.js';
import type { Identity, Role } from '../../shared/identity.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { createRedisConnection, type RedisConnection } from '../../shared/redis.js';
import type { GatewayContext } from '../gateway-context.js';
import { graphqlRuntime } from '../graphql-runtime.js';
import { CallerConcurrency } from './caller-concurrency.js';
import { callerKey, createCallerRateLimiter, type CallerRateLimiter, type RateLimit } from './caller-rate-limit.js';
import { createDemandControl, type DemandControl, type DemandLimits } from './demand-control.js';
import { createTrustedDocuments, type TrustedDocuments, type TrustedDocumentsMode } from './trusted-documents.js';

/**
 * The gateway's door policy for overload and abuse, applied after authentication and before any
 * planning, for every way an operation arrives (HTTP POST and GET, which then take the CRM fast
 * lane or Apollo; queries over graphql-ws; subscriptions):
 * 1. per-caller concurrency cap and rate limit (RATE_LIMITED + Retry-After);
 * 2. trusted documents: ids resolved to registered texts; unregistered texts refused for
 *    agent/service callers when enforced (PERSISTED_QUERY_NOT_FOUND / DOCUMENT_NOT_REGISTERED);
 * 3. demand control: token, depth, alias, directive and list limits, cost budget per role
 *    (QUERY_TOO_COMPLEX).
 */
export interface AdmissionConfig {
  /** Demand-control limits and budgets (unset fields: defaults). `false` turns demand control off. */
  limits?: Partial<DemandLimits> | false;
  /** Per-role request rates; `false` (or unset) turns rate limiting off. */
  rateLimits?: Partial<Record<Role, RateLimit>> | false;
  /** Concurrent requests per caller per replica; unset: no cap. */
  maxInFlightPerCaller?: number;
  trustedDocuments?: { mode: TrustedDocumentsMode; manifest: Readonly<Record<string, string>> };
  /** Redis shared by replicas for the rate limit (unset: in-process). */
  redisUrl?: string;
  redisCommandTimeoutMs?: number;
  /** Key prefix of the shared rate-limit counters (tests isolate with a unique one). */
  redisKeyPrefix?: string;
}

export interface Refusal {
  status: number;
  headers: Record<string, string>;
  error: GraphQLFormattedError & { extensions: { code: ErrorCode } };
}

export interface OperationBody {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

function refusalOf(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Refusal {
  return { status: ERROR_CODES[code].httpStatus, headers, error: { message, extensions: { ...extensions, code } } };
}

export class Admission {
  private readonly demand?: DemandControl;
  private readonly trusted?: TrustedDocuments;
  private readonly rate?: CallerRateLimiter;
  private readonly concurrency?: CallerConcurrency;
  private readonly redis?: RedisConnection;

  constructor(config: AdmissionConfig, schema: GraphQLSchema, metrics: Metrics, log: Logger) {
    if (config.limits !== false) this.demand = createDemandControl({ schema, limits: config.limits ?? {}, metrics });
    if (config.trustedDocuments) this.trusted = createTrustedDocuments(config.trustedDocuments);
    if (config.rateLimits) {
      if (config.redisUrl)
        this.redis = createRedisConnection({
          url: config.redisUrl,
          commandTimeoutMs: config.redisCommandTimeoutMs,
          log,
          name: 'gateway-rate-limit',
        });
      this.rate = createCallerRateLimiter({
        limits: config.rateLimits,
        ...(this.redis ? { redis: this.redis } : {}),
        ...(config.redisKeyPrefix ? { keyPrefix: config.redisKeyPrefix } : {}),
        redisTimeoutMs: config.redisCommandTimeoutMs,
        metrics,
      });
    }
    if (config.maxInFlightPerCaller) this.concurrency = new CallerConcurrency(config.maxInFlightPerCaller);
  }

  /** Rate and concurrency for one request; on admission, call `release` when the answer is sent. */
  async enter(identity: Identity): Promise<{ release: () => void } | Refusal> {
    let release: () => void = () => undefined;
    if (this.concurrency) {
      const slot = this.concurrency.tryEnter(callerKey(identity));
      if (!slot)
        return refusalOf(
          ErrorCode.RATE_LIMITED,
          'Too many concurrent requests from this caller.',
          { limit: 'concurrency', retryAfterMs: 100 },
          { 'retry-after': '1' },
        );
      release = slot;
    }
    if (this.rate) {
      const decision = await this.rate.consume(identity);
      if (!decision.allowed) {
        release();
        return refusalOf(
          ErrorCode.RATE_LIMITED,
          'Request rate limit exceeded for this caller.',
          { limit: 'rate', retryAfterMs: decision.retryAfterMs },
          { 'retry-after': String(Math.ceil(decision.retryAfterMs / 1000)) },
        );
      }
    }
    return { release };
  }

  /**
   * Trusted documents then demand control for one operation. Returns the body to run (ids
   * replaced by their text, the persisted-query extension consumed) or a refusal. Bodies that are
   * not operations (no query, wrong types) pass unchanged: Apollo answers them as before.
   */
  admitOperation(body: OperationBody, identity: Identity): { body: OperationBody } | Refusal {
    let admitted = body;
    // An id this gateway cannot resolve (it has no manifest) is a document it does not know; the
    // client may then send the text (the persisted-query protocol), never a bare "no query" error.
    if (!this.trusted && body.documentId !== undefined && body.query === undefined) {
      return refusalOf(
        ErrorCode.PERSISTED_QUERY_NOT_FOUND,
        'This gateway has no registered documents; send the query text.',
      );
    }
    if (this.trusted) {
      const resolution = this.trusted.resolve(body, identity);
      if (resolution.kind === 'refused') return refusalOf(resolution.code, resolution.message);
      if (resolution.changed) {
        const { documentId: _, extensions: __, ...rest } = body;
        admitted = {
          ...rest,
          query: resolution.query,
          ...(resolution.extensions ? { extensions: resolution.extensions } : {}),
        };
      }
    }
    if (this.demand && typeof admitted.query === 'string') {
      const variables =
        typeof admitted.variables === 'object' && admitted.variables !== null && !Array.isArray(admitted.variables)
          ? (admitted.variables as Record<string, unknown>)
          : null;
      const operationName = typeof admitted.operationName === 'string' ? admitted.operationName : null;
      const refused = this.demand.check({ query: admitted.query, operationName, variables }, identity);
      if (refused) return refusalOf(refused.code, refused.message, refused.extensions);
    }
    return { body: admitted };
  }

  /** GET: the same checks on the URL's parameters; returns the search string to hand to Apollo. */
  admitSearch(url: URL, identity: Identity): { search: string } | Refusal {
    const params = url.searchParams;
    const json = (name: string): unknown => {
      const raw = params.get(name);
      if (raw === null) return undefined;
      try {
        return JSON.parse(raw);
      } catch {
        return raw; // Apollo answers the malformed parameter.
      }
    };
    const body: OperationBody = {
      query: params.get('query') ?? undefined,
      operationName: params.get('operationName') ?? undefined,
      variables: json('variables'),
      extensions: json('extensions'),
      documentId: params.get('documentId') ?? undefined,
    };
    const admitted = this.admitOperation(body, identity);
    if ('status' in admitted) return admitted;
    if (admitted.body === body) return { search: url.search };
    const next = new URLSearchParams(params);
    next.delete('documentId');
    next.delete('extensions');
    next.set('query', String(admitted.body.query));
    if (admitted.body.extensions) next.set('extensions', JSON.stringify(admitted.body.extensions));
    return { search: `?${next.toString()}` };
  }

  /**
   * Operations that reach Apollo without passing the HTTP door (queries and mutations sent over
   * graphql-ws): the same checks, before planning.
   */
  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async ({ request, contextValue }) => {
          if (contextValue.admitted) return;
          const admitted = this.admitOperation(
            {
              query: request.query,
              operationName: request.operationName,
              variables: request.variables,
              extensions: request.extensions,
            },
            contextValue.identity,
          );
          if ('status' in admitted) throw toGraphQLError(admitted);
        },
      }),
    };
  }

  async close(): Promise<void> {
    this.rate?.close();
    await this.redis?.close();
  }
}

export function toGraphQLError(refusal: Refusal) {
  return new graphqlRuntime.GraphQLError(refusal.error.message, {
    extensions: { ...refusal.error.extensions, http: { status: refusal.status } },
  });
}
