import { z } from 'zod';
import { ErrorCode } from '../../../shared/errors.js';
import { text } from '../../../shared/input.js';
import { HttpError, MAX_BODY_BYTES, readRawBody, sendJson, type Route } from '../../../shared/http.js';
import type { Logger } from '../../../shared/logger.js';
import type { Metrics } from '../../../shared/metrics.js';
import {
  WEBHOOK_REPLAY_WINDOW_MS,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  headerValue,
  signWebhook,
  verifyWebhookSignature,
  webhookAuthFailures,
} from '../../../shared/webhook-signature.js';
import { callOutcomeInput } from './outcome.js';
import type { OutcomeRecorder } from './recorder.js';
import { IdempotencyConflictError } from '../store.js';

/**
 * `POST /webhooks/call-ended`: voice platforms report a finished call (docs/webhooks-call-ended.md).
 *
 * Authentication, checked on the raw bytes before anything is parsed, with the scheme every
 * dialplane-defined webhook shares (shared/webhook-signature.ts) and CALL_WEBHOOK_SECRET:
 *   X-Dialplane-Timestamp: <unix epoch milliseconds>
 *   X-Dialplane-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>[,v1=<…>]
 * Answers 202 with the receipt once the outcome and its job are committed; a redelivered event id
 * answers 202 with the first receipt.
 */

export const CALL_ENDED_PATH = '/webhooks/call-ended';
export const TIMESTAMP_HEADER = WEBHOOK_TIMESTAMP_HEADER;
export const SIGNATURE_HEADER = WEBHOOK_SIGNATURE_HEADER;
export const REPLAY_WINDOW_MS = WEBHOOK_REPLAY_WINDOW_MS;
/** Voice platforms send transcripts; 1 MB is generous, anything above answers 413. */
export const CALL_ENDED_MAX_BODY_BYTES = MAX_BODY_BYTES;

export const signCallEnded = signWebhook;

/** True when one of the header's v1 signatures matches and the timestamp is fresh. */
export function verifyCallEnded(
  secret: string,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  rawBody: Buffer,
  now = Date.now(),
): boolean {
  return verifyWebhookSignature({ secret, timestamp: timestampHeader, signature: signatureHeader, rawBody, now }).ok;
}

/** The envelope: the same outcome as `recordCallOutcome`, with the platform's event id. */
export const callEndedEvent = z.object({
  eventId: text(200, 1),
  type: z.literal('call.ended').optional(),
  outcome: z.record(z.string(), z.unknown()),
});

export function callEndedRoute(deps: {
  secret: string;
  recorder: OutcomeRecorder;
  log: Logger;
  metrics: Metrics;
}): Route {
  const { secret, recorder, log } = deps;
  const authFailures = webhookAuthFailures(deps.metrics);
  return {
    method: 'POST',
    path: CALL_ENDED_PATH,
    handler: async (req, res) => {
      const raw = await readRawBody(req, CALL_ENDED_MAX_BODY_BYTES);
      const check = verifyWebhookSignature({
        secret,
        timestamp: headerValue(req.headers[TIMESTAMP_HEADER]),
        signature: headerValue(req.headers[SIGNATURE_HEADER]),
        rawBody: raw,
      });
      if (!check.ok) {
        authFailures.inc({ receiver: 'call-ended', reason: check.reason });
        log.warn({ receiver: 'call-ended', reason: check.reason }, 'webhook refused before parsing');
        throw new HttpError(401, ErrorCode.WEBHOOK_SIGNATURE_INVALID, 'signature or timestamp did not verify');
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'body is not valid JSON');
      }
      const envelope = callEndedEvent.safeParse(json);
      if (!envelope.success)
        throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'not a call.ended event', issuesOf(envelope.error));
      const { eventId } = envelope.data;
      // Idempotent by event id: without an explicit key, the event id is the key.
      const outcome = callOutcomeInput.safeParse({ idempotencyKey: `call-ended:${eventId}`, ...envelope.data.outcome });
      if (!outcome.success)
        throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'invalid outcome', issuesOf(outcome.error, 'outcome'));
      try {
        const receipt = await recorder.record(outcome.data, 'webhook', eventId);
        sendJson(res, 202, receipt);
      } catch (error) {
        if (error instanceof IdempotencyConflictError) throw new HttpError(409, ErrorCode.CONFLICT, error.message);
        throw error;
      }
    },
  };
}

function issuesOf(error: z.ZodError, prefix = ''): { field: string; message: string }[] {
  return error.issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
}
