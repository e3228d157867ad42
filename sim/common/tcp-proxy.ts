import net from 'node:net';

/**
 * A TCP proxy to cut in front of a real server (Redis) for outage tests and the abuse bench (a
 * network fault is simulated like a CRM fault, so it lives with the simulators):
 * - `cut('reset')`: every connection is destroyed and new ones are closed at once (a dead host
 *   that refuses, a restarted server);
 * - `cut('blackhole')`: connections stay open but nothing is forwarded either way (a partition:
 *   the worst case, only timeouts notice it);
 * - `restore()`: forwarding again for new connections (blackholed ones are destroyed so clients
 *   reconnect).
 */
export interface TcpProxy {
  port: number;
  url(scheme: string): string;
  cut(mode: 'reset' | 'blackhole'): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'open' | 'reset' | 'blackhole' = 'open';
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const server = net.createServer((client) => {
    if (mode === 'reset') {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (mode === 'open') to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const destroyAll = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    cut(next) {
      mode = next;
      if (next === 'reset') destroyAll();
    },
    restore() {
      if (mode === 'blackhole') destroyAll();
      mode = 'open';
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
