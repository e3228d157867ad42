/** @jsxImportSource preact */
import type { CrmPipelineHealth } from '../../../shared/crm/pipeline-health.js';
import { getJson } from './api.js';
import { age, count, percent, time } from './format.js';
import type { Polled } from './use-poll.js';

export interface PipelineAnswer {
  checkedAt: string;
  crms: (
    | { name: string; status: 'up'; health: CrmPipelineHealth }
    | { name: string; status: 'down'; error: { code: string; message: string } }
  )[];
}

export const loadPipeline = (token: string) => getJson<PipelineAnswer>(token, '/console/api/pipeline');

function budget(h: CrmPipelineHealth): string {
  if (!h.apiBudget) return 'not reported yet';
  return `${count(h.apiBudget.remaining)} of ${count(h.apiBudget.limit)} (${h.apiBudget.window})`;
}

/** Pipeline health per CRM: reads, cache hit rate, CRM calls, API budget left, breaker, reconciliation lag. */
export function PipelinePanel({ polled }: { polled: Polled<PipelineAnswer> }) {
  const { data, error } = polled;
  return (
    <section class="panel" id="pipeline" aria-labelledby="pipeline-title">
      <h2 id="pipeline-title">Pipeline health per CRM</h2>
      {error && (
        <p class="refused" role="alert">
          {error}
        </p>
      )}
      {data && (
        <table>
          <thead>
            <tr>
              <th>CRM</th>
              <th>breaker</th>
              <th>reads</th>
              <th>cache hit rate</th>
              <th>CRM calls (failed)</th>
              <th>API budget left</th>
              <th>reconciliation lag</th>
            </tr>
          </thead>
          <tbody>
            {data.crms.map((c) =>
              c.status === 'down' ? (
                <tr key={c.name} data-crm={c.name} class="down">
                  <td>{c.name}</td>
                  <td colSpan={6}>
                    down: {c.error.code} ({c.error.message})
                  </td>
                </tr>
              ) : (
                <tr key={c.name} data-crm={c.name}>
                  <td>{c.name}</td>
                  <td class={`breaker-${c.health.breaker}`}>{c.health.breaker}</td>
                  <td>{count(c.health.reads)}</td>
                  <td>{percent(c.health.cache.hitRate)}</td>
                  <td>
                    {count(c.health.crmCalls.total)} ({count(c.health.crmCalls.failed)})
                  </td>
                  <td>{budget(c.health)}</td>
                  <td>
                    {c.health.reconciliation
                      ? `${age(c.health.reconciliation.lagSeconds)}${c.health.reconciliation.ok ? '' : ` (${c.health.reconciliation.reason})`}`
                      : 'off'}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
      {data && <p class="note">checked {time(data.checkedAt)}</p>}
    </section>
  );
}

/** Drift alerts per field and reconciliation state, from the same answer. */
export function DriftPanel({ polled }: { polled: Polled<PipelineAnswer> }) {
  const { data, error } = polled;
  const up = data?.crms.flatMap((c) => (c.status === 'up' ? [c.health] : [])) ?? [];
  const drift = up.flatMap((h) => h.drift.map((d) => ({ crm: h.crm, ...d })));
  return (
    <section class="panel" id="drift" aria-labelledby="drift-title">
      <h2 id="drift-title">Drift alerts and reconciliation</h2>
      {error && (
        <p class="refused" role="alert">
          {error}
        </p>
      )}
      {data &&
        (drift.length === 0 ? (
          <p class="ok">No canonical field lost to CRM schema drift.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>CRM</th>
                <th>field</th>
                <th>reads that lost it</th>
              </tr>
            </thead>
            <tbody>
              {drift.map((d) => (
                <tr key={`${d.crm}.${d.field}`} class="alert">
                  <td>{d.crm}</td>
                  <td>{d.field}</td>
                  <td>{count(d.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {data && (
        <ul class="recon">
          {up.map((h) => (
            <li key={h.crm}>
              {h.crm}:{' '}
              {h.reconciliation
                ? `last success ${time(h.reconciliation.lastSuccessAt)}, lag ${age(h.reconciliation.lagSeconds)}${h.reconciliation.ok ? '' : `, ${h.reconciliation.reason}`}`
                : 'reconciliation off'}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
