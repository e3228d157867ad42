import {
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  diag,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
// Type-only: the SDK and the exporter are loaded by `startTracing` when tracing is configured, so a
// process without tracing never loads them (start-up time, memory).
import type { NodeTracerProvider, Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { TracingConfig } from './config.js';
import type { Logger } from './logger.js';

/**
 * OpenTelemetry traces (docs/operations.md#traces). This module owns the SDK: an entry point calls
 * `startTracing` once and `shutdown()` (which flushes) on its way out. Everything else uses the
 * helpers below, which do nothing at all while tracing is off: no SDK is loaded into the API, no
 * span object is made, no header is written, so the call-start path costs one boolean test.
 *
 * Spans are explicit (no auto-instrumentation): the HTTP server span of every route, the gateway's
 * subgraph fetches (which carry W3C `traceparent`), the CRM client calls, the write-back job from
 * enqueue (its context travels in the job's payload) to the CRM write, and the decisions.
 * @apollo/gateway adds its own planning and execution spans through the same global API.
 */

/** Span attribute names of dialplane's own (ids only: never a phone, name, email or transcript). */
export const SpanAttr = {
  service: 'dialplane.service',
  requestId: 'dialplane.request.id',
  subgraph: 'dialplane.subgraph',
  crm: 'dialplane.crm',
  crmEndpoint: 'dialplane.crm.endpoint',
  /** The voice platform's own id of the call, and which platform (`vapi`, `retell`, …). */
  callId: 'dialplane.call.id',
  platform: 'dialplane.platform',
  /** Our compliance decision's id (callPermission / authorizeCall, echoed by call outcomes). */
  decisionId: 'dialplane.decision.id',
  decisionAllowed: 'dialplane.decision.allowed',
  decisionReasons: 'dialplane.decision.reasons',
  policyVersion: 'dialplane.policy.version',
  outcomeId: 'dialplane.outcome.id',
  writeBackId: 'dialplane.writeback.id',
  attempt: 'dialplane.writeback.attempt',
} as const;

/** The W3C trace context of a span, as it travels in a job's payload (validated when read back). */
export const TraceCarrier = z.object({
  traceparent: z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/),
  tracestate: z.string().max(512).optional(),
});
export type TraceCarrier = z.infer<typeof TraceCarrier>;

export interface Tracing {
  /** Ends tracing for this caller; the last one flushes pending spans and unregisters the SDK. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** The part's name (`service.name` unless OTEL_SERVICE_NAME says otherwise). */
  service: string;
  /** Export here instead of OTLP (tests: an in-memory exporter), synchronously per span. */
  exporter?: SpanExporter;
  /** Where the SDK's own warnings go (a collector that does not answer, dropped spans). */
  log?: Logger;
}

let provider: NodeTracerProvider | undefined;
let starting: Promise<void> | undefined;
let users = 0;
const TRACER = 'dialplane';

/** True while an SDK is registered; every helper checks it first. */
export function tracingActive(): boolean {
  return provider !== undefined;
}

/**
 * Starts the SDK when `config` is set (or a test exporter is given): W3C trace context, the
 * AsyncLocalStorage context manager, batched OTLP/HTTP export. Without either it loads and starts
 * nothing. Several parts of one process (`npm start`, tests) share one SDK: the first call sets it up.
 */
export async function startTracing(config: TracingConfig | undefined, options: StartTracingOptions): Promise<Tracing> {
  if (!config && !options.exporter) return { shutdown: async () => {} };
  users++;
  try {
    await (starting ??= register(config, options));
  } catch (error) {
    users--;
    starting = undefined;
    throw error;
  }
  let done = false;
  return {
    async shutdown() {
      if (done) return;
      done = true;
      if (--users > 0 || !provider) return;
      const ending = provider;
      provider = undefined;
      starting = undefined;
      // Flushes what is batched; an unreachable collector is reported through diag, never thrown
      // (shutting down must not fail because traces could not leave).
      await ending.shutdown().catch((error: unknown) => diag.warn('flush on shutdown failed', error));
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}

async function register(config: TracingConfig | undefined, options: StartTracingOptions): Promise<void> {
  const [sdk, { W3CTraceContextPropagator }, { resourceFromAttributes }, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  let processor: SpanProcessor;
  if (options.exporter) processor = new sdk.SimpleSpanProcessor(options.exporter);
  else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new sdk.BatchSpanProcessor(
      new OTLPTraceExporter({ url: config!.otlp.url, headers: config!.otlp.headers }),
    );
  }
  const created = new sdk.NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config?.serviceName ?? options.service }),
    sampler: samplerOf(sdk, config?.sampler ?? { kind: 'always_on', ratio: 1 }),
    spanProcessors: [processor],
  });
  created.register({ propagator: new W3CTraceContextPropagator() });
  if (options.log) {
    const log = options.log;
    const line = (message: string, args: unknown[]) =>
      log.warn(
        { detail: args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ') },
        `tracing: ${message}`,
      );
    diag.setLogger(
      {
        error: (m, ...a) => line(m, a),
        warn: (m, ...a) => line(m, a),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
  }
  provider = created;
}

function samplerOf(sdk: typeof import('@opentelemetry/sdk-trace-node'), sampler: TracingConfig['sampler']): Sampler {
  switch (sampler.kind) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return new sdk.TraceIdRatioBasedSampler(sampler.ratio);
    case 'parentbased_always_on':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(sampler.ratio) });
  }
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context (a remote one from headers or a job); default: the active context. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span (ended when `fn` settles; a throw is recorded as the span's
 * error). With tracing off it is `fn()` with no span.
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span?: Span) => Promise<T>): Promise<T> {
  if (!provider) return fn();
  const tracer = trace.getTracer(TRACER);
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Marks the active span failed with `error` (an error answered, not thrown, still counts). */
export function recordSpanError(error: unknown): void {
  if (!provider) return;
  const span = trace.getActiveSpan();
  span?.recordException(error instanceof Error ? error : String(error));
  span?.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
}

/**
 * `traceId` and `spanId` of the active span for a log line (nothing with tracing off or outside a
 * span). A fresh object each time: pino merges the line's own fields into what its mixin returns.
 */
export function traceLogFields(): Record<string, string> {
  if (!provider) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

/** Adds attributes to the active span (no-op with tracing off or outside a span). */
export function setSpanAttributes(attributes: Attributes): void {
  if (!provider) return;
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** Writes `traceparent` (and `tracestate`) of the active span into outgoing HTTP headers. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  if (!provider) return;
  propagation.inject(context.active(), headers);
}

const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** The remote parent named by an inbound request's `traceparent`, if any (ROOT_CONTEXT when off). */
export function contextFromHeaders(headers: IncomingHttpHeaders): Context {
  if (!provider || headers.traceparent === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, headerGetter);
}

/** The active span's trace context, to carry in a job's payload; undefined with tracing off. */
export function captureTraceCarrier(): TraceCarrier | undefined {
  if (!provider) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent
    ? { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) }
    : undefined;
}

/** The context a job continues from (its enqueuer's span), or ROOT_CONTEXT for none or a malformed one. */
export function contextFromCarrier(carrier: unknown): Context {
  if (!provider || carrier == null) return ROOT_CONTEXT;
  const parsed = TraceCarrier.safeParse(carrier);
  return parsed.success ? propagation.extract(ROOT_CONTEXT, parsed.data) : ROOT_CONTEXT;
}

/**
 * The SERVER span of one HTTP request (`POST /graphql`), continuing the caller's trace when it
 * sent `traceparent`; its status code is recorded when the handler is done.
 */
export function withServerSpan(
  service: string,
  route: string,
  req: IncomingMessage,
  res: ServerResponse,
  fn: () => Promise<void>,
): Promise<void> {
  if (!provider) return fn();
  const attributes: Attributes = {
    'http.request.method': req.method ?? 'GET',
    'http.route': route,
    [SpanAttr.service]: service,
  };
  const requestId = req.headers['x-request-id'];
  if (typeof requestId === 'string') attributes[SpanAttr.requestId] = requestId;
  return withSpan(
    `${req.method ?? 'GET'} ${route}`,
    { kind: SpanKind.SERVER, parent: contextFromHeaders(req.headers), attributes },
    async (span) => {
      try {
        await fn();
      } finally {
        span?.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
      }
    },
  );
}

export { SpanKind };
