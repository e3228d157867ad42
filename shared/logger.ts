import { pino, type DestinationStream, type Logger } from 'pino';
import { traceLogFields } from './tracing.js';

export type { Logger };

/**
 * Paths that may carry personal data. They are censored even if a caller logs a whole object by
 * mistake; the rule remains: log ids and codes, never phones, names, emails or transcripts.
 */
const PERSONAL_DATA_PATHS = [
  // Top-level `name` is pino's logger name (the service), so only nested `*.name` is censored.
  'phone',
  '*.phone',
  'phones',
  '*.phones',
  'e164',
  '*.e164',
  'email',
  '*.email',
  '*.name',
  'firstName',
  '*.firstName',
  'lastName',
  '*.lastName',
  'summary',
  '*.summary',
  'transcript',
  '*.transcript',
  'body',
  '*.body',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'token',
  '*.token',
];

export interface LoggerOptions {
  level?: string;
  /** Where lines go (default stdout); tests read them back. */
  destination?: DestinationStream;
}

/**
 * One JSON logger per service; child loggers add request ids. With tracing on, a line written
 * inside a span carries its `traceId` and `spanId`, so a trace leads to its log lines and back.
 */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const settings = {
    name: service,
    level: options.level ?? 'info',
    base: { service },
    redact: { paths: PERSONAL_DATA_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceLogFields,
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that drops everything; for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * An error as a log field: name, message, stack and a string `code` (ours or a driver's SQLSTATE /
 * errno). Only these fields: a driver error's other properties (a PostgreSQL `detail`, an HTTP
 * client's request) can quote personal data; the message may too, as before, and the logger's
 * redaction still applies to whatever object the caller adds.
 */
export function errorForLog(error: unknown): { type?: string; message: string; stack?: string; code?: string } {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  const fields = {
    type: error.name,
    message: error.message,
    stack: error.stack,
    ...(typeof code === 'string' ? { code } : {}),
  };
  // No prototype: pino's `err` serializer names a plain object's `type` after its constructor ("Object").
  return Object.assign(Object.create(null) as object, fields);
}

/** Logs a failure at error level with its stack under `err`, beside the caller's (non-personal) fields. */
export function logError(log: Logger, error: unknown, msg: string, fields: Record<string, unknown> = {}): void {
  log.error({ ...fields, err: errorForLog(error) }, msg);
}
