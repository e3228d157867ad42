import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { CrmSource } from '../connector.js';

/**
 * Health per connection: when it last worked, how often the CRM refused its credentials, and how
 * much API budget its account has left. A refusal of credentials (a revoked refresh token, a
 * rotated client secret) is an ALERT: logged at error level once when it starts, and
 * `dialplane_connection_auth_failing` is 1 until a later success, which is logged as a recovery
 * event and counted. Exposed in /metrics (labels: connection id and crm, never a secret) and in
 * the CRM subgraph's readiness detail.
 */
export interface ConnectionHealthSnapshot {
  connectionId: string;
  crm: CrmSource;
  lastSuccessAt: string | null;
  authFailures: number;
  /** True from a refused credential until the next success. */
  authFailing: boolean;
  apiBudgetRemaining: number | null;
  apiBudgetLimit: number | null;
}

interface State {
  crm: CrmSource;
  lastSuccessAt: number | null;
  authFailures: number;
  authFailing: boolean;
  budget: { remaining: number; limit: number } | null;
}

export interface ConnectionRef {
  id: string;
  crm: CrmSource;
}

export class ConnectionHealth {
  private readonly states = new Map<string, State>();
  private readonly lastSuccess;
  private readonly failures;
  private readonly recoveries;
  private readonly failing;
  private readonly budget;
  private readonly now: () => number;

  constructor(options: { metrics: Metrics; log: Logger; now?: () => number }) {
    const labels = ['connection', 'crm'] as const;
    const { metrics } = options;
    this.now = options.now ?? Date.now;
    this.lastSuccess = metrics.gauge(
      'dialplane_connection_last_success_timestamp_seconds',
      'When a call on this connection last succeeded (unix seconds)',
      labels,
    );
    this.failures = metrics.counter(
      'dialplane_connection_auth_failures_total',
      'Times the CRM refused this connection’s credentials',
      labels,
    );
    this.recoveries = metrics.counter(
      'dialplane_connection_auth_recoveries_total',
      'Times this connection worked again after refused credentials',
      labels,
    );
    this.failing = metrics.gauge(
      'dialplane_connection_auth_failing',
      '1 while the CRM refuses this connection’s credentials (alert), 0 otherwise',
      labels,
    );
    this.budget = metrics.gauge(
      'dialplane_connection_api_budget_remaining',
      'API calls this connection’s CRM account has left in its current window',
      labels,
    );
    this.log = options.log;
  }
  private readonly log: Logger;

  recordSuccess(connection: ConnectionRef): void {
    const state = this.state(connection);
    const at = this.now();
    state.lastSuccessAt = at;
    this.lastSuccess.set(this.labels(connection), at / 1000);
    if (state.authFailing) {
      state.authFailing = false;
      this.failing.set(this.labels(connection), 0);
      this.recoveries.inc(this.labels(connection));
      this.log.info(
        { event: 'connection.auth_recovered', connectionId: connection.id, crm: connection.crm },
        'connection credentials work again',
      );
    }
  }

  /** `code` is the CRM's error code (e.g. invalid_grant, BAD_REFRESH_TOKEN), never its message. */
  recordAuthFailure(connection: ConnectionRef, code: string): void {
    const state = this.state(connection);
    state.authFailures++;
    this.failures.inc(this.labels(connection));
    if (!state.authFailing) {
      state.authFailing = true;
      this.failing.set(this.labels(connection), 1);
      this.log.error(
        { event: 'connection.auth_failed', alert: true, connectionId: connection.id, crm: connection.crm, code },
        'ALERT: the CRM refuses this connection’s credentials; rotate them (docs/connections.md#health)',
      );
    }
  }

  recordBudget(connection: ConnectionRef, budget: { remaining: number; limit: number }): void {
    this.state(connection).budget = budget;
    this.budget.set(this.labels(connection), budget.remaining);
  }

  /** A deleted connection: its series go away. */
  forget(connection: ConnectionRef): void {
    this.states.delete(connection.id);
    for (const metric of [this.lastSuccess, this.failing, this.budget]) metric.remove(this.labels(connection));
  }

  snapshot(): ConnectionHealthSnapshot[] {
    return [...this.states].map(([connectionId, s]) => ({
      connectionId,
      crm: s.crm,
      lastSuccessAt: s.lastSuccessAt === null ? null : new Date(s.lastSuccessAt).toISOString(),
      authFailures: s.authFailures,
      authFailing: s.authFailing,
      apiBudgetRemaining: s.budget?.remaining ?? null,
      apiBudgetLimit: s.budget?.limit ?? null,
    }));
  }

  get(connectionId: string): ConnectionHealthSnapshot | undefined {
    return this.snapshot().find((s) => s.connectionId === connectionId);
  }

  private state(connection: ConnectionRef): State {
    let state = this.states.get(connection.id);
    if (!state) {
      state = { crm: connection.crm, lastSuccessAt: null, authFailures: 0, authFailing: false, budget: null };
      this.states.set(connection.id, state);
      this.failing.set(this.labels(connection), 0);
    }
    return state;
  }

  private labels(connection: ConnectionRef) {
    return { connection: connection.id, crm: connection.crm };
  }
}
