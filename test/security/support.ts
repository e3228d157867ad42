/**
 * Small clients for the attack suite: a GraphQL POST that returns status and body as an attacker
 * sees them, a raw graphql-transport-ws socket that reports its close code, and a Prometheus
 * sample reader.
 */
import { WebSocket } from 'ws';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export async function postGraphql(
  url: string,
  payload: unknown,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the test looks at the text
  }
  return { status: res.status, headers: res.headers, body };
}

/** The value of one Prometheus sample whose labels include `labels` (0 when absent). */
export async function metricValue(
  metricsUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export interface RawSubscription {
  /** Close code once the server closed the socket, else undefined. */
  closeCode(): number | undefined;
  messages: any[];
  acked: Promise<boolean>;
  close(): void;
}

/** A graphql-transport-ws client at the frame level, so tests see the exact close code. */
export function rawSubscribe(wsUrl: string, connectionParams: Record<string, unknown>, query: string): RawSubscription {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const messages: any[] = [];
  let code: number | undefined;
  let ackResolve!: (v: boolean) => void;
  const acked = new Promise<boolean>((resolve) => (ackResolve = resolve));
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams })));
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    messages.push(message);
    if (message.type === 'connection_ack') {
      ackResolve(true);
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
    }
    if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
  });
  socket.on('close', (closeCode) => {
    code = closeCode;
    ackResolve(false);
  });
  socket.on('error', () => undefined);
  return { closeCode: () => code, messages, acked, close: () => socket.close() };
}
