/** @jsxImportSource preact */
/**
 * The operations console: pipeline health per CRM, the write-back and dead-letter queues with
 * replay, drift and reconciliation, the live revocation stream and (compliance) the audit log with
 * decisions explained rule by rule. Every panel asks the gateway with the token typed here; a
 * role without access sees the server's typed refusal in that panel. Built by scripts/build-ui.ts.
 */
import { render } from 'preact';
import { useState } from 'preact/hooks';
import './console.css';
import { AuditPanel } from './audit-panel.js';
import { DriftPanel, loadPipeline, PipelinePanel } from './pipeline-panel.js';
import { RevocationPanel } from './revocation-panel.js';
import { usePoll } from './use-poll.js';
import { loadWriteBacks, WriteBackPanel } from './writeback-panel.js';

const TOKEN_KEY = 'dialplane.console.token';
const REFRESH_MS = 3_000;
const NO_TOKEN = 'Enter a token above (npm start prints one per role).';
// In development the gateway hands the page a development token (never in production).
const devToken = document.querySelector<HTMLMetaElement>('meta[name="dialplane-dev-token"]')?.content ?? '';

/** The roles the token claims, for the header only (the server decides every access). */
function claimedRoles(token: string): string {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { roles?: unknown };
    return Array.isArray(payload.roles) ? payload.roles.join(', ') : '?';
  } catch {
    return token.trim() ? '?' : 'none';
  }
}

function Console() {
  const [token, setToken] = useState(() => window.localStorage.getItem(TOKEN_KEY) ?? devToken);
  // Nothing is asked without a token: every request would be a 401.
  const hasToken = token.trim() !== '';
  const pipeline = usePoll(() => loadPipeline(token), REFRESH_MS, token, hasToken, NO_TOKEN);
  const writeBacks = usePoll(() => loadWriteBacks(token), REFRESH_MS, token, hasToken, NO_TOKEN);
  return (
    <div class="dp-console">
      <header class="dp-bar">
        <strong>dialplane operations console</strong>
        <label>
          Token
          <input
            aria-label="token"
            name="token"
            type="password"
            autoComplete="off"
            placeholder="JWT (npm start prints one per role)"
            value={token}
            onInput={(e) => {
              const value = (e.target as HTMLInputElement).value;
              setToken(value);
              window.localStorage.setItem(TOKEN_KEY, value);
            }}
          />
        </label>
        <span class="roles" data-roles>
          roles: {claimedRoles(token)}
        </span>
        <a href="/explorer">explorer</a>
      </header>
      <main class="panels">
        <PipelinePanel polled={pipeline} />
        {/* Keyed by the token: the replays followed under one token are not shown under another. */}
        <WriteBackPanel key={token} token={token} polled={writeBacks} />
        <DriftPanel polled={pipeline} />
        <RevocationPanel token={token} />
        <AuditPanel token={token} />
      </main>
    </div>
  );
}

render(<Console />, document.getElementById('root')!);
