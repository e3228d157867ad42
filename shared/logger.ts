import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may carry personal data. They are censored even if a caller logs a whole object by
 * mistake; the rule remains: log ids and codes, never phones, names, emails or transcripts.
 */
const PERSONAL_DATA_PATHS = [
  // Top-level `name` is pino's logger name (the service), so only nested `*.name` is censored.
  'phone', '*.phone', 'phones', '*.phones', 'e164', '*.e164', 'email', '*.email', '*.name',
  'firstName', '*.firstName', 'lastName', '*.lastName', 'summary', '*.summary', 'transcript', '*.transcript',
  'body', '*.body', 'authorization', '*.authorization', 'headers.authorization', 'token', '*.token',
];

export interface LoggerOptions {
  level?: string;
}

/** One JSON logger per service; child loggers add request ids. */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  return pino({
    name: service,
    level: options.level ?? 'info',
    base: { service },
    redact: { paths: PERSONAL_DATA_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A logger that drops everything; for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
