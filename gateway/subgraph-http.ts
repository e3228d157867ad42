import http from 'node:http';
import https from 'node:https';
import { DialplaneError, ErrorCode } from '../shared/errors.js';

/**
 * The gateway's one HTTP client for subgraph fetches: plain node:http over keep-alive agents.
 * Apollo's default fetcher (make-fetch-happen) adds an HTTP cache layer and a Request object per
 * call; on the hot path we only need "POST this JSON, give me JSON back" over a reused socket.
 * No retries here: a mutation must never be sent twice (retries belong in the job queue).
 */
export class SubgraphHttpError extends DialplaneError {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'timeout',
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.SUBGRAPH_UNAVAILABLE, message, { kind }, options);
    this.name = 'SubgraphHttpError';
  }
}

export interface SubgraphHttpClientOptions {
  /** Upper bound for one subgraph fetch; the voice thread must never hang on a subgraph. */
  timeoutMs?: number;
  maxSockets?: number;
}

export interface SubgraphHttpClient {
  /** POSTs a JSON body; answers the status and the body text (parsing is the caller's choice). */
  postText(url: URL, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }>;
  close(): void;
}

export function createSubgraphHttpClient(options: SubgraphHttpClientOptions = {}): SubgraphHttpClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agentOptions = {
    keepAlive: true,
    keepAliveMsecs: 1_000,
    maxSockets: options.maxSockets ?? 128,
    maxFreeSockets: 64,
    scheduling: 'lifo' as const,
  };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  function postText(
    url: URL,
    body: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; text: string }> {
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? httpsAgent : httpAgent,
          headers: {
            ...headers,
            'content-type': 'application/json',
            accept: 'application/graphql-response+json, application/json',
            'content-length': Buffer.byteLength(body),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => reject(new SubgraphHttpError(error.message, 'unreachable', { cause: error })));
          res.on('end', () => {
            const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, text });
          });
        },
      );
      req.on('timeout', () => req.destroy(new SubgraphHttpError(`no answer within ${timeoutMs} ms`, 'timeout')));
      req.on('error', (error) => {
        reject(
          error instanceof SubgraphHttpError
            ? error
            : new SubgraphHttpError(error.message, 'unreachable', { cause: error }),
        );
      });
      req.end(body);
    });
  }

  return {
    postText,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
