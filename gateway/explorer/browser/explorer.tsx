/**
 * The offline explorer: GraphiQL served from the gateway's own files (no CDN), with a token field
 * (sent as `Authorization: Bearer …` over HTTP and as the graphql-ws connection parameter), the
 * headers editor, subscriptions over graphql-ws and the schema docs. Built by scripts/build-ui.ts.
 */
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './explorer.css';
import { setupMonacoWorkers } from './monaco-workers.js';

setupMonacoWorkers();

const TOKEN_KEY = 'dialplane.explorer.token';
const endpoint = new URL('/graphql', window.location.href);
const wsEndpoint = new URL(endpoint);
wsEndpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
// In development the gateway hands the page a development analyst token (never in production).
const devToken = document.querySelector<HTMLMetaElement>('meta[name="dialplane-dev-token"]')?.content ?? '';

// Shareable links: /explorer?query=… opens with that operation (and ?variables=… its variables).
const linked = new URLSearchParams(window.location.search);

const DEFAULT_QUERY = `# A token is needed for every request: paste one above (npm start prints one per role).
# Subscriptions run over graphql-ws on the same endpoint.
query CallerId {
  contactsByPhone(phone: "+14155550100") {
    id
    source
    name { full }
    primaryPhone
  }
}
`;

function Explorer() {
  const [token, setToken] = useState(() => window.localStorage.getItem(TOKEN_KEY) ?? devToken);
  const fetcher = useMemo(() => {
    const authorization = token.trim() ? `Bearer ${token.trim()}` : undefined;
    return createGraphiQLFetcher({
      url: endpoint.href,
      subscriptionUrl: wsEndpoint.href,
      headers: authorization ? { authorization } : {},
      wsConnectionParams: authorization ? { authorization } : {},
    });
  }, [token]);
  return (
    <div className="dp-explorer">
      <header className="dp-bar">
        <strong>dialplane explorer</strong>
        <label>
          Token
          <input
            aria-label="token"
            name="token"
            type="password"
            autoComplete="off"
            placeholder="JWT (npm start prints one per role)"
            value={token}
            onChange={(e) => {
              setToken(e.target.value);
              window.localStorage.setItem(TOKEN_KEY, e.target.value);
            }}
          />
        </label>
        <a href="/graphql">Apollo Sandbox (online)</a>
      </header>
      <div className="dp-graphiql">
        {/* Keyed by the token: a new token mounts a fresh GraphiQL whose schema introspection uses it
            (an introspection refused before the token was given would otherwise stay on screen);
            the editors keep their text through GraphiQL's own storage. */}
        <GraphiQL
          key={token}
          fetcher={fetcher}
          defaultQuery={DEFAULT_QUERY}
          initialQuery={linked.get('query') ?? undefined}
          initialVariables={linked.get('variables') ?? undefined}
          shouldPersistHeaders={false}
        />
      </div>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Explorer />
  </StrictMode>,
);
