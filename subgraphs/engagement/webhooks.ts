import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode } from '../../shared/errors.js';
import { text } from '../../shared/input.js';
import { HttpError, readRawBody, sendJson, type Route } from '../../shared/http.js';
import type { Logger } from '../../shared/logger.js';
import { callOutcomeInput } from './outcome.js';
import type { OutcomeRecorder } from './recorder.js';
import { IdempotencyConflictError } from './store.js';

/**
 * `POST /webhooks/call-ended`: voice platforms report a finished call (docs/webhooks-call-ended.md).
 *
 * Authentication, checked on the raw bytes before anything is parsed:
 *   X-Dialplane-Timestamp: <unix epoch milliseconds>
 *   X-Dialplane-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>[,v1=<…>]
 * Timestamps more than 5 minutes from our clock are refused (replays). Several v1= values may be
 * sent during a secret rotation; one must match. Answers 202 with the receipt once the outcome and
 * its job are committed; a redelivered event id answers 202 with the first receipt.
 */

export const CALL_ENDED_PATH = '/webhooks/call-ended';
export const TIMESTAMP_HEADER = 'x-dialplane-timestamp';
export const SIGNATURE_HEADER = 'x-dialplane-signature';
export const REPLAY_WINDOW_MS = 5 * 60_000;

export function signCallEnded(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `v1=${mac}`;
}

/** True when one of the header's v1 signatures matches and the timestamp is fresh. */
export function verifyCallEnded(secret: string, timestampHeader: string | undefined, signatureHeader: string | undefined, rawBody: Buffer, now = Date.now()): boolean {
  if (!timestampHeader || !signatureHeader || !/^\d{10,16}$/.test(timestampHeader)) return false;
  const timestamp = Number(timestampHeader);
  if (Math.abs(now - timestamp) > REPLAY_WINDOW_MS) return false;
  const expected = Buffer.from(signCallEnded(secret, timestamp, rawBody).slice(3), 'hex');
  return signatureHeader.split(',').some((part) => {
    const m = /^\s*v1=([0-9a-f]{64})\s*$/i.exec(part);
    if (!m) return false;
    const given = Buffer.from(m[1]!, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** The envelope: the same outcome as `recordCallOutcome`, with the platform's event id. */
export const callEndedEvent = z.object({
  eventId: text(200, 1),
  type: z.literal('call.ended').optional(),
  outcome: z.record(z.string(), z.unknown()),
});

export function callEndedRoute(deps: { secret: string; recorder: OutcomeRecorder; log: Logger }): Route {
  const { secret, recorder, log } = deps;
  return {
    method: 'POST',
    path: CALL_ENDED_PATH,
    handler: async (req, res) => {
      const raw = await readRawBody(req);
      const ts = req.headers[TIMESTAMP_HEADER];
      const sig = req.headers[SIGNATURE_HEADER];
      if (!verifyCallEnded(secret, typeof ts === 'string' ? ts : undefined, typeof sig === 'string' ? sig : undefined, raw)) {
        log.warn({ path: CALL_ENDED_PATH }, 'call-ended webhook refused: bad signature or stale timestamp');
        throw new HttpError(401, ErrorCode.WEBHOOK_SIGNATURE_INVALID, 'signature or timestamp did not verify');
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'body is not valid JSON');
      }
      const envelope = callEndedEvent.safeParse(json);
      if (!envelope.success) throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'not a call.ended event', issuesOf(envelope.error));
      const { eventId } = envelope.data;
      // Idempotent by event id: without an explicit key, the event id is the key.
      const outcome = callOutcomeInput.safeParse({ idempotencyKey: `call-ended:${eventId}`, ...envelope.data.outcome });
      if (!outcome.success) throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'invalid outcome', issuesOf(outcome.error, 'outcome'));
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
  return error.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));
}
