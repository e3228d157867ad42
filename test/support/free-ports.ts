import net from 'node:net';

/** A port the OS says is free now (for processes that need their peers' ports before starting). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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
