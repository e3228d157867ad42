import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanAttr, startTracing, type Tracing } from '../../shared/tracing.js';
import { silentLogger } from '../../shared/logger.js';
import { startPlatformsService } from '../../platforms/service.js';
import { simCall } from '../../sim/platforms/calls.js';
import { createPlatformClient } from '../../sim/platforms/client.js';
import * as payloads from '../../sim/platforms/payloads.js';
import { platformsConfigFor } from '../platforms/support.js';
import { freePort } from '../support/free-ports.js';
import { spawnEntry, timeToExit } from '../support/processes.js';
import { startStack, type Stack } from '../support/stack.js';
import { eventually } from '../support/eventually.js';

// The whole system in this process with tracing on and an in-memory exporter: one call outcome
// recorded through the gateway must be ONE trace from the gateway's request span, through the
// engagement subgraph (trace context over HTTP) and the write-back job (trace context in the job's
// payload), to the CRM write; a decision's span carries its id; the CRM fast paths send
// `traceparent` to the CRM subgraph too.

describe('traces across the gateway, the subgraphs, the write-back queue and the CRM', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let stack: Stack;

  beforeAll(async () => {
    tracing = await startTracing(undefined, { service: 'dialplane-test', exporter });
    stack = await startStack({ engagementWorker: true });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await tracing?.shutdown();
  });

  async function gql<T>(
    query: string,
    variables: Record<string, unknown>,
    requestId: string,
  ): Promise<{ data?: T; errors?: unknown[] }> {
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.tokens.agent}`,
        'x-request-id': requestId,
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: T; errors?: unknown[] };
  }

  /** Polls the exporter until `find` answers (the worker writes to the CRM after the response). */
  const waitForSpans = <T>(
    find: (spans: ReadableSpan[]) => T | undefined,
    what: string,
    deadlineMs = 30_000,
  ): Promise<T> =>
    eventually(() => find(exporter.getFinishedSpans()), deadlineMs, 50).catch(() => {
      throw new Error(
        `no ${what} within ${deadlineMs} ms; spans: ${exporter
          .getFinishedSpans()
          .map((s) => s.name)
          .join(', ')}`,
      );
    });

  const gatewayRequestSpan = (spans: ReadableSpan[], requestId: string) =>
    spans.find(
      (s) =>
        s.kind === SpanKind.SERVER &&
        s.attributes[SpanAttr.service] === 'gateway' &&
        s.attributes[SpanAttr.requestId] === requestId,
    );
  const traceOf = (spans: ReadableSpan[], traceId: string) => spans.filter((s) => s.spanContext().traceId === traceId);
  const byId = (spans: ReadableSpan[], spanId: string | undefined) =>
    spans.find((s) => s.spanContext().spanId === spanId);

  it('records a call outcome as one trace from the gateway to the CRM write', async () => {
    const requestId = `trace-${randomUUID()}`;
    const input = {
      contactId: 'hubspot:1001',
      callId: `vapi-call-${randomUUID()}`,
      decisionId: randomUUID(),
      idempotencyKey: `trace-${randomUUID()}`,
      disposition: 'CONNECTED',
      summary: 'traced call',
      occurredAt: new Date().toISOString(),
    };
    const answer = await gql<{ recordCallOutcome: { id: string; status: string } }>(
      'mutation($input: CallOutcomeInput!) { recordCallOutcome(input: $input) { id status } }',
      { input },
      requestId,
    );
    expect(answer.errors).toBeUndefined();
    const outcomeId = answer.data!.recordCallOutcome.id;

    const write = await waitForSpans(
      (spans) => spans.find((s) => s.name === 'hubspot write' && s.attributes[SpanAttr.outcomeId] === outcomeId),
      'CRM write span',
    );
    const spans = exporter.getFinishedSpans();
    const root = gatewayRequestSpan(spans, requestId);
    expect(root, 'the gateway request span').toBeDefined();
    const traceId = root!.spanContext().traceId;
    expect(write.spanContext().traceId).toBe(traceId);
    expect(write.kind).toBe(SpanKind.CLIENT);
    expect(write.attributes).toMatchObject({
      [SpanAttr.callId]: input.callId,
      [SpanAttr.decisionId]: input.decisionId,
      [SpanAttr.crm]: 'hubspot',
    });

    const trace = traceOf(spans, traceId);
    // Walk up from the CRM write to the gateway: every link is a parent in the same trace.
    const chain: ReadableSpan[] = [write];
    for (let span = write; span.parentSpanContext; ) {
      const parent = byId(trace, span.parentSpanContext.spanId);
      expect(parent, `parent of ${span.name}`).toBeDefined();
      chain.push(parent!);
      span = parent!;
    }
    expect(chain[chain.length - 1]).toBe(root);
    const names = chain.map((s) => s.name).reverse();
    // gateway request → (Apollo's planning/execution spans) → fetch to engagement → engagement's
    // request → the outcome → enqueue → job → CRM write.
    const order = [
      'POST /graphql',
      'POST engagement',
      'POST /graphql',
      'engagement.recordCallOutcome',
      'writeback-hubspot send',
      'writeback-hubspot process',
      'hubspot write',
    ];
    let at = -1;
    for (const name of order) {
      const next = names.indexOf(name, at + 1);
      expect(next, `${name} after ${names[at] ?? 'start'} in ${names.join(' → ')}`).toBeGreaterThan(at);
      at = next;
    }

    // Across HTTP the parent is remote: engagement's server span continues the gateway's fetch span
    // from the `traceparent` header, and the job continues the enqueue's span from its payload.
    const engagementServer = chain.find(
      (s) => s.kind === SpanKind.SERVER && s.attributes[SpanAttr.service] === 'engagement',
    )!;
    expect(engagementServer.parentSpanContext?.isRemote).toBe(true);
    expect(byId(trace, engagementServer.parentSpanContext?.spanId)?.name).toBe('POST engagement');
    const job = chain.find((s) => s.name === 'writeback-hubspot process')!;
    expect(job.kind).toBe(SpanKind.CONSUMER);
    expect(job.parentSpanContext?.isRemote).toBe(true);
    expect(byId(trace, job.parentSpanContext?.spanId)?.kind).toBe(SpanKind.PRODUCER);
    const recorded = chain.find((s) => s.name === 'engagement.recordCallOutcome')!;
    expect(recorded.attributes).toMatchObject({
      [SpanAttr.callId]: input.callId,
      [SpanAttr.decisionId]: input.decisionId,
      [SpanAttr.outcomeId]: outcomeId,
    });
  }, 60_000);

  it('puts the decision id on the callPermission span, in the trace of the request that asked', async () => {
    const requestId = `trace-${randomUUID()}`;
    const answer = await gql<{ callPermission: { decisionId: string; allowed: boolean } }>(
      'query($phone: String!) { callPermission(phone: $phone, purpose: MARKETING) { decisionId allowed } }',
      { phone: '+14155550123' },
      requestId,
    );
    expect(answer.errors).toBeUndefined();
    const { decisionId, allowed } = answer.data!.callPermission;
    const decision = await waitForSpans(
      (spans) =>
        spans.find((s) => s.name === 'consent.callPermission' && s.attributes[SpanAttr.decisionId] === decisionId),
      'decision span',
    );
    expect(decision.attributes[SpanAttr.decisionAllowed]).toBe(allowed);
    const root = gatewayRequestSpan(exporter.getFinishedSpans(), requestId);
    expect(decision.spanContext().traceId).toBe(root?.spanContext().traceId);
    // Only ids: the number asked about is nowhere in the decision's attributes.
    expect(JSON.stringify(decision.attributes)).not.toContain('4155550123');
  });

  it("traces a voice platform's call start from its webhook through the gateway to the decision", async () => {
    const config = platformsConfigFor(stack, { PLATFORMS_CALL_START_BUDGET_MS: '5000' });
    const platforms = await startPlatformsService(config, { log: silentLogger });
    try {
      const call = simCall('vapi', '+18085550120');
      const answer = await createPlatformClient({ baseUrl: platforms.url, secrets: config.secrets }).send(
        'vapi',
        'events',
        payloads.vapi.assistantRequest(call),
      );
      expect(answer.status).toBe(200);
      const hook = await waitForSpans(
        (spans) =>
          spans.find(
            (s) => s.attributes[SpanAttr.service] === 'platforms' && s.attributes[SpanAttr.callId] === call.callId,
          ),
        'platform hook span',
      );
      expect(hook.attributes[SpanAttr.platform]).toBe('vapi');
      const decisionId = hook.attributes[SpanAttr.decisionId];
      expect(decisionId).toMatch(/^[0-9a-f-]{36}$/);
      // The same trace holds the gateway's request (traceparent from the platforms service) and the decision.
      const trace = traceOf(exporter.getFinishedSpans(), hook.spanContext().traceId);
      const gatewaySpan = trace.find((s) => s.kind === SpanKind.SERVER && s.attributes[SpanAttr.service] === 'gateway');
      expect(gatewaySpan?.parentSpanContext?.isRemote).toBe(true);
      expect(
        trace.find((s) => s.name.startsWith('consent.') && s.attributes[SpanAttr.decisionId] === decisionId),
        trace.map((s) => s.name).join(', '),
      ).toBeDefined();
    } finally {
      await platforms.close();
    }
  });

  it('sends traceparent to the CRM subgraph on the fast path and the fast lane alike', async () => {
    const query = 'query($id: ID!) { contact(id: $id) { id primaryPhone } }';
    // The first sight goes through Apollo (the fast-path plugin); the same text again takes the lane.
    for (const [n, id] of ['hubspot:1002', 'hubspot:1003'].entries()) {
      const requestId = `trace-${n}-${randomUUID()}`;
      const answer = await gql<{ contact: { id: string } }>(query, { id }, requestId);
      expect(answer.data?.contact.id).toBe(id);
      const server = await waitForSpans((spans) => {
        const root = gatewayRequestSpan(spans, requestId);
        if (!root) return undefined;
        return traceOf(spans, root.spanContext().traceId).find(
          (s) => s.kind === SpanKind.SERVER && s.attributes[SpanAttr.service] === 'hubspot',
        );
      }, `hubspot subgraph span of request ${n}`);
      const trace = traceOf(exporter.getFinishedSpans(), server.spanContext().traceId);
      expect(byId(trace, server.parentSpanContext?.spanId)?.name).toBe('POST hubspot');
      // The CRM client call of that read, under the subgraph's request.
      const crmCall = trace.find(
        (s) =>
          s.kind === SpanKind.CLIENT &&
          s.attributes[SpanAttr.crm] === 'hubspot' &&
          s.attributes[SpanAttr.crmEndpoint] !== undefined,
      );
      expect(crmCall, trace.map((s) => s.name).join(', ')).toBeDefined();
    }
  });
});

describe('an entry point with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports its spans to the collector and flushes them on SIGTERM before it exits', async () => {
    const bodies: string[] = [];
    const collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () => {
          if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const gateway = spawnEntry('gateway/index.ts', {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      GATEWAY_PORT: String(port),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    });
    try {
      await gateway.waitFor(/"msg":"gateway ready"/, 120_000);
      const requestId = `entry-${randomUUID()}`;
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { 'x-request-id': requestId } });
      expect(res.status).toBe(200);
      // Batched (5 s by default): the span leaves at the latest with the flush on SIGTERM.
      const { code, killed } = await timeToExit(gateway, 'SIGTERM', 20_000);
      expect(killed).toBe(false);
      expect(code).toBe(0);
      const exported = bodies.join('\n');
      expect(exported).toContain(requestId);
      expect(exported).toContain('"GET /healthz"');
      expect(exported).toMatch(/"service\.name".{0,40}"gateway"/);
    } finally {
      gateway.kill();
      await new Promise((resolve) => collector.close(resolve));
    }
  }, 150_000);
});
