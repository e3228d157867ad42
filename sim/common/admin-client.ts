import { z } from 'zod';
import type { LatencyConfig } from './latency.js';
import type { FaultConfig } from './faults.js';
import type { RateLimitConfig } from './rate-limiter.js';
import type { DeliveryMode, DeliveryRetryConfig } from './change-delivery.js';
import {
  simAccounts,
  simDeliveries,
  simEditResult,
  simKnobs,
  simRequests,
  simStats,
  type DriftRule,
  type ResetScope,
  type SimEdit,
  type SimEditResult,
  type SimKnobs,
  type SimStats,
} from './admin-schemas.js';
import type { RequestLogEntry } from './request-stats.js';
import type { DeliveryRecord } from './change-delivery.js';

export class SimAdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SimAdminError';
  }
}

/**
 * Typed client of the `/__sim/` admin API, identical for both simulators.
 * `baseUrl` is the simulator's root URL (e.g. `http://127.0.0.1:4101`); `account` addresses one
 * account (Salesforce org id, HubSpot portal id) of a simulator hosting several, none = its default.
 */
export class SimAdminClient {
  private readonly base: string;

  constructor(
    readonly baseUrl: string,
    readonly account?: string,
  ) {
    this.base = baseUrl.replace(/\/+$/, '') + '/__sim/';
  }

  /** The same API for another account of the same simulator (knobs, stats, edits, reset). */
  forAccount(account: string): SimAdminClient {
    return new SimAdminClient(this.baseUrl, account);
  }

  /** Every account the simulator hosts, as the simulator describes them. */
  async accounts(): Promise<{ default: string; accounts: unknown[] }> {
    return this.call('GET', 'accounts', undefined, simAccounts);
  }

  /** Adds an account (body: the simulator's account options); answers its description. */
  async addAccount(options: Record<string, unknown>): Promise<unknown> {
    return this.call('POST', 'accounts', options);
  }

  async stats(): Promise<SimStats> {
    return this.call('GET', 'stats', undefined, simStats);
  }

  /** Requests counted for one endpoint name (0 when none). */
  async count(endpoint: string): Promise<number> {
    return (await this.stats()).counters[endpoint] ?? 0;
  }

  async requests(filter: { endpoint?: string } = {}): Promise<RequestLogEntry[]> {
    const qs = filter.endpoint ? `?endpoint=${encodeURIComponent(filter.endpoint)}` : '';
    return (await this.call('GET', `requests${qs}`, undefined, simRequests)).requests;
  }

  async deliveries(): Promise<DeliveryRecord[]> {
    return (await this.call('GET', 'deliveries', undefined, simDeliveries)).deliveries;
  }

  async knobs(): Promise<SimKnobs> {
    return this.call('GET', 'knobs', undefined, simKnobs);
  }

  /** `all`: seeded data, knobs and stats; `stats`: counters, request log and delivery history only. */
  async reset(scope: ResetScope = 'all'): Promise<void> {
    await this.call('POST', 'reset', { scope });
  }

  async setLatency(latency: LatencyConfig): Promise<void> {
    await this.call('PUT', 'latency', latency);
  }

  async setFaults(faults: Partial<FaultConfig>): Promise<void> {
    await this.call('PUT', 'faults', faults);
  }

  async setRateLimit(rateLimit: RateLimitConfig): Promise<void> {
    await this.call('PUT', 'rate-limit', rateLimit);
  }

  async setDrift(rule: DriftRule): Promise<void> {
    await this.call('PUT', 'drift', rule);
  }

  async clearDrift(): Promise<void> {
    await this.call('DELETE', 'drift');
  }

  async setWebhooks(targets: string[], retry?: Partial<DeliveryRetryConfig>): Promise<void> {
    await this.call('PUT', 'webhooks', retry ? { targets, retry } : { targets });
  }

  /**
   * What happens to change events emitted from now on: `deliver` (default), `drop` (lost for good)
   * or `hold` (sent when the mode returns to `deliver`).
   */
  async setDeliveryMode(mode: DeliveryMode): Promise<void> {
    await this.call('PUT', 'delivery-mode', { mode });
  }

  /** Acts like a person editing the CRM; the simulator emits change events for it. */
  async edit(edit: SimEdit): Promise<SimEditResult> {
    return this.call('POST', 'edit', edit, simEditResult);
  }

  /** Polls until no change-event delivery is pending. */
  async waitForDeliveries(timeoutMs = 10_000): Promise<SimStats['deliveries']> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { deliveries } = await this.stats();
      if (deliveries.pending === 0) return deliveries;
      if (Date.now() > deadline) throw new SimAdminError(0, 'deliveries still pending');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown, schema?: z.ZodType<T>): Promise<T> {
    const scoped =
      this.account === undefined || path === 'accounts'
        ? path
        : `${path}${path.includes('?') ? '&' : '?'}account=${encodeURIComponent(this.account)}`;
    const res = await fetch(this.base + scoped, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new SimAdminError(res.status, `${method} /__sim/${path} -> ${res.status}: ${text}`);
    const json: unknown = text ? JSON.parse(text) : undefined;
    return schema ? schema.parse(json) : (json as T);
  }
}
