import net from 'node:net';

/**
 * Ports handed out here come from below Linux's ephemeral range (32768-60999 by default): the OS
 * gives ephemeral ports to every `listen(0)` and every outgoing connection of the other tests
 * running meanwhile, so a free ephemeral port picked now may be taken before the process that
 * needs it binds it. Below that range only explicit choices collide: random picks, none twice.
 */
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port that is free now and not given to anyone else by this process (for processes that need their peers' ports before starting). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Every *_PORT variable of `npm start`, each set to a free port. */
export async function freePortEnv(): Promise<Record<string, string>> {
  const names = [
    'GATEWAY_PORT',
    'SALESFORCE_SUBGRAPH_PORT',
    'HUBSPOT_SUBGRAPH_PORT',
    'CONSENT_SUBGRAPH_PORT',
    'ENGAGEMENT_SUBGRAPH_PORT',
    'SIM_SALESFORCE_PORT',
    'SIM_HUBSPOT_PORT',
    'SIM_RND_PORT',
    'PLATFORMS_PORT',
  ];
  const env: Record<string, string> = {};
  for (const name of names) env[name] = String(await freePort());
  return env;
}
