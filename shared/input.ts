import { z } from 'zod';

/**
 * The zod building blocks every string and instant from outside goes through (GraphQL arguments,
 * webhook payloads), so bad bytes and absurd values are one typed BAD_USER_INPUT naming the field
 * (or a 400 on webhooks) and never reach the database. Bounds are documented in docs/access.md.
 *
 * - Text never carries control characters (NUL included: PostgreSQL refuses it in text) nor
 *   unpaired UTF-16 surrogates (not encodable as UTF-8). Multi-line text (summaries, transcripts)
 *   may carry tab, line feed and carriage return; single-line text none.
 * - Instants are ISO 8601 with an offset, not before 2000-01-01, and not further ahead of the
 *   server clock than each field allows.
 */

/** C0 controls except TAB/LF/CR, DEL, C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: this pattern exists to find control characters in input.
const CONTROL_MULTILINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** Every C0 control, DEL, C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: this pattern exists to find control characters in input.
const CONTROL_SINGLE_LINE = /[\u0000-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const CONTROL_CHARACTER_MESSAGE = 'must not contain control characters';
export const SURROGATE_MESSAGE = 'must be valid Unicode text (unpaired surrogate)';

/** Adds the two byte-level checks to any string schema (use on schemas with their own rules). */
export function cleanText<T extends z.ZodString>(schema: T, options: { multiline?: boolean } = {}) {
  const control = options.multiline ? CONTROL_MULTILINE : CONTROL_SINGLE_LINE;
  return schema
    .refine((v) => !control.test(v), { message: CONTROL_CHARACTER_MESSAGE, abort: true })
    .refine((v) => !LONE_SURROGATE.test(v), { message: SURROGATE_MESSAGE, abort: true });
}

/** Single-line text, trimmed, `min`..`max` characters. */
export function text(max: number, min = 0) {
  return cleanText(z.string().trim().min(min).max(max));
}

/** Multi-line text (tab, LF, CR allowed), not trimmed, at most `max` characters. */
export function multilineText(max: number) {
  return cleanText(z.string().max(max), { multiline: true });
}

/** No instant before this is accepted anywhere. */
export const EARLIEST_INSTANT = new Date('2000-01-01T00:00:00Z');
export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * An ISO 8601 instant with offset, as a Date, between 2000-01-01 and `maxAheadMs` after the
 * server clock `now()` (read at validation time).
 */
export function instant(now: () => Date, maxAheadMs: number) {
  return z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v))
    .refine((d) => d.getTime() >= EARLIEST_INSTANT.getTime(), { message: 'must not be before 2000-01-01', abort: true })
    .refine((d) => d.getTime() <= now().getTime() + maxAheadMs, {
      message:
        maxAheadMs <= MINUTE_MS
          ? 'must not be in the future'
          : `must not be more than ${describeSpan(maxAheadMs)} ahead of the server clock`,
    });
}

/** The same bounds on an ISO string kept as a string (stores that keep the caller's text). */
export function instantString(now: () => Date, maxAheadMs: number) {
  return cleanText(z.string())
    .pipe(z.iso.datetime({ offset: true }))
    .refine(
      (v) => {
        const t = Date.parse(v);
        return t >= EARLIEST_INSTANT.getTime() && t <= now().getTime() + maxAheadMs;
      },
      { message: `must be between 2000-01-01 and ${describeSpan(maxAheadMs)} ahead of the server clock` },
    );
}

function describeSpan(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} day${ms === DAY_MS ? '' : 's'}`;
  if (ms % MINUTE_MS === 0) return `${ms / MINUTE_MS} minute${ms === MINUTE_MS ? '' : 's'}`;
  return `${ms} ms`;
}
