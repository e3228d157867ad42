/** @jsxImportSource preact */
import { useEffect, useState } from 'preact/hooks';
import { errorText, subscriptionClient } from './api.js';
import { time } from './format.js';

interface Revocation {
  eventId: string;
  phone: string;
  revokedAt: string;
  channel: string;
  scope: string;
  seller: string | null;
  source: string;
}

const STREAM = `subscription ConsoleRevocations { consentRevoked { eventId phone revokedAt channel scope seller source } }`;
const KEEP = 100;

type StreamState = 'connecting' | 'live' | 'closed';

/** The live revocation stream: consentRevoked over graphql-ws through the gateway, newest first. */
export function RevocationPanel({ token }: { token: string }) {
  const [events, setEvents] = useState<Revocation[]>([]);
  const [state, setState] = useState<StreamState>('connecting');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!token.trim()) {
      setState('closed');
      setError('Enter a token above (npm start prints one per role).');
      return;
    }
    const client = subscriptionClient(token);
    setState('connecting');
    setError(null);
    const offConnected = client.on('connected', () => setState('live'));
    const offClosed = client.on('closed', () => setState('closed'));
    const stop = client.subscribe<{ consentRevoked: Revocation }>(
      { query: STREAM },
      {
        next: (message) => {
          const first = message.errors?.[0];
          if (first) {
            setError(`${String(first.extensions?.code ?? 'ERROR')}: ${first.message}`);
            return;
          }
          const event = message.data?.consentRevoked;
          if (event) setEvents((list) => [event, ...list.filter((e) => e.eventId !== event.eventId)].slice(0, KEEP));
        },
        error: (e: unknown) => {
          setState('closed');
          setError(
            Array.isArray(e)
              ? e.map((x: { message?: string }) => x.message).join('; ')
              : e instanceof CloseEvent
                ? `connection closed (${e.code} ${e.reason})`
                : errorText(e),
          );
        },
        complete: () => setState('closed'),
      },
    );
    return () => {
      stop();
      offConnected();
      offClosed();
      void client.dispose();
    };
  }, [token]);
  return (
    <section class="panel" id="revocations" aria-labelledby="revocations-title">
      <h2 id="revocations-title">
        Revocation stream{' '}
        <span class={`stream-${state}`} data-stream={state}>
          {state}
        </span>
      </h2>
      {error && (
        <p class="refused" role="alert">
          {error}
        </p>
      )}
      {events.length === 0 ? (
        <p class="note">No revocation since the page connected.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>revoked at</th>
              <th>phone</th>
              <th>channel</th>
              <th>scope</th>
              <th>seller</th>
              <th>source</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.eventId} data-event={e.eventId}>
                <td>{time(e.revokedAt)}</td>
                <td class="mono">{e.phone}</td>
                <td>{e.channel}</td>
                <td>{e.scope}</td>
                <td>{e.seller ?? 'all'}</td>
                <td>{e.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
