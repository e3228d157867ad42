import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Metrics } from './metrics.js';

/**
 * The one signature scheme of webhooks that dialplane defines itself (docs/trust-model.md): the
 * voice platforms' `POST /webhooks/call-ended` and CRM change relays such as
 * `POST /webhooks/salesforce` (a signing relay or Named Credential in front of Salesforce CDC).
 * Each receiver has its own secret.
 *
 *   X-Dialplane-Timestamp: <unix epoch milliseconds>
 *   X-Dialplane-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>[,v1=<…>]
 *
 * Checked on the raw bytes before anything parses them. A timestamp more than five minutes from
 * our clock is refused (replay window). Several v1= values may be sent during a secret rotation;
 * one must match.
 */

export const WEBHOOK_TIMESTAMP_HEADER = 'x-dialplane-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'x-dialplane-signature';
export const WEBHOOK_REPLAY_WINDOW_MS = 5 * 60_000;

export type WebhookSignatureFailure =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'bad_timestamp'
  | 'stale_timestamp'
  | 'mismatch';
export type WebhookSignatureCheck = { ok: true } | { ok: false; reason: WebhookSignatureFailure };

export function signWebhook(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/** The two headers a sender adds to a body it signs. */
export function webhookSignatureHeaders(
  secret: string,
  rawBody: string | Buffer,
  now = Date.now(),
): Record<string, string> {
  return { [WEBHOOK_TIMESTAMP_HEADER]: String(now), [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, now, rawBody) };
}

export function verifyWebhookSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  now?: number;
  windowMs?: number;
}): WebhookSignatureCheck {
  if (!input.signature) return { ok: false, reason: 'missing_signature' };
  if (!input.timestamp) return { ok: false, reason: 'missing_timestamp' };
  if (!/^\d{10,16}$/.test(input.timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const timestamp = Number(input.timestamp);
  if (Math.abs((input.now ?? Date.now()) - timestamp) > (input.windowMs ?? WEBHOOK_REPLAY_WINDOW_MS))
    return { ok: false, reason: 'stale_timestamp' };
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.rawBody).slice(3), 'hex');
  const matches = input.signature.split(',').some((part) => {
    const m = /^\s*v1=([0-9a-f]{64})\s*$/i.exec(part);
    if (!m) return false;
    return timingSafeEqual(Buffer.from(m[1]!, 'hex'), expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** The header value as one string (node gives arrays for repeated headers). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * `dialplane_webhook_auth_failures_total{receiver, reason}`: every refused webhook delivery, on
 * every receiver, so an alert can watch one series. The log line beside it carries the receiver
 * and the reason, never the body.
 */
export function webhookAuthFailures(metrics: Metrics) {
  return metrics.counter(
    'dialplane_webhook_auth_failures_total',
    'Webhook deliveries refused before parsing (signature or timestamp), by receiver and reason',
    ['receiver', 'reason'],
  );
}
