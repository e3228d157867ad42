import { z } from 'zod';
import type { GraphQLFormattedError } from 'graphql';
import { DialplaneError, ErrorCode } from '../shared/errors.js';
import { IDENTITY_HEADER } from '../shared/identity.js';
import { SpanAttr, SpanKind, injectTraceHeaders, tracingActive, withSpan } from '../shared/tracing.js';
import type { GatewayContext } from './gateway-context.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { SubgraphHttpError, type SubgraphHttpClient } from './subgraph-http.js';

/** What a subgraph answered, validated just enough to merge it (the subgraph owns the data shape). */
const SubgraphResult = z.object({
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  errors: z.array(z.looseObject({ message: z.string() })).optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
});
export interface SubgraphResult {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

export interface SubgraphPayload {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/**
 * Thrown when a subgraph cannot answer at all. Carries SUBGRAPH_UNAVAILABLE and the subgraph's
 * name (never the request body) so the client sees which fields are missing and why.
 */
export class SubgraphUnavailableError extends DialplaneError {
  constructor(
    readonly subgraph: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      ErrorCode.SUBGRAPH_UNAVAILABLE,
      `Subgraph "${subgraph}" is unavailable (${reason}); the fields it owns are missing from this response.`,
      { subgraph, reason },
      options,
    );
    this.name = 'SubgraphUnavailableError';
  }
  toFormatted(path?: ReadonlyArray<string | number>): GraphQLFormattedError {
    return {
      message: this.message,
      ...(path ? { path } : {}),
      extensions: { code: this.code, subgraph: this.subgraph, reason: this.reason },
    };
  }
}

/** One subgraph deployment: a name, a URL and the shared keep-alive client. */
export class SubgraphEndpoint {
  readonly url: URL;

  constructor(
    readonly name: string,
    url: string,
    private readonly http: SubgraphHttpClient,
    private readonly metrics: GatewayMetrics,
  ) {
    this.url = new URL(url);
  }

  /** Sends one operation and answers the subgraph's validated result. */
  async send(
    payload: SubgraphPayload,
    context: Pick<GatewayContext, 'identityHeaderFor' | 'requestId'>,
  ): Promise<SubgraphResult> {
    const started = performance.now();
    const response = await this.transport(payload, context, started);
    return this.interpret(response, started);
  }

  /**
   * The fast lane's send: the subgraph's answer as text when it is a clean 200 without errors
   * (forwarded to the client byte for byte), else the validated result, as `send` gives it.
   */
  async sendForText(
    payload: SubgraphPayload,
    context: Pick<GatewayContext, 'identityHeaderFor' | 'requestId'>,
  ): Promise<{ text: string } | { result: SubgraphResult }> {
    const started = performance.now();
    const response = await this.transport(payload, context, started);
    // A clean answer is `{"data":...}` without errors; "errors" anywhere (even inside a value) means: parse and look.
    if (response.status === 200 && response.text.startsWith('{"data":') && !response.text.includes('"errors"')) {
      this.observe('ok', started);
      return { text: response.text };
    }
    return { result: this.interpret(response, started) };
  }

  private transport(
    payload: SubgraphPayload,
    context: Pick<GatewayContext, 'identityHeaderFor' | 'requestId'>,
    started: number,
  ): Promise<{ status: number; text: string }> {
    if (!tracingActive()) return this.post(payload, context, started);
    // A CLIENT span per fetch (every path: planned, both CRM fast path entries); its context goes to
    // the subgraph as `traceparent`.
    return withSpan(
      `POST ${this.name}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [SpanAttr.subgraph]: this.name,
          'http.request.method': 'POST',
          'server.address': this.url.hostname,
          'url.path': this.url.pathname,
        },
      },
      async (span) => {
        const response = await this.post(payload, context, started);
        span?.setAttribute('http.response.status_code', response.status);
        return response;
      },
    );
  }

  private async post(
    payload: SubgraphPayload,
    context: Pick<GatewayContext, 'identityHeaderFor' | 'requestId'>,
    started: number,
  ): Promise<{ status: number; text: string }> {
    try {
      // Serialized once: the identity header is signed over exactly these bytes.
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = {
        [IDENTITY_HEADER]: context.identityHeaderFor(body),
        'x-request-id': context.requestId,
      };
      injectTraceHeaders(headers);
      return await this.http.postText(this.url, body, headers);
    } catch (error) {
      if (!(error instanceof SubgraphHttpError)) throw error;
      this.observe(error.kind, started);
      throw new SubgraphUnavailableError(this.name, error.kind, { cause: error });
    }
  }

  /** Validates a subgraph answer and records the fetch; SubgraphUnavailableError when it is none. */
  private interpret(response: { status: number; text: string }, started: number): SubgraphResult {
    let outcome = 'ok';
    try {
      let body: unknown;
      try {
        body = JSON.parse(response.text);
      } catch {
        body = undefined;
      }
      const parsed = SubgraphResult.safeParse(body);
      if (!parsed.success) {
        outcome = 'invalid';
        throw new SubgraphUnavailableError(this.name, `HTTP ${response.status}, not a GraphQL response`);
      }
      // Status >= 400 with GraphQL errors (graphql-response+json validation errors, 401 from a
      // misconfigured secret) is still an answer: its errors say more than the status does.
      if (response.status >= 400 && !parsed.data.errors?.length) {
        outcome = 'status';
        throw new SubgraphUnavailableError(this.name, `HTTP ${response.status}`);
      }
      if (parsed.data.errors?.length) outcome = 'errors';
      return parsed.data as SubgraphResult;
    } finally {
      this.observe(outcome, started);
    }
  }

  private observe(outcome: string, started: number): void {
    this.metrics.subgraphFetchSeconds.observe({ subgraph: this.name, outcome }, (performance.now() - started) / 1000);
  }
}
