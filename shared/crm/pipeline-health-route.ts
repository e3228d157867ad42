import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../errors.js';
import { HttpError, sendJson, type Route } from '../http.js';
import { hasRole, IDENTITY_HEADER, streamBinding, type IdentityVerifier, type Role } from '../identity.js';
import type { Metrics } from '../metrics.js';
import type { BreakerState } from './circuit-breaker.js';
import type { CrmConnector } from './connector.js';
import { PIPELINE_HEALTH_PATH, summarizePipeline, type Sample } from './pipeline-health.js';
import type { CrmReconciliation } from './reconciliation/crm-reconciliation.js';

/** Who may read a CRM's pipeline health (operators; no personal data in it). docs/access.md */
export const PIPELINE_HEALTH_ROLES: readonly Role[] = ['admin', 'analyst', 'service'];

/**
 * `GET /internal/pipeline-health` on a CRM subgraph: the operations console's view of this CRM,
 * read from the subgraph's own metric series and live state. Only the gateway's signed identity,
 * bound to this GET (so a header captured elsewhere does not verify), of an operator role.
 */
export function pipelineHealthRoute(deps: {
  connector: CrmConnector;
  breakerState: () => BreakerState;
  reconciliation?: CrmReconciliation;
  metrics: Metrics;
  verifyIdentity: IdentityVerifier;
}): Route {
  const { connector, reconciliation, metrics } = deps;
  const samplesOf = async (name: string): Promise<Sample[]> =>
    ((await metrics.registry.getSingleMetric(name)?.get())?.values ?? []) as Sample[];
  return {
    method: 'GET',
    path: PIPELINE_HEALTH_PATH,
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const identity = deps.verifyIdentity(
        req.headers[IDENTITY_HEADER] as string | undefined,
        streamBinding('GET', PIPELINE_HEALTH_PATH),
      );
      if (!identity)
        throw new HttpError(
          401,
          ErrorCode.UNAUTHENTICATED,
          `${connector.source} subgraph: missing or invalid gateway identity`,
        );
      if (!hasRole(identity, ...PIPELINE_HEALTH_ROLES))
        throw new HttpError(
          403,
          ErrorCode.FORBIDDEN,
          `pipeline health needs role ${PIPELINE_HEALTH_ROLES.join(' or ')}`,
        );
      const [reconciled, cache, calls, drift, lag] = await Promise.all([
        reconciliation ? reconciliation.health() : null,
        samplesOf('dialplane_crm_cache_total'),
        samplesOf('dialplane_crm_calls_total'),
        samplesOf('dialplane_crm_schema_drift_total'),
        samplesOf('dialplane_crm_reconcile_lag_seconds'),
      ]);
      sendJson(
        res,
        200,
        summarizePipeline({
          crm: connector.source,
          breaker: deps.breakerState(),
          cache,
          calls,
          drift,
          apiBudget: connector.apiBudget(),
          reconciliation: reconciled
            ? {
                ok: reconciled.ok,
                reason: reconciled.ok ? null : reconciled.reason,
                lastSuccessAt: reconciled.lastSuccessAt,
                lagSeconds: lag.find((s) => s.labels.crm === connector.source)?.value ?? 0,
              }
            : null,
        }),
      );
    },
  };
}
