import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ERROR_CODES, ErrorCode } from '../../shared/errors.js';
import { sendJson, type Route } from '../../shared/http.js';
import {
  hasRole,
  IDENTITY_HEADER,
  streamBinding,
  type Identity,
  type IdentityBinding,
  type Role,
} from '../../shared/identity.js';
import type { Logger } from '../../shared/logger.js';
import { CrmPipelineHealth, PIPELINE_HEALTH_PATH } from '../../shared/crm/pipeline-health.js';
import { AuthenticationError, type Authenticator } from '../authenticator.js';
import type { Refusal } from '../demand-control/admission.js';

/**
 * `GET /console/api/pipeline`: every CRM's pipeline health for the operations console. The
 * caller's JWT is verified and its role checked before anything else, then the caller passes the
 * same per-caller rate limit and concurrency cap as on /graphql; then each CRM subgraph is
 * asked on its internal route with the signed identity (bound to that GET), in parallel, and each
 * answer is validated. A CRM that does not answer is listed as `down` with the reason; the others
 * still show.
 */
export const PIPELINE_API_PATH = '/console/api/pipeline';
/** Operators: no personal data in these figures (docs/access.md). */
export const PIPELINE_ROLES: readonly Role[] = ['admin', 'analyst'];

export const PipelineAnswer = z.object({
  checkedAt: z.string(),
  crms: z.array(
    z.discriminatedUnion('status', [
      z.object({ name: z.string(), status: z.literal('up'), health: CrmPipelineHealth }),
      z.object({
        name: z.string(),
        status: z.literal('down'),
        error: z.object({ code: z.string(), message: z.string() }),
      }),
    ]),
  ),
});
export type PipelineAnswer = z.infer<typeof PipelineAnswer>;

export interface PipelineRouteDeps {
  authenticator: Authenticator;
  crms: readonly { name: string; url: string }[];
  signIdentity: (identity: Identity, binding: IdentityBinding) => string;
  /** The gateway's per-caller door (rate limit, concurrency), as for /graphql. */
  admit: (identity: Identity) => Promise<{ release: () => void } | Refusal>;
  log: Logger;
  timeoutMs?: number;
}

/** The `{ error: { code, message } }` answer every non-GraphQL endpoint gives, status from the code registry. */
export function refuse(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, ERROR_CODES[code].httpStatus, { error: { code, message } }, headers);
}

/** Verifies the JWT and the role; answers the typed refusal itself and returns null when it refuses. */
export async function authorizeOperator(
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  roles: readonly Role[],
  what: string,
): Promise<Identity | null> {
  let identity: Identity;
  try {
    identity = await authenticator.authenticate(req.headers.authorization);
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    refuse(res, ErrorCode.UNAUTHENTICATED, error.message, { 'www-authenticate': 'Bearer' });
    return null;
  }
  if (!hasRole(identity, ...roles)) {
    refuse(res, ErrorCode.FORBIDDEN, `${what} needs role ${roles.join(' or ')}`);
    return null;
  }
  return identity;
}

export function pipelineRoute(deps: PipelineRouteDeps): Route {
  const timeoutMs = deps.timeoutMs ?? 2_000;
  const ask = async (
    crm: { name: string; url: string },
    identity: Identity,
  ): Promise<PipelineAnswer['crms'][number]> => {
    try {
      const target = new URL(PIPELINE_HEALTH_PATH, crm.url);
      const answer = await fetch(target, {
        headers: {
          [IDENTITY_HEADER]: deps.signIdentity(identity, streamBinding('GET', PIPELINE_HEALTH_PATH)),
          accept: 'application/json',
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body: unknown = await answer.json().catch(() => null);
      if (answer.status !== 200) {
        const error = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).safeParse(body);
        return {
          name: crm.name,
          status: 'down',
          error: error.success
            ? error.data.error
            : { code: ErrorCode.SUBGRAPH_UNAVAILABLE, message: `HTTP ${answer.status}` },
        };
      }
      const health = CrmPipelineHealth.safeParse(body);
      if (!health.success)
        return {
          name: crm.name,
          status: 'down',
          error: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, message: 'the subgraph answered an unexpected shape' },
        };
      return { name: crm.name, status: 'up', health: health.data };
    } catch (error) {
      deps.log.warn(
        {
          crm: crm.name,
          err: error instanceof Error ? error.name : String(error),
          detail:
            error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : null,
        },
        'pipeline health: CRM subgraph did not answer',
      );
      return {
        name: crm.name,
        status: 'down',
        error: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, message: 'the CRM subgraph did not answer' },
      };
    }
  };
  return {
    method: 'GET',
    path: PIPELINE_API_PATH,
    handler: async (req, res) => {
      const identity = await authorizeOperator(deps.authenticator, req, res, PIPELINE_ROLES, 'pipeline health');
      if (!identity) return;
      const entered = await deps.admit(identity);
      if ('status' in entered) {
        refuse(res, entered.error.extensions.code, entered.error.message, entered.headers);
        return;
      }
      try {
        const crms = await Promise.all(deps.crms.map((c) => ask(c, identity)));
        sendJson(res, 200, { checkedAt: new Date().toISOString(), crms } satisfies PipelineAnswer, {
          'cache-control': 'no-store',
        });
      } finally {
        entered.release();
      }
    },
  };
}
