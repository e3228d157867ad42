import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadTracingConfig } from '../../shared/config.js';
import { createLogger, silentLogger } from '../../shared/logger.js';
import { captureTraceCarrier, startTracing, tracingActive, withSpan } from '../../shared/tracing.js';
import { createGatewayMetrics } from '../../gateway/gateway-metrics.js';
import { SubgraphEndpoint } from '../../gateway/subgraph-endpoint.js';
import { createSubgraphHttpClient } from '../../gateway/subgraph-http.js';

// Tracing is configured by the standard OTEL_* variables, starts nothing when they configure no
// export, and when they do, exports over OTLP/HTTP to the collector they name (flushed on shutdown).

describe('tracing configuration (OTEL_* variables)', () => {
  it('is off unless an export is configured, and off again when disabled', () => {
    expect(loadTracingConfig({})).toBeUndefined();
    expect(
      loadTracingConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }),
    ).toBeUndefined();
    expect(loadTracingConfig({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBeUndefined();
  });

  it('resolves the collector URL, headers and sampler', () => {
    expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp' })?.otlp.url).toBe('http://localhost:4318/v1/traces');
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })?.otlp.url).toBe(
      'http://collector:4318/v1/traces',
    );
    const full = loadTracingConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D, x-team=calls',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=voice',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_SERVICE_NAME: 'dialplane-gateway-eu',
    });
    expect(full).toEqual({
      otlp: { url: 'https://traces.example.com/otlp', headers: { 'x-api-key': 'abc==', 'x-team': 'voice' } },
      sampler: { kind: 'parentbased_traceidratio', ratio: 0.25 },
      serviceName: 'dialplane-gateway-eu',
    });
  });

  it('refuses what it cannot honour, naming the variable', () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadTracingConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).message;
      }
      throw new Error(`accepted ${JSON.stringify(env)}`);
    };
    expect(refused({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_EXPORTER: 'otlp' })).toMatch(
      /OTEL_EXPORTER_OTLP_PROTOCOL: only http\/json/,
    );
    expect(refused({ OTEL_TRACES_EXPORTER: 'jaeger' })).toMatch(/OTEL_TRACES_EXPORTER/);
    expect(refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector:4318' })).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(refused({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign' })).toMatch(
      /OTEL_EXPORTER_OTLP_HEADERS/,
    );
    expect(refused({ OTEL_TRACES_SAMPLER_ARG: '2' })).toMatch(/OTEL_TRACES_SAMPLER_ARG/);
  });
});

describe('tracing off, then on with an OTLP collector', () => {
  // A stand-in subgraph that records the headers of every request, and a stand-in collector.
  const received: IncomingHttpHeaders[] = [];
  const exported: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let subgraph: http.Server;
  let collector: http.Server;
  let endpoint: SubgraphEndpoint;
  const httpClient = createSubgraphHttpClient({ timeoutMs: 5_000 });
  const context = { identityHeaderFor: () => 'signed', requestId: 'req-1' };
  const urlOf = (server: http.Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  beforeAll(async () => {
    subgraph = http.createServer((req, res) => {
      received.push(req.headers);
      req
        .resume()
        .on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"ok":true}}'));
    });
    collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () => {
          exported.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
    });
    await new Promise<void>((resolve) => subgraph.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = new SubgraphEndpoint(
      'engagement',
      `${urlOf(subgraph)}/graphql`,
      httpClient,
      createGatewayMetrics({ collectDefault: false }),
    );
  });
  afterAll(async () => {
    httpClient.close();
    subgraph.closeAllConnections();
    await new Promise((resolve) => subgraph.close(resolve));
    await new Promise((resolve) => collector.close(resolve));
  });

  it('starts no SDK and sends no trace header when nothing is configured', async () => {
    const tracing = await startTracing(loadTracingConfig({}), { service: 'gateway' });
    expect(tracingActive()).toBe(false);
    let sawSpan: unknown = 'not called';
    await withSpan('anything', {}, async (span) => {
      sawSpan = span;
      await endpoint.send({ query: '{ ok }' }, context);
    });
    expect(sawSpan).toBeUndefined();
    expect(captureTraceCarrier()).toBeUndefined();
    const lines: string[] = [];
    const log = createLogger('gateway', { destination: { write: (line: string) => void lines.push(line) } });
    await withSpan('anything', {}, async () => log.info('inside'));
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('traceId');
    expect(received.at(-1)?.traceparent).toBeUndefined();
    expect(received.at(-1)?.['x-request-id']).toBe('req-1');
    await tracing.shutdown();
  });

  it('exports spans over OTLP/HTTP with the configured headers, flushed on shutdown', async () => {
    const config = loadTracingConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: urlOf(collector),
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-key',
    });
    const tracing = await startTracing(config, { service: 'gateway', log: silentLogger });
    expect(tracingActive()).toBe(true);
    let traceId = '';
    const lines: string[] = [];
    const log = createLogger('gateway', { destination: { write: (line: string) => void lines.push(line) } });
    await withSpan('call-start', {}, async (span) => {
      traceId = span!.spanContext().traceId;
      log.info('inside the span');
      await endpoint.send({ query: '{ ok }' }, context);
      expect(captureTraceCarrier()?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    });
    // The log line written inside the span names it.
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'inside the span',
      traceId,
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    // The fetch carried the trace to the subgraph.
    expect(received.at(-1)?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    // Batched: nothing may have left yet; shutdown flushes.
    await tracing.shutdown();
    expect(tracingActive()).toBe(false);
    const sent = exported.filter((e) => e.path === '/v1/traces');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]!.headers.authorization).toBe('Bearer collector-key');
    const all = sent.map((e) => e.body).join('\n');
    expect(all).toContain('"call-start"');
    expect(all).toContain('"POST engagement"');
    expect(all).toContain(traceId);
    expect(all).toMatch(/"service\.name".{0,40}"gateway"/);
  });
});
