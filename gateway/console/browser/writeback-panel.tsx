/** @jsxImportSource preact */
import { useEffect, useState } from 'preact/hooks';
import { errorText, graphql } from './api.js';
import { age, count, time } from './format.js';
import type { Polled } from './use-poll.js';

export interface WriteBackView {
  writeBackQueue: {
    pending: number;
    retrying: number;
    deadLettered: number;
    oldestPendingAgeSeconds: number | null;
    byCrm: { crm: string; pending: number; retrying: number; deadLettered: number }[];
  };
  writeBacks: { nodes: DeadLetter[] };
}

interface DeadLetter {
  id: string;
  contactId: string;
  crm: string;
  attempts: number;
  lastErrorCode: string | null;
  lastError: string | null;
  updatedAt: string;
}

const QUEUE = `query ConsoleWriteBackQueue {
  writeBackQueue { pending retrying deadLettered oldestPendingAgeSeconds byCrm { crm pending retrying deadLettered } }
  writeBacks(status: DEAD_LETTERED, first: 100) { nodes { id contactId crm attempts lastErrorCode lastError updatedAt } }
}`;
const REPLAY = `mutation ConsoleReplay($ids: [ID!]) { replayWriteBacks(ids: $ids) { replayed ids } }`;
const FOLLOW = `query ConsoleWriteBack($id: ID!) { writeBack(id: $id) { id status attempts crmRecordId lastErrorCode } }`;

export const loadWriteBacks = (token: string) => graphql<WriteBackView>(token, QUEUE);

interface Replay {
  id: string;
  status: string;
  crmRecordId: string | null;
  error: string | null;
}

const FINAL = new Set(['WRITTEN', 'DEAD_LETTERED']);

/** Follows one replayed write-back until the CRM has it (or it dead-letters again). */
function useReplays(token: string, onChange: () => void) {
  const [replays, setReplays] = useState<Replay[]>([]);
  const update = (id: string, patch: Partial<Replay>) =>
    setReplays((list) => list.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  useEffect(() => {
    const open = replays.filter((r) => !FINAL.has(r.status) && !r.error);
    if (open.length === 0) return;
    const timer = window.setTimeout(() => {
      for (const r of open) {
        graphql<{ writeBack: { status: string; crmRecordId: string | null } | null }>(token, FOLLOW, { id: r.id }).then(
          (d) => {
            update(r.id, { status: d.writeBack?.status ?? 'UNKNOWN', crmRecordId: d.writeBack?.crmRecordId ?? null });
            if (d.writeBack && FINAL.has(d.writeBack.status)) onChange();
          },
          (e: unknown) => update(r.id, { error: errorText(e) }),
        );
      }
    }, 1_000);
    return () => window.clearTimeout(timer);
  }, [replays, token]);
  const replay = async (id: string) => {
    setReplays((list) => [
      { id, status: 'REPLAYING', crmRecordId: null, error: null },
      ...list.filter((r) => r.id !== id),
    ]);
    try {
      const d = await graphql<{ replayWriteBacks: { replayed: number } }>(token, REPLAY, { ids: [id] });
      update(id, { status: d.replayWriteBacks.replayed === 1 ? 'QUEUED' : 'NOT_DEAD_LETTERED' });
    } catch (e) {
      update(id, { error: errorText(e) });
    }
    onChange();
  };
  return { replays, replay };
}

/** The write-back queue (pending, oldest age, retrying) and the dead-letter queue with replay. */
export function WriteBackPanel({ token, polled }: { token: string; polled: Polled<WriteBackView> }) {
  const { data, error, refresh } = polled;
  const { replays, replay } = useReplays(token, refresh);
  const q = data?.writeBackQueue;
  return (
    <section class="panel" id="writebacks" aria-labelledby="writebacks-title">
      <h2 id="writebacks-title">Write-back queue</h2>
      {error && (
        <p class="refused" role="alert">
          {error}
        </p>
      )}
      {q && (
        <dl class="figures">
          <div>
            <dt>pending</dt>
            <dd data-figure="pending">{count(q.pending)}</dd>
          </div>
          <div>
            <dt>retrying</dt>
            <dd data-figure="retrying">{count(q.retrying)}</dd>
          </div>
          <div>
            <dt>oldest pending</dt>
            <dd data-figure="oldest">{age(q.oldestPendingAgeSeconds)}</dd>
          </div>
          <div>
            <dt>dead-lettered</dt>
            <dd data-figure="dead">{count(q.deadLettered)}</dd>
          </div>
        </dl>
      )}
      {q && q.byCrm.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>CRM</th>
              <th>pending</th>
              <th>retrying</th>
              <th>dead-lettered</th>
            </tr>
          </thead>
          <tbody>
            {q.byCrm.map((c) => (
              <tr key={c.crm}>
                <td>{c.crm}</td>
                <td>{count(c.pending)}</td>
                <td>{count(c.retrying)}</td>
                <td>{count(c.deadLettered)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && <h3>Dead-letter queue</h3>}
      {data && data.writeBacks.nodes.length === 0 && <p class="ok">Empty.</p>}
      {data && data.writeBacks.nodes.length > 0 && (
        <table id="dead-letters">
          <thead>
            <tr>
              <th>write-back</th>
              <th>contact</th>
              <th>attempts</th>
              <th>last error</th>
              <th>since</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.writeBacks.nodes.map((w) => (
              <tr key={w.id} data-writeback={w.id}>
                <td class="mono">{w.id}</td>
                <td class="mono">{w.contactId}</td>
                <td>{w.attempts}</td>
                <td>
                  <code>{w.lastErrorCode ?? '–'}</code> {w.lastError}
                </td>
                <td>{time(w.updatedAt)}</td>
                <td>
                  <button type="button" onClick={() => void replay(w.id)}>
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {replays.length > 0 && (
        <table id="replays">
          <thead>
            <tr>
              <th>replayed write-back</th>
              <th>status</th>
              <th>CRM record</th>
            </tr>
          </thead>
          <tbody>
            {replays.map((r) => (
              <tr key={r.id} data-replay={r.id}>
                <td class="mono">{r.id}</td>
                <td data-status={r.status}>{r.error ?? r.status}</td>
                <td class="mono">{r.crmRecordId ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
