import type { Identity } from '../shared/identity.js';
import type { Logger } from '../shared/logger.js';

/** Per-request context of the gateway's Apollo Server, handed to every data source. */
export interface GatewayContext {
  /** The verified caller (from the bearer JWT). */
  identity: Identity;
  /** The `x-dialplane-identity` value for one subgraph fetch: the identity signed over that fetch's body. */
  identityHeaderFor(body: string): string;
  /** Propagated to subgraphs as `x-request-id`, logged with every line about this request. */
  requestId: string;
  log: Logger;
}
