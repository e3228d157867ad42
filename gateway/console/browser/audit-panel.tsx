/** @jsxImportSource preact */
import { useState } from 'preact/hooks';
import { errorText, graphql } from './api.js';
import { time } from './format.js';

interface RuleCheck {
  rule: string;
  title: string;
  outcome: 'DENIED' | 'PASSED' | 'NOT_APPLICABLE' | 'NOT_EVALUATED';
  codes: string[];
  detail: string | null;
}

interface AuditRecord {
  id: string;
  at: string;
  action: string;
  actor: string;
  role: string;
  seller: string | null;
  purpose: string | null;
  decisionId: string | null;
  allowed: boolean | null;
  reasons: string[] | null;
  policyVersion: string | null;
  explanation: RuleCheck[] | null;
}

const AUDIT = `query ConsoleAudit($phone: String!) {
  auditTrail(phone: $phone, limit: 100) {
    id at action actor role seller purpose decisionId allowed reasons policyVersion
    explanation { rule title outcome codes detail }
  }
}`;

function Explanation({ record }: { record: AuditRecord }) {
  return (
    <div class="explanation" data-explanation={record.id}>
      <h3>
        Decision {record.decisionId ?? record.id}: {record.allowed ? 'ALLOWED' : 'DENIED'} ({record.purpose}, policy{' '}
        {record.policyVersion ?? '?'})
      </h3>
      <table>
        <thead>
          <tr>
            <th>rule</th>
            <th>what it requires</th>
            <th>outcome</th>
            <th>codes</th>
            <th>relied on</th>
          </tr>
        </thead>
        <tbody>
          {record.explanation!.map((r) => (
            <tr key={r.rule} class={`outcome-${r.outcome}`} data-rule={r.rule}>
              <td>{r.rule}</td>
              <td>{r.title}</td>
              <td>{r.outcome}</td>
              <td>{r.codes.join(', ')}</td>
              <td>{r.detail ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Compliance: the audit log of one number, and a decision explained rule by rule. */
export function AuditPanel({ token }: { token: string }) {
  const [phone, setPhone] = useState('');
  const [rows, setRows] = useState<AuditRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const search = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setOpen(null);
    try {
      const d = await graphql<{ auditTrail: AuditRecord[] }>(token, AUDIT, { phone });
      setRows(d.auditTrail);
      const firstDecision = d.auditTrail.find((r) => r.explanation);
      if (firstDecision) setOpen(firstDecision.id);
    } catch (err) {
      setRows(null);
      setError(errorText(err));
    }
  };
  const opened = rows?.find((r) => r.id === open && r.explanation);
  return (
    <section class="panel wide" id="audit" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit (compliance)</h2>
      <form onSubmit={(e) => void search(e)}>
        <label>
          Number{' '}
          <input
            aria-label="audit phone"
            value={phone}
            onInput={(e) => setPhone((e.target as HTMLInputElement).value)}
            placeholder="+14155550100"
          />
        </label>
        <button type="submit">Search</button>
      </form>
      {error && (
        <p class="refused" role="alert">
          {error}
        </p>
      )}
      {rows && rows.length === 0 && <p class="note">No audit record for this number (within your sellers).</p>}
      {rows && rows.length > 0 && (
        <table id="audit-rows">
          <thead>
            <tr>
              <th>at</th>
              <th>action</th>
              <th>actor (role)</th>
              <th>seller</th>
              <th>purpose</th>
              <th>decision</th>
              <th>reasons</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-audit={r.id} class={r.id === open ? 'selected' : ''}>
                <td>{time(r.at)}</td>
                <td>{r.action}</td>
                <td>
                  {r.actor} ({r.role})
                </td>
                <td>{r.seller ?? '–'}</td>
                <td>{r.purpose ?? '–'}</td>
                <td>{r.allowed === null ? '–' : r.allowed ? 'allowed' : 'denied'}</td>
                <td>{(r.reasons ?? []).join(', ')}</td>
                <td>
                  {r.explanation && (
                    <button type="button" onClick={() => setOpen(r.id)}>
                      Explain
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {opened && <Explanation record={opened} />}
    </section>
  );
}
